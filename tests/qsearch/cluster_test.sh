#!/usr/bin/env bash
# qsearch --cluster on 3 ranks must give the circuits (same CNOTs, angles, distances, seeds) of a
# single-process run, for the benchmark list and for a list of --unitary files, also with
# --gate iswap; a rerun with the journal must give them again without synthesizing anything.
# `qsearch optimize --cluster` gives the local run's circuit. A journal that cannot be used
# (another program's, a directory, a device) is refused with exit status 2.
# Usage: cluster_test.sh MPIEXEC QSEARCH DATA_DIR JOURNAL_JOB
set -uo pipefail
mpiexec=$1
qsearch=$2
data=$3
journal_job=$4
# shellcheck source=../support/scratch.sh
source "$(dirname "$0")/../support/scratch.sh"
# Everything but the timings and the count of optimizer starts run, which depends on how far
# the starts after a successful one got before they were cancelled.
circuits() { sed -E 's/"(search_)?seconds":[^,]*,//g; s/"starts":[^,]*,//' "$1"; }

"$qsearch" --benchmark --json --multistarts 4 --threads 2 --quiet >"$work/local" ||
  fail "the single-process benchmark run failed"
timeout 300 "$mpiexec" -n 3 "$qsearch" --cluster --benchmark --json --multistarts 4 \
  --threads 1 --quiet >"$work/cluster" || fail "the cluster benchmark run failed"
diff <(circuits "$work/local") <(circuits "$work/cluster") ||
  fail "the cluster's benchmark circuits differ"
echo "benchmark: $(wc -l <"$work/cluster") circuits equal"

files=("$data"/circuit_eph_1.0_time_3_3.unitary "$data"/circuit_eph_1.0_time_6_3.unitary)
args=()
for f in "${files[@]}"; do args+=(--unitary "$f"); done
"$qsearch" "${args[@]}" --json --multistarts 4 --threads 2 --quiet >"$work/files_local" ||
  fail "the single-process run over unitary files failed"
timeout 300 "$mpiexec" -n 3 "$qsearch" --cluster "${args[@]}" --json --multistarts 4 \
  --threads 1 --quiet --journal "$work/journal" >"$work/files_cluster" ||
  fail "the cluster run over unitary files failed"
diff <(circuits "$work/files_local") <(circuits "$work/files_cluster") ||
  fail "the cluster's circuits for the unitary files differ"
timeout 300 "$mpiexec" -n 3 "$qsearch" --cluster "${args[@]}" --json --multistarts 4 \
  --threads 1 --quiet --journal "$work/journal" >"$work/files_again" ||
  fail "the rerun from the journal failed"
# Taken from the journal: the very same reports, timings included.
cmp "$work/files_cluster" "$work/files_again" || fail "the rerun from the journal differs"
echo "unitary files: $(wc -l <"$work/files_cluster") circuits equal, rerun from the journal"

# The gate set travels with the jobs: the ranks synthesize with iSWAP layers too.
"$qsearch" "${args[@]}" --gate iswap --json --multistarts 4 --threads 2 --quiet \
  >"$work/iswap_local" || fail "the single-process iSWAP run failed"
timeout 300 "$mpiexec" -n 3 "$qsearch" --cluster "${args[@]}" --gate iswap --json \
  --multistarts 4 --threads 1 --quiet >"$work/iswap_cluster" || fail "the cluster iSWAP run failed"
grep -q '"gate":"iswap"' "$work/iswap_cluster" || fail "the cluster's reports do not name iswap"
diff <(circuits "$work/iswap_local") <(circuits "$work/iswap_cluster") ||
  fail "the cluster's iSWAP circuits differ"
echo "unitary files with --gate iswap: $(wc -l <"$work/iswap_cluster") circuits equal"

# qsearch optimize spreads its blocks over the ranks: the same circuit as a local run, and again
# from the journal.
"$qsearch" optimize "$data/circuits/adder_4.qasm" --multistarts 4 --threads 2 --quiet \
  >"$work/optimized_local" || fail "the local optimize run failed"
timeout 300 "$mpiexec" -n 3 "$qsearch" optimize "$data/circuits/adder_4.qasm" --cluster \
  --multistarts 4 --threads 1 --quiet --journal "$work/optimize_journal" \
  >"$work/optimized_cluster" || fail "the cluster optimize run failed"
cmp "$work/optimized_local" "$work/optimized_cluster" || fail "the cluster's optimized circuit differs"
timeout 300 "$mpiexec" -n 3 "$qsearch" optimize "$data/circuits/adder_4.qasm" --cluster \
  --multistarts 4 --threads 1 --quiet --journal "$work/optimize_journal" \
  >"$work/optimized_again" || fail "the optimize rerun from the journal failed"
cmp "$work/optimized_local" "$work/optimized_again" || fail "the optimize rerun differs"
echo "optimize: the cluster's circuit equals the local one, also from the journal"

# A journal that cannot be used is bad input: exit 2, one message naming the file.
refused() { # expected message, then the journal
  timeout 60 "$mpiexec" -n 3 "$qsearch" --cluster --journal "$2" --quiet qft2 >"$work/out" \
    2>"$work/err"
  local status=$?
  ((status == 2)) || fail "--journal $2 exited $status, not 2: $(cat "$work/err")"
  grep -qF -- "$1" "$work/err" || fail "--journal $2: no message '$1' in $(cat "$work/err")"
}
refused "yt journal /dev/null: it is not a regular file" /dev/null
refused "yt journal $work: it is a directory" "$work"
printf 'yieldtasks journal 1\nold records' >"$work/old"
refused "another journal format (yieldtasks journal 1)" "$work/old"
timeout 60 "$journal_job" --journal "$work/foreign" --items 3 >/dev/null 2>&1 ||
  fail "journal_job could not write a journal"
refused "yt journal $work/foreign: it was written by another program or build" "$work/foreign"
echo "unusable journals: refused with exit status 2"
echo "ok"
