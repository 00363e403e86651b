#!/usr/bin/env bash
# A dry run of the GPU scripts on a machine without a GPU: packs the archive (scripts/gpu/pack.sh, which prints the
# upload budget), runs scripts/gpu/run.sh from it with the smoke, train and bench stages on opencl (PoCL), small,
# and checks what a GPU session depends on: the stages it can run here pass, the two cuda suites and NCCL fail as required
# in their own JVMs (no GPU is a failure, not a skip), the JVMs write crash logs to $OUT, and $OUT holds what the
# device tool returns (at most 8 files, two folders deep) with every log in the archive.
#
# Usage: scripts/gpu/dry-run.sh [--offline]      (exit 0: all checks passed)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

bash scripts/gpu/pack.sh "$@"
out=${CNN4J_DRY_RUN_OUT:-$(mktemp -d)}
[[ -n "${CNN4J_DRY_RUN_OUT:-}" ]] || trap 'rm -rf "$out"' EXIT
OUT="$out" CNN4J_GPU_BACKEND=opencl CNN4J_GPU_DEADLINE=600 CNN4J_GPU_SMOKE_CAP=150 \
  CNN4J_GPU_STAGES="smoke cuda cuda-own train-lenet5 train-lenet5-fast nccl bench opencl" \
  CNN4J_GPU_EPOCHS_LENET5=1 CNN4J_GPU_TRAIN_ARGS="--limit 1024 --test-limit 512" \
  CNN4J_GPU_BENCH_ARGS="--filter ^lenet5-b64/(conv1|pool1|fc3)/" \
  bash scripts/gpu/run.sh .gpu/cnn4j-gpu.tar.xz

failures=0
check() { if eval "$2"; then echo "dry-run: ok: $1"; else echo "dry-run: FAILED: $1" >&2; failures=$((failures + 1)); fi; }
summary="$out/summary.txt"
files=$(find "$out" -type f | wc -l)
check "\$OUT holds $files files (at most 8), none deeper than two folders" \
  "(( files <= 8 )) && [[ -z \"\$(find '$out' -mindepth 4)\" ]]"
check "summary.txt, machine.txt and gpu-results.tar.xz are in \$OUT" \
  "[[ -s '$summary' && -s '$out/machine.txt' && -s '$out/gpu-results.tar.xz' ]]"
budget=$(cat .gpu/upload-budget.txt 2>/dev/null || true)
check "pack.sh printed the upload budget under 64 MiB ($budget)" \
  "[[ \"\$budget\" =~ =\ ([0-9]+)\.[0-9]\ MiB ]] && (( BASH_REMATCH[1] < 64 ))"
check "the smoke stage runs one case of each family on opencl" \
  "grep -Eq '^smoke: exit 0 .* [1-9][0-9]* families, 0 failed' '$summary'"
check "the cuda suite with cuDNN fails without a GPU (-Dcnn4j.require=cuda,cudnn)" "grep -q '^cuda: exit 1 ' '$summary'"
check "the own-kernel cuda suite fails without a GPU, in its own JVM (ownKernels and the planted faults)" \
  "grep -Eq '^cuda-own: exit 1 .* 2 containers failed' '$summary'"
check "the JVMs write crash logs to \$OUT (-XX:ErrorFile)" "grep -q -- '-XX:ErrorFile=$out/hs_err_pid%p.log' '$out/machine.txt'"
check "the opencl conformance suite passes" "grep -Eq '^opencl: exit 0 .* 0 tests failed' '$summary'"
check "training runs on opencl from the packed data" "grep -Eq '^train-lenet5: exit 0 .*test:' '$summary'"
check "training without a host wait in the step runs (readEvery 0)" \
  "grep -Eq '^train-lenet5-fast: exit 0 .*test:' '$summary'"
check "the nccl stage refuses a backend other than cuda, naming it" \
  "grep -Eq \"^nccl: exit 1 .*works on the cuda backend's tensors, but the backend is opencl\" '$summary'"
check "the bench stage passes its reference checks" "grep -Eq '^bench: exit 0 .* [1-9][0-9]* checks passed, 0 failed' '$summary'"
listing=$(xz -dc "$out/gpu-results.tar.xz" | tar -tf -)
for f in gpu-results/smoke.log gpu-results/cuda-own.log gpu-results/opencl.log gpu-results/train-lenet5/epochs.jsonl gpu-results/bench/results.json gpu-results/machine.txt; do
  check "the archive holds $f" "grep -qx '$f' <<< \"\$listing\""
done
check "the programs see no test fakes (cnn4j info lists one cuda and one opencl provider)" \
  "[[ \$(grep -c '^  opencl: ' '$out/machine.txt') == 1 && \$(grep -c '^  cuda: ' '$out/machine.txt') == 1 ]]"
check "the checkout's own ./cnn4j still starts after pack.sh (cli/target/lib keeps cnn4j's jars)" \
  "./cnn4j info > /dev/null 2>&1"
if (( failures > 0 )); then
  echo "dry-run: $failures check(s) failed; summary:" >&2
  cat "$summary" >&2
  exit 1
fi
echo "dry-run: every check passed"
