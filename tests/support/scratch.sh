# Sourced by the tests' shell scripts: a scratch directory, $work, removed on exit, and fail,
# which reports and exits non-zero.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAILED: $*" >&2
  exit 1
}
