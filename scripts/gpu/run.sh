#!/usr/bin/env bash
# Runs the GPU checks from the archive that scripts/gpu/pack.sh made, on a machine with an NVIDIA GPU and no
# Java, Maven or network, in stages ordered by importance, against one deadline, so that the whole battery fits
# one device command and a command cut off at its limit still returns what finished.
#
# Stages (CNN4J_GPU_STAGES, space-separated, in this order by default):
#   smoke             org.cnn4j.conformance.Smoke on $CNN4J_GPU_BACKEND with CUDA_LAUNCH_BLOCKING=1, 30 s at most: every
#                     probe (versions), the backend opened, one sample case of each operator family, each named
#                     before it runs, so an asynchronous kernel fault or a JVM crash points at its operator
#   cuda              CudaConformanceTest#withCudnn: the suite with cuDNN (-Dcnn4j.require=cuda,cudnn: no device
#                     or no cuDNN is a failure, not a skip)
#   cuda-own          CudaConformanceTest#ownKernels and the planted faults, in a JVM of its own: the suite on the
#                     project's kernels (cuDNN off)
#   cuda-reliability  the reliability battery and the jqwik properties on cuda (with cuDNN and own kernels)
#   train-lenet5      cnn4j train of LeNet-5 on Fashion-MNIST on cuda (CNN4J_GPU_EPOCHS_LENET5, default 5)
#   bench             cnn4j bench on $CNN4J_GPU_BENCH_BACKENDS (default cuda), checked against the reference,
#                     with the GPU's copy bandwidth and cuBLAS SGEMM as ceilings; CNN4J_GPU_BENCH=quick|full
#   torch             PyTorch on the same GPU and the same plan, merged beside cnn4j's rows (needs bench)
#   train-seed002     cnn4j train of the seed 002 CNN on cuda (CNN4J_GPU_EPOCHS_SEED002, default 5)
#   opencl            the OpenCL backend's conformance tests (-Dcnn4j.require=opencl) on NVIDIA's OpenCL driver,
#                     through the ICD loader the archive carries when the machine has none
#   bench-opencl      cnn4j bench on opencl
#
# CNN4J_GPU_BACKEND (default cuda) is the backend of the train and bench stages: opencl or cpu for a dry run of
# this script on a machine without a GPU (scripts/gpu/dry-run.sh). CNN4J_GPU_TRAIN_ARGS and CNN4J_GPU_BENCH_ARGS
# are appended to every train and bench command (e.g. "--limit 2048" or "--filter lenet5").
#
# Time: CNN4J_GPU_DEADLINE seconds (default 400, so that a rerun fits a session's 15 minutes of device time)
# from the start; each stage runs under `timeout` with the smaller of its own cap and what is left, and a stage
# with under 20 s left is skipped and says so.
#
# A JVM that crashes writes its hs_err log to $OUT (-XX:ErrorFile): the first one stays there, every one goes
# into the archive's crash/ folder. Compiled kernels are shared by the stages' JVMs (-Dcnn4j.cuda.ptxCache).
#
# Results: the device tool returns at most 8 files from $OUT, two folders deep, so everything is written to a
# work folder and packed into $OUT/gpu-results.tar.xz after every stage; $OUT/summary.txt and $OUT/machine.txt
# are copied beside it. A command killed at its limit still leaves the last stage's archive.
#
# Usage: scripts/gpu/run.sh [archive.tar.xz | unpacked-folder]    (default: .gpu/cnn4j-gpu.tar.xz)
set -uo pipefail

start=$SECONDS
backend=${CNN4J_GPU_BACKEND:-cuda}
deadline=${CNN4J_GPU_DEADLINE:-400}
read -r -a stages <<< "${CNN4J_GPU_STAGES:-smoke cuda cuda-own cuda-reliability train-lenet5 train-lenet5-fast nccl bench torch train-seed002 opencl bench-opencl}"

here=$(cd "$(dirname "$0")" && pwd)
src=${1:-}
if [[ -z "$src" ]]; then
  if [[ -x "$here/jre/bin/java" ]]; then src="$here"; else src="$here/../../.gpu/cnn4j-gpu.tar.xz"; fi
fi
OUT=${OUT:-$PWD/gpu-results}
mkdir -p "$OUT"
scratch=$(mktemp -d)
res="$scratch/gpu-results"
mkdir -p "$res"

