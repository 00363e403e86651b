#!/usr/bin/env bash
# Where a training step's time goes on a CPU backend: trains MODEL for one short epoch under Java Flight
# Recorder and prints the share of CPU samples per routine (what the thread was executing) and per operator
# (the backend class that called it). Sample shares do not depend on how busy the machine is, unlike times.
#
#   scripts/profile/train-step.sh [MODEL] [BACKEND] [IMAGES]     (defaults: lenet5 cpu 38400)
#
# Samples of the first $WARMUP_S seconds (default 6: class loading and JIT compilation) are left out.
# Needs the Fashion-MNIST files (apt-get install dataset-fashion-mnist, or --data-dir through $CNN4J_TRAIN_ARGS).
# The recording stays in runs/profile-MODEL.jfr for `jfr print` or JDK Mission Control.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
model=${1:-lenet5}
backend=${2:-cpu}
images=${3:-38400}
warmup=${WARMUP_S:-6}
mkdir -p "$root/runs"
jfr="$root/runs/profile-$model.jfr"
CNN4J_JAVA_OPTS="${CNN4J_JAVA_OPTS:-} -XX:StartFlightRecording=filename=$jfr,settings=profile,jdk.ExecutionSample#period=2ms" \
  "$root/cnn4j" train --model "$model" --backend "$backend" --epochs 1 --limit "$images" --validation 0 \
  --test-limit 64 --no-progress --out-dir "$root/runs/profile-$model" ${CNN4J_TRAIN_ARGS:-} >&2
java_home=$(dirname "$(dirname "$(readlink -f "$(command -v "${CNN4J_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}")")")")
"$java_home/bin/jfr" print --events jdk.ExecutionSample --stack-depth 64 "$jfr" | awk -v model="$model" -v warmup="$warmup" '
  function cls(f,  g) { g = f; sub(/\(.*/, "", g); sub(/^org\.cnn4j\.backend\.[a-z]+\./, "", g); sub(/[.$].*/, "", g); return g }
  function meth(f,  g) { g = f; sub(/\(.*/, "", g); sub(/.*\./, "", g); return g }
  function routine(f) {
    if (f ~ /VectorKernel|ScalarKernel|Sgemm\.tiles/) return "GEMM micro-kernel";
    if (f ~ /Sgemm\.pack/) return "GEMM packing (" meth(f) ")";
    if (f ~ /Conv2dCpu\.(im2col|col2im)/) return "convolution " meth(f);
    if (f ~ /jdk\.internal\.vm\.vector|jdk\.incubator\.vector/) return "Vector API before JIT compilation (warm-up)";
    if (f ~ /^org\.cnn4j\.backend\.[a-z]+\./) return cls(f);
    if (f ~ /^org\.cnn4j\.nn\./) return "nn (layers, trainer, data)";
    if (f ~ /^java\.util\.concurrent/) return "thread pool hand-off";
    return "other JVM (class loading, JIT, GC, I/O)";
  }
  function seconds(t,  a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
  /startTime = / { t = seconds($3); if (first == "") first = t; next }
  /stackTrace = \[/ { inStack = 1; n = 0; op = ""; next }
  inStack && /line:|\)$/ {
    f = $1; n++;
    if (n == 1) top = f;
    if (op == "" && f ~ /org\.cnn4j\.backend\.[a-z]+\.[A-Za-z0-9]+(Cpu|Reference|OpenCl)[.$]/)
      op = cls(f);
    next
  }
  inStack && /^ *\]/ {
    inStack = 0;
    if (t - first < warmup) { skipped++; next }
    total++; r[routine(top)]++; o[op == "" ? "(outside the operators)" : op]++
  }
  END {
    printf "%s: %d CPU samples (%d of the first %s s left out)\n\nby routine\n", model, total, skipped, warmup;
    for (k in r) printf "%7.1f%%  %s\n", 100 * r[k] / total, k | "sort -rn"; close("sort -rn");
    printf "\nby operator (the backend class on the stack)\n";
    for (k in o) printf "%7.1f%%  %s\n", 100 * o[k] / total, k | "sort -rn"; close("sort -rn");
  }'
