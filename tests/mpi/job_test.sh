#!/usr/bin/env bash
# Runs whole MPI jobs and checks how they end. Usage:
#   job_test.sh MPIEXEC kill_and_resume JOURNAL_JOB
#   job_test.sh MPIEXEC stopped_rank JOURNAL_JOB
#   job_test.sh MPIEXEC damaged_journal JOURNAL_JOB
#   job_test.sh MPIEXEC refused_start JOURNAL_JOB
#   job_test.sh MPIEXEC mismatch JOB_A JOB_B
set -uo pipefail
mpiexec=$1
mode=$2
# shellcheck source=../support/scratch.sh
source "$(dirname "$0")/../support/scratch.sh"

case $mode in
kill_and_resume)
  job=$3
  timeout 60 "$mpiexec" -n 3 "$job" >"$work/reference" 2>"$work/reference.err" ||
    fail "the reference run failed: $(cat "$work/reference.err")"
  start=$(date +%s)
  timeout 60 "$mpiexec" -n 3 "$job" --journal "$work/journal" --kill-from 30 \
    >"$work/killed" 2>"$work/killed.err"
  status=$?
  elapsed=$(($(date +%s) - start))
  echo "killed run: exit status $status after ${elapsed} s"
  ((status != 0)) || fail "the job with a killed rank exited 0"
  ((status != 124)) || fail "the job with a killed rank hung until the timeout"
  ((elapsed < 30)) || fail "the job with a killed rank took ${elapsed} s to end"
  timeout 60 "$mpiexec" -n 3 "$job" --journal "$work/journal" >"$work/resumed" \
    2>"$work/resumed.err" || fail "the resumed run failed: $(cat "$work/resumed.err")"
  cmp "$work/reference" "$work/resumed" || fail "the resumed run's output differs"
  journaled=$(sed -n 's/^journaled //p' "$work/resumed.err")
  echo "resumed run: $journaled results taken from the journal"
  ((journaled > 0)) || fail "the resumed run took nothing from the journal"
  ((journaled < 60)) || fail "the killed run journaled every item, so nothing was resumed"
  timeout 60 "$mpiexec" -n 3 "$job" --journal "$work/journal" >"$work/again" \
    2>"$work/again.err" || fail "the third run failed"
  cmp "$work/reference" "$work/again" || fail "the third run's output differs"
  grep -q '^journaled 60$' "$work/again.err" || fail "the third run ran items again"
  ;;
stopped_rank)
  job=$3
  # A rank left stopped by a failed run would hold its resources for ever.
  trap 'pkill -KILL -f -- "$job --stop-at"; rm -rf "$work"' EXIT
  local_start=$(date +%s%N)
  timeout 60 "$job" >"$work/local" 2>"$work/local.err" ||
    fail "the local run failed: $(cat "$work/local.err")"
  local_ms=$((($(date +%s%N) - local_start) / 1000000))
  rank_timeout=3
  start=$(date +%s%N)
  timeout -s KILL 120 "$mpiexec" -n 3 "$job" --stop-at 20 --rank-timeout $rank_timeout \
    >"$work/stopped" 2>"$work/stopped.err"
  status=$?
  elapsed_ms=$((($(date +%s%N) - start) / 1000000))
  cat "$work/stopped.err"
  echo "local run ${local_ms} ms; 3 ranks, rank 2 stopped: exit status $status after ${elapsed_ms} ms"
  ((status == 0)) || fail "the job with a stopped rank exited $status"
  # The timeout, the work (at most the local run's), and the launcher's start and end.
  limit_ms=$((rank_timeout * 1000 + local_ms + 15000))
  ((elapsed_ms < limit_ms)) || fail "the job took ${elapsed_ms} ms, over ${limit_ms} ms"
  cmp "$work/local" "$work/stopped" || fail "the results differ from the local run's"
  grep -q "rank 2 has not answered" "$work/stopped.err" || fail "no message naming rank 2"
  grep -q '^lost ranks 1$' "$work/stopped.err" || fail "no rank counted as lost"
  grep -q '^resent [1-9]' "$work/stopped.err" || fail "no item was sent again"
  ;;
damaged_journal)
  job=$3
  timeout 60 "$mpiexec" -n 3 "$job" --journal "$work/journal" >"$work/first" \
    2>"$work/first.err" || fail "the first run failed: $(cat "$work/first.err")"
  # One flipped byte in the middle of the file, which lies in some record but the first or last.
  size=$(stat -c %s "$work/journal")
  offset=$((size / 2))
  byte=$(od -An -tu1 -j "$offset" -N1 "$work/journal" | tr -d ' ')
  printf "\\$(printf %o $((byte ^ 0x20)))" |
    dd of="$work/journal" bs=1 seek="$offset" conv=notrunc status=none
  timeout 60 "$mpiexec" -n 3 "$job" --journal "$work/journal" >"$work/second" \
    2>"$work/second.err" || fail "the run after the damage failed: $(cat "$work/second.err")"
  cat "$work/second.err"
  cmp "$work/first" "$work/second" || fail "the run after the damage gives other results"
  grep -q "dropped 1 damaged record" "$work/second.err" || fail "no report of the dropped record"
  grep -q '^journaled 59$' "$work/second.err" || fail "not exactly one item was run again"
  timeout 60 "$mpiexec" -n 3 "$job" --journal "$work/journal" >"$work/third" \
    2>"$work/third.err" || fail "the third run failed"
  cmp "$work/first" "$work/third" || fail "the third run's results differ"
  grep -q '^journaled 60$' "$work/third.err" || fail "the third run ran items again"
  grep -q "^journal dropped 0$" "$work/third.err" || fail "the damage was reported again"
  ;;
refused_start)
  job=$3
  expect_refusal() { # expected message, then the job's arguments
    local message=$1
    shift
    timeout 60 "$mpiexec" -n 3 "$job" "$@" >"$work/out" 2>"$work/err"
    local status=$?
    cat "$work/err"
    ((status == 2)) || fail "$* exited $status, not 2"
    grep -qF -- "$message" "$work/err" || fail "$*: no message '$message'"
    (($(grep -cF -- "$message" "$work/err") == 1)) || fail "$*: the message came more than once"
  }
  expect_refusal "yt journal $work/: it is a directory" --journal "$work/"
  expect_refusal "yt journal /dev/null: it is not a regular file" --journal /dev/null
  printf 'yieldtasks journal 1\nan old one' >"$work/old"
  expect_refusal "another journal format (yieldtasks journal 1)" --journal "$work/old"
  expect_refusal "rank_timeout must be positive, not 0 ms" --rank-timeout 0
  ;;
mismatch)
  timeout 60 "$mpiexec" -n 1 "$3" : -n 2 "$4" >"$work/out" 2>"$work/err"
  status=$?
  cat "$work/err"
  ((status != 0)) || fail "ranks with different registries exited 0"
  ((status != 124)) || fail "ranks with different registries hung"
  grep -q "rank 1 does not run the same program as rank 0" "$work/err" ||
    fail "no message naming the mismatch"
  grep -q "only on rank 1: extra" "$work/err" || fail "the message does not name 'extra'"
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac
echo "ok"
