#!/usr/bin/env bash
# Runs the GPU conformance suites from the archive that scripts/gpu/pack.sh made, on a machine with an NVIDIA
# GPU and no Java, Maven or network. Results (JUnit XML, console logs, what was found) go to $OUT.
#
#   cuda          CudaConformanceTest: the suite with cuDNN and again on the project's own kernels
#                 (-Dcnn4j.require=cuda,cudnn: no device or no cuDNN is a failure, not a skip)
#   opencl        the OpenCL backend's conformance tests (-Dcnn4j.require=opencl)
#   cuda-reliability  the reliability battery and the jqwik properties on cuda (with cuDNN and own kernels)
#   bench, bench-opencl, torch   cnn4j bench on cuda and cpu (and opencl), PyTorch on the same plan, merged
#   train-*       cnn4j train of LeNet-5 and the seed 002 CNN on Fashion-MNIST on cuda (CNN4J_GPU_TRAIN=0: skip)
#   bench         cnn4j bench --backend cuda,cpu [--quick] into $OUT/bench (CNN4J_GPU_BENCH=quick|full|0)
#
# Usage: scripts/gpu/run.sh [archive.tar.xz | unpacked-folder]    (default: .gpu/cnn4j-gpu.tar.xz)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${1:-}
if [[ -z "$src" ]]; then
  if [[ -x "$here/jre/bin/java" ]]; then src="$here"; else src="$here/../../.gpu/cnn4j-gpu.tar.xz"; fi
fi
OUT=${OUT:-$PWD/gpu-results}
mkdir -p "$OUT"

if [[ -d "$src" ]]; then
  work=$(cd "$src" && pwd)
else
  work=$(mktemp -d)
  xz -dc "$src" | tar -C "$work" -xf - || { echo "run: cannot unpack $src" | tee "$OUT/error.txt"; exit 2; }
fi
java="$work/jre/bin/java"

# What the machine has.
{
  echo "== date"; date -u
  echo "== nvidia-smi"; nvidia-smi 2>&1 || echo "nvidia-smi not available"
  echo "== ldconfig"; ldconfig -p 2>/dev/null | grep -E 'libcuda|libcublas|libcudnn|libnvrtc|libOpenCL' || true
  echo "== java"; "$java" -version 2>&1
  echo "== commit"; cat "$work/commit.txt" 2>/dev/null
} > "$OUT/machine.txt" 2>&1

# NVIDIA's libraries from Python wheels (nvidia is a namespace package: every folder on its __path__).
libdirs=""
if command -v python3 >/dev/null 2>&1; then
  libdirs=$(python3 - <<'PY' 2>/dev/null
import glob, os
try:
    import nvidia
    paths = list(nvidia.__path__)
except Exception:
    paths = []
dirs = []
for p in paths:
    for d in sorted(glob.glob(os.path.join(p, "*", "lib"))):
        dirs.append(d)
print(":".join(dirs))
PY
)
fi
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  [[ -d "$d" ]] && libdirs="${libdirs:+$libdirs:}$d"
done
echo "$libdirs" | tr ':' '\n' > "$OUT/library-dirs.txt"
# The loader path too, so that libraries resolving their companions by soname find them.
export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