# Packs the results into $OUT (written beside, then moved, so a kill mid-pack keeps the previous archive). JVM
# crash logs: all into the archive's crash/, only the first kept in $OUT (the device tool returns 8 files).
snapshot() {
  local crashes=("$OUT"/hs_err_pid*.log)
  if [[ -e "${crashes[0]}" ]]; then
    mkdir -p "$res/crash"
    cp -n "${crashes[@]}" "$res/crash/" 2>/dev/null
    local keep
    keep=$(ls -tr "${crashes[@]}" | sed -n 1p)
    for f in "${crashes[@]}"; do [[ "$f" == "$keep" ]] || rm -f "$f"; done
  fi
  cp "$res/summary.txt" "$res/machine.txt" "$OUT/" 2>/dev/null
  tar -C "$scratch" -cf - gpu-results 2>/dev/null | xz -T0 -3 > "$scratch/pack.tar.xz" \
    && mv -f "$scratch/pack.tar.xz" "$OUT/gpu-results.tar.xz"
}
note() { echo "$*" >> "$res/summary.txt"; echo "run: $*" >&2; }
: > "$res/summary.txt"

if [[ -d "$src" ]]; then
  work=$(cd "$src" && pwd)
else
  work="$scratch/archive"
  mkdir -p "$work"
  xz -dc "$src" | tar -C "$work" -xf - || { note "cannot unpack $src"; snapshot; exit 2; }
fi
java="$work/jre/bin/java"
# The JDK's signal-chaining library: a driver that installs signal handlers (LLVM inside an OpenCL driver or
# NVRTC) chains behind the JVM's instead of replacing them. Preloaded into the java processes only.
jsig="$work/jre/lib/libjsig.so"
java_env=(); [[ -f "$jsig" ]] && java_env=(env "LD_PRELOAD=$jsig${LD_PRELOAD:+:$LD_PRELOAD}")

# NVIDIA's libraries from Python wheels (nvidia is a namespace package: every folder on its __path__; CUDA 13's
# wheels put theirs in nvidia/cu13/lib), then the usual system folders.
libdirs=""
if command -v python3 >/dev/null 2>&1; then
  libdirs=$(python3 - <<'PY' 2>/dev/null
import glob, os
try:
    import nvidia
    paths = list(nvidia.__path__)
except Exception:
    paths = []
print(":".join(d for p in paths for d in sorted(glob.glob(os.path.join(p, "*", "lib")))))
PY
)
fi
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [[ -d "$d" ]] && libdirs="${libdirs:+$libdirs:}$d"
done
# The loader path too, so that libraries resolving their companions by soname (cuDNN's sub-libraries) find them.
export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# OpenCL: NVIDIA's driver ships libnvidia-opencl.so.1 (an ICD) but a container often has no ICD loader
# (libOpenCL.so.1) and no /etc/OpenCL/vendors entry. Then the archive's loader (ocl-icd) is used with a vendors
# folder naming NVIDIA's library; machine.txt says which.
opencl_flags=()
# no reader exits early (sed reads to the end): an early exit would end the writer with SIGPIPE, which pipefail
# turns into a failure
nv_icd=$( { ldconfig -p 2>/dev/null | awk '/libnvidia-opencl\.so\.1/ && !found {print $NF; found = 1}'; \
  find /usr/local/nvidia /usr/lib/x86_64-linux-gnu /usr/lib64 -name 'libnvidia-opencl.so.1' 2>/dev/null; } | sed -n 1p)
