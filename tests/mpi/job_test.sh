#!/usr/bin/env bash
# Runs whole MPI jobs and checks how they end. Usage:
#   job_test.sh MPIEXEC kill_and_resume JOURNAL_JOB
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