cp="$(find "$work/lib" -name '*.jar' | sort | paste -sd:)"
for tc in "$work"/test-classes/*; do cp="$cp:$tc"; done

jvm=(--enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xss4m -Dcnn4j.conformance.require=true
     "-Dcnn4j.cuda.libraryPath=$libdirs" -Dcnn4j.conformance.reportDir="$OUT")

suite() {
  local name=$1; shift
  echo "run: $name" >&2
  "$java" "${jvm[@]}" "$@" -jar "$work/junit-platform-console-standalone.jar" execute \
    --class-path "$cp" --reports-dir "$OUT/$name" --details=tree --disable-banner \
    --config "jqwik.database=$OUT/jqwik-database-$name" \
    "${selectors[@]}" > "$OUT/$name.log" 2>&1
  local rc=$?
  local counts
  counts=$(sed 's/\x1b\[[0-9;]*m//g' "$OUT/$name.log" | grep -E 'tests (found|successful|skipped|failed|aborted)' \
    | tr -s ' []' ' ' | paste -sd, -)
  echo "$name exit $rc:$counts" >> "$OUT/summary.txt"
}

: > "$OUT/summary.txt"
selectors=(--select-class org.cnn4j.backend.cuda.CudaConformanceTest)
suite cuda -Dcnn4j.require=cuda,cudnn
selectors=(--select-package org.cnn4j.backend.opencl --include-classname '.*Conformance.*')
suite opencl -Dcnn4j.require=opencl
# The reliability battery and the property-based checks (jqwik) on the GPU, with cuDNN and on the own kernels.
selectors=(--select-class org.cnn4j.backend.cuda.CudaReliabilityTest --select-class org.cnn4j.backend.cuda.CudaOpPropertiesTest)
suite cuda-reliability -Dcnn4j.require=cuda,cudnn
# Training on the GPU: LeNet-5 (the README's defaults) and the seed 002 CNN on Fashion-MNIST, with the test
# accuracy and images/s in each run's epochs.jsonl and log.
train() {
  local name=$1; shift
  echo "run: train $name" >&2
  "$java" "${jvm[@]}" -cp "$cp" org.cnn4j.cli.Main train --backend cuda --dataset fashion-mnist \
    --data-dir "$work/data/fashion-mnist" --no-download --no-progress --out-dir "$OUT/train-$name" "$@" \
    > "$OUT/train-$name.log" 2>&1
  local rc=$?
  echo "train-$name exit $rc: $(grep -E '^test:|^epoch [0-9]+:' "$OUT/train-$name.log" | tail -2 | paste -sd' ' -)" \
    >> "$OUT/summary.txt"
}
if [[ -d "$work/data/fashion-mnist" && "${CNN4J_GPU_TRAIN:-1}" != 0 ]]; then
  train lenet5 --model lenet5 --epochs 5
  train seed002-cnn --model seed002-cnn --epochs 10 --batch 32 --lr 0.001
fi
# Benchmarks (cnn4j bench: the operators and training steps on cuda beside cpu, checked against the reference,
# with the GPU's copy bandwidth and cuBLAS SGEMM as ceilings): CNN4J_GPU_BENCH=quick (default), full, or 0.
bench_mode=${CNN4J_GPU_BENCH:-quick}
if [[ "$bench_mode" != 0 ]]; then
  echo "run: bench ($bench_mode)" >&2
  quick=(); if [[ "$bench_mode" == quick ]]; then quick=(--quick); fi
  bench() { "$java" "${jvm[@]}" -cp "$cp" org.cnn4j.cli.Main bench "$@"; }
  bench --backend cuda,cpu "${quick[@]}" --out "$OUT/bench" > "$OUT/bench.log" 2>&1
  echo "bench exit $?: $(grep -c ' check passed' "$OUT/bench.log") checks passed, $(grep -c 'check failed\|ERROR' \
    "$OUT/bench.log") failed or errors" >> "$OUT/summary.txt"
  # The same cases on NVIDIA's OpenCL driver, when the machine has one (else this run fails, naming why).
  bench --backend opencl "${quick[@]}" --out "$OUT/bench-opencl" > "$OUT/bench-opencl.log" 2>&1
  echo "bench-opencl exit $?: $(tail -1 "$OUT/bench-opencl.log")" >> "$OUT/summary.txt"
  # PyTorch on the same GPU and the same plan, merged beside cnn4j's rows.
  if command -v python3 >/dev/null 2>&1 && python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    bench --plan "$OUT/plan.json" > /dev/null 2>&1
    python3 "$work/pytorch/bench_torch.py" --device cuda "${quick[@]}" --plan "$OUT/plan.json" \
      --out "$OUT/torch/torch.json" > "$OUT/torch.log" 2>&1
    echo "torch exit $?" >> "$OUT/summary.txt"
    bench --from "$OUT/bench/results.json" --torch "$OUT/torch/torch.json" --out "$OUT/bench-vs-torch" \
      > "$OUT/bench-vs-torch.log" 2>&1
    echo "bench-vs-torch exit $?" >> "$OUT/summary.txt"
  else
    echo "torch: no python3 with CUDA-enabled PyTorch" >> "$OUT/summary.txt"
  fi
fi
cat "$OUT/summary.txt"