opencl_note="NVIDIA OpenCL driver (libnvidia-opencl.so.1): ${nv_icd:-not found}"
if [[ -n "$nv_icd" ]]; then
  if ! ldconfig -p 2>/dev/null | grep 'libOpenCL\.so\.1' > /dev/null && [[ -f "$work/opencl/libOpenCL.so.1" ]]; then
    opencl_flags=("-Dorg.lwjgl.opencl.libname=$work/opencl/libOpenCL.so.1")
    opencl_note="$opencl_note; no system ICD loader, using the archive's ocl-icd"
  fi
  if [[ ! -d /etc/OpenCL/vendors ]] || ! grep -qs nvidia /etc/OpenCL/vendors/*.icd; then
    mkdir -p "$scratch/vendors"
    echo "$nv_icd" > "$scratch/vendors/nvidia.icd"
    export OCL_ICD_VENDORS="$scratch/vendors"
    opencl_note="$opencl_note; vendors: OCL_ICD_VENDORS=$OCL_ICD_VENDORS"
  fi
fi

# The programs run on the jars alone; the test classes (which register fake backends for the unit tests) only
# join the classpath of the test suites.
main_cp="$(find "$work/lib" -name '*.jar' | sort | paste -sd:)"
cp="$main_cp"
for tc in "$work"/test-classes/*; do cp="$cp:$tc"; done
jvm=(--enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xss4m
     "-XX:ErrorFile=$OUT/hs_err_pid%p.log" "-Dcnn4j.cuda.ptxCache=$scratch/ptx-cache"
     "-Dcnn4j.cuda.libraryPath=$libdirs" "-Dcnn4j.conformance.reportDir=$res" "${opencl_flags[@]}")

# What the machine has, and what each backend's probe finds there (device, driver, library versions).
{
  echo "== date"; date -u
  echo "== nvidia-smi"; nvidia-smi 2>&1 || echo "nvidia-smi not available"
  echo "== libraries"; echo "$libdirs" | tr ':' '\n'
  for d in ${libdirs//:/ }; do
    for f in "$d"/lib{cuda,cublas,cublasLt,cudnn,nvrtc}.so.[0-9]*; do [[ -e "$f" ]] && echo "$f -> $(readlink -f "$f")"; done
  done
  ldconfig -p 2>/dev/null | grep -E 'libcuda\.|libcublas|libcudnn|libnvrtc|libOpenCL|libnvidia-opencl' || true
  echo "== opencl"; echo "$opencl_note"
  echo "== python"; command -v python3 && python3 - <<'PY' 2>&1
import torch
print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(),
      "device", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")
PY
  python3 -m pip list 2>/dev/null | grep -iE '^(nvidia|torch |cuda)' || true
  echo "== java"; "$java" -version 2>&1
  echo "== jvm flags"; echo "${jvm[*]}"
  echo "== commit"; cat "$work/commit.txt" 2>/dev/null
  echo "== cnn4j info"; timeout 60 "${java_env[@]}" "$java" "${jvm[@]}" -cp "$main_cp" org.cnn4j.cli.Main info 2>&1
} > "$res/machine.txt" 2>&1
snapshot

wanted() { [[ " ${stages[*]} " == *" $1 "* ]]; }
# stage NAME CAP COMMAND...: runs COMMAND with every program in it under timeout (through tmo) until the smaller
# of CAP and the time left has passed, and notes how it ended.
stage() {
  local name=$1 cap=$2; shift 2
  wanted "$name" || return 0
  local left=$(( deadline - (SECONDS - start) - 15 ))
  if (( left < 20 )); then note "$name: skipped, ${left}s left before the ${deadline}s deadline"; return 0; fi
  local limit=$(( cap < left ? cap : left )) t0=$SECONDS
  until_t=$(( SECONDS + limit ))
  echo "run: $name (at most ${limit}s)" >&2
  "$@"
  local rc=$?
  local what="exit $rc"; (( rc == 124 || rc == 137 )) && what="timed out after ${limit}s"
  note "$name: $what in $(( SECONDS - t0 ))s$(detail "$name")"
  snapshot
}
tmo() {
  local l=$(( until_t - SECONDS ))
  (( l >= 1 )) || return 124
  timeout -k 10 "$l" "$@"
}
detail() {
  local log="$res/$1.log"
  [[ -f "$log" ]] || return 0
  case "$1" in
    smoke) echo -n "; "; grep -E '^smoke: ([0-9]+ families|cannot run|FAILED)' "$log" | cut -c1-300 | paste -sd' ' - ;;
    cuda|cuda-own|cuda-reliability|opencl)
      echo -n "; "; sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E 'tests (found|successful|skipped|failed|aborted)|containers failed' \
        | tr -s ' []' ' ' | paste -sd, - ;;
    train-*) echo -n "; "; grep -E '^test:|^epoch [0-9]+:' "$log" | tail -2 | paste -sd' ' - ;;
    bench*) echo -n "; $(grep -c 'check passed' "$log") checks passed, $(grep -c 'check failed\|ERROR' "$log") failed or errors" ;;
    nccl) echo -n "; "; grep -E '^all-reduce|^\| 64 MiB|Exception|needs|works on' "$log" | head -3 | cut -c1-200 | paste -sd' ' - ;;
  esac
}

junit() {
  local name=$1; shift
  tmo "${java_env[@]}" "$java" "${jvm[@]}" "$@" -jar "$work/junit-platform-console-standalone.jar" execute \
    --class-path "$cp" --reports-dir "$res/$name" --details=tree --disable-banner \
    --config "jqwik.database=$res/jqwik-database-$name" "${selectors[@]}" > "$res/$name.log" 2>&1
}
extra_jvm=()
cnn4j() { tmo "${java_env[@]}" "$java" "${jvm[@]}" "${extra_jvm[@]}" -cp "$main_cp" org.cnn4j.cli.Main "$@"; }
read -r -a train_args <<< "${CNN4J_GPU_TRAIN_ARGS:-}"
read -r -a bench_args <<< "${CNN4J_GPU_BENCH_ARGS:-}"
bench() {
  local name=$1; shift
  cnn4j bench "$@" "${quick[@]}" "${bench_args[@]}" --out "$res/$name" > "$res/$name.log" 2>&1
}
train() {
  local name=$1; shift
  if [[ ! -d "$work/data/fashion-mnist" ]]; then echo "the archive carries no Fashion-MNIST" > "$res/train-$name.log"; return 3; fi
  cnn4j train --backend "$backend" --dataset fashion-mnist --data-dir "$work/data/fashion-mnist" --no-download \
    --no-progress --out-dir "$res/train-$name" "$@" "${train_args[@]}" > "$res/train-$name.log" 2>&1
}
# A training step without a host wait: the loss read back at the epoch's end only, uploads without waiting
# (-Dcnn4j.cuda.fastStep; the other backends ignore it), the optimizer in one launch per 16 tensors.
train_fast() {
  extra_jvm=(-Dcnn4j.train.readEvery=0 -Dcnn4j.cuda.fastStep=true)
  train "$@"
  local rc=$?
  extra_jvm=()
  return $rc
}
# NCCL on one GPU, one process (no MPI needed): all-reduce of cuda tensors from 4 KiB to 64 MiB.
nccl() {
  tmo "${java_env[@]}" "$java" "${jvm[@]}" -Dcnn4j.distributed=nccl -cp "$main_cp" \
    org.cnn4j.distributed.AllReduceBenchmark "$backend" 64 > "$res/nccl.log" 2>&1
}
quick=(); [[ "${CNN4J_GPU_BENCH:-quick}" == quick ]] && quick=(--quick)
torch_bench() {
  python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null \
    || { echo "no python3 with CUDA-enabled PyTorch" > "$res/torch.log"; return 3; }
  [[ -f "$res/bench/results.json" ]] || { echo "no cnn4j bench results to merge with" > "$res/torch.log"; return 3; }
  cnn4j bench --plan "$res/plan.json" > "$res/torch.log" 2>&1 \
    && tmo python3 "$work/pytorch/bench_torch.py" --device cuda "${quick[@]}" --plan "$res/plan.json" \
      --out "$res/torch/torch.json" >> "$res/torch.log" 2>&1 \
    && cnn4j bench --from "$res/bench/results.json" --torch "$res/torch/torch.json" --out "$res/bench-vs-torch" \
      >> "$res/torch.log" 2>&1
}

smoke() {
  tmo env CUDA_LAUNCH_BLOCKING=1 "${java_env[@]}" "$java" "${jvm[@]}" -cp "$main_cp" org.cnn4j.conformance.Smoke \
    "${CNN4J_GPU_SMOKE_BACKEND:-$backend}" > "$res/smoke.log" 2>&1
}

stage smoke "${CNN4J_GPU_SMOKE_CAP:-30}" smoke
cuda_test=org.cnn4j.backend.cuda.CudaConformanceTest
selectors=(--select-method "$cuda_test#cudaBackendIsPresent" --select-method "$cuda_test#withCudnn")
stage cuda 110 junit cuda -Dcnn4j.require=cuda,cudnn
selectors=(--select-method "$cuda_test#ownKernels" --select-method "$cuda_test#plantedFaultsAreCaught")
stage cuda-own 100 junit cuda-own -Dcnn4j.require=cuda
selectors=(--select-class org.cnn4j.backend.cuda.CudaReliabilityTest --select-class org.cnn4j.backend.cuda.CudaOpPropertiesTest)
stage cuda-reliability 90 junit cuda-reliability -Dcnn4j.require=cuda,cudnn
stage train-lenet5 60 train lenet5 --model lenet5 --epochs "${CNN4J_GPU_EPOCHS_LENET5:-5}"
stage train-lenet5-fast 60 train_fast lenet5-fast --model lenet5 --epochs "${CNN4J_GPU_EPOCHS_LENET5:-5}"
stage nccl 30 nccl
stage bench 90 bench bench --backend "${CNN4J_GPU_BENCH_BACKENDS:-$backend}"
stage torch 60 torch_bench
stage train-seed002 90 train seed002-cnn --model seed002-cnn --epochs "${CNN4J_GPU_EPOCHS_SEED002:-5}" --batch 32 --lr 0.001
selectors=(--select-package org.cnn4j.backend.opencl --include-classname '.*Conformance.*')
stage opencl 60 junit opencl -Dcnn4j.require=opencl
stage bench-opencl 40 bench bench-opencl --backend opencl

note "total: $(( SECONDS - start ))s"
snapshot
cat "$res/summary.txt"
rm -rf "$scratch"
