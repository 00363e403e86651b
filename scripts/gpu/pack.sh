#!/usr/bin/env bash
# Packs everything the GPU conformance runs need into .gpu/cnn4j-gpu.tar.xz (git-ignored, under 64 MiB), for a
# GPU machine with no Java, no Maven and no network:
#   jre/               a jlink'ed Java 25 runtime with only the modules the jars need (checked with jdeps)
#   lib/               every runtime and test dependency jar, and the project's module jars
#   test-classes/<m>/  each module's compiled tests
#   junit-platform-console-standalone.jar   (version from the parent pom's junit.version)
#   data/fashion-mnist/ the Fashion-MNIST IDX files, uncompressed (xz packs them smaller than their gzip), for
#                      the training runs; from $CNN4J_FASHION_DIR or Debian's dataset-fashion-mnist
#   opencl/libOpenCL.so.1  the OpenCL ICD loader (Debian's ocl-icd), for a GPU machine whose driver has NVIDIA's
#                      OpenCL library but no loader
#   run.sh             scripts/gpu/run.sh, which unpacks nothing itself when run from inside the archive
#
# The device tool sends, besides the carried archive, the working tree (tracked files and untracked files that git
# does not ignore) and the shared design folder (../shared, and ./shared where there is one), 64 MiB at most in
# all: the script counts each, prints the budget (also to .gpu/upload-budget.txt), fails when it is over, and
# removes its staging folder so that carrying .gpu carries only the archive and that note.
#
# Usage: scripts/gpu/pack.sh [--offline] [--keep-stage]   (jlinks with the JDK 25 the build found; --keep-stage leaves
#        the unpacked .gpu/stage for an image to copy, and skips the archive's size check)
# Then:  scripts/gpu/run.sh .gpu/cnn4j-gpu.tar.xz   on the GPU machine, with $OUT set.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mvn_flags=(-q -B)
keep_stage=false
for arg in "$@"; do
  case "$arg" in
    --offline) mvn_flags+=(-o) ;;
    --keep-stage) keep_stage=true ;;
    *) echo "pack: unknown argument $arg (--offline, --keep-stage)" >&2; exit 2 ;;
  esac
done

out="$root/.gpu"
stage="$out/stage"
rm -rf "$stage"
mkdir -p "$stage/lib" "$stage/test-classes"

echo "pack: building (tests skipped here; they run on the GPU machine)" >&2
./mvnw "${mvn_flags[@]}" -DskipTests package
# a second run up to the compile phase only: these -D properties would otherwise also reach the cli's own
# copy-dependencies execution (package phase) and leave cli/target/lib (the ./cnn4j launcher's class path) without
# cnn4j's jars; the compile phase (up to date, nothing recompiled) lets the reactor resolve the project's own modules,
# where a bare dependency:copy-dependencies would look for them in ~/.m2 (absent, or an older install)
./mvnw "${mvn_flags[@]}" -DskipTests compile dependency:copy-dependencies \
  -DincludeScope=test -DexcludeGroupIds=org.cnn4j -DoutputDirectory="$stage/lib" -Dmdep.overWriteIfNewer=true

# Left out (room under 64 MiB): JMH and its statistics (bench-jmh's; the GPU runs use cnn4j bench, not JMH), and
# XChart's PDF/SVG back ends (PNG charts need only the JDK's ImageIO).
for dropped in jmh-core jmh-generator-annprocess jopt-simple commons-math3 pdfbox pdfbox-io fontbox graphics2d VectorGraphics2D commons-logging; do
  rm -f "$stage/lib/$dropped"-[0-9]*.jar
done

# The JDK 25 the build compiled with (the toolchain the parent pom selects; written by every module's build).
JAVA_HOME=$(sed -n 's/^home=//p' core-api/target/jdk-home.properties)
export JAVA_HOME

# The project's own module jars, and each module's test classes.
for jar in */target/cnn4j-*.jar; do
  case "$jar" in
    *-sources.jar|*-javadoc.jar|*-tests.jar|bench-jmh/*) ;; # bench-jmh: the JMH benchmarks, whose JMH is left out
    *) cp "$jar" "$stage/lib/" ;;
  esac
done
for tc in */target/test-classes; do
  module=${tc%%/*}
  [[ "$module" == bench-jmh ]] && continue
  if [[ -n "$(ls -A "$tc" 2>/dev/null)" ]]; then
    mkdir -p "$stage/test-classes/$module"
    cp -r "$tc/." "$stage/test-classes/$module/"
  fi
done

# The JUnit console launcher matching the JUnit in use (Jupiter 5.X.Y goes with Platform 1.X.Y).
jupiter=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | sed -n 1p)
platform="1.${jupiter#5.}"
console="$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/$platform/junit-platform-console-standalone-$platform.jar"
if [[ ! -f "$console" ]]; then
  ./mvnw "${mvn_flags[@]}" dependency:get -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform"
fi
cp "$console" "$stage/junit-platform-console-standalone.jar"

# A runtime with the modules jdeps finds, plus the ones loaded reflectively or by flag (scripts/jlink-runtime.sh).
# Left uncompressed by jlink: xz packs the plain image far smaller (about 22 MB against 36 MB).
JLINK_COMPRESS=zip-0 bash scripts/jlink-runtime.sh "$stage/jre" "$stage/lib" "$stage"/lib/cnn4j-*.jar \
  "$stage/junit-platform-console-standalone.jar"
mv "$stage/jre/modules.txt" "$stage/jre-modules.txt"
cp scripts/gpu/run.sh "$stage/run.sh"
# awk reads to the end (no early exit): an early exit would kill ldconfig with SIGPIPE, which pipefail turns into
# this script's failure (exit 141)
loader=$(ldconfig -p 2>/dev/null | awk '/libOpenCL\.so\.1 .*x86-64/ && !found {print $NF; found = 1}')
if [[ -n "$loader" ]]; then
  mkdir -p "$stage/opencl"
  cp -L "$loader" "$stage/opencl/libOpenCL.so.1"
else
  echo "pack: no libOpenCL.so.1 here (apt-get install ocl-icd-libopencl1): the archive carries no OpenCL loader" >&2
fi
cp -r bench/pytorch "$stage/pytorch"
rm -rf "$stage/pytorch/__pycache__"

fashion=${CNN4J_FASHION_DIR:-/usr/share/datasets/fashion-mnist}
if [[ -f "$fashion/train-images-idx3-ubyte.gz" || -f "$fashion/train-images-idx3-ubyte" ]]; then
  mkdir -p "$stage/data/fashion-mnist"
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    if [[ -f "$fashion/$f.gz" ]]; then gunzip -c "$fashion/$f.gz" > "$stage/data/fashion-mnist/$f"; else cp "$fashion/$f" "$stage/data/fashion-mnist/$f"; fi
  done
else
  echo "pack: no Fashion-MNIST in $fashion (apt-get install dataset-fashion-mnist, or set CNN4J_FASHION_DIR):" \
    "the archive will not carry the training runs' data" >&2
fi
git rev-parse HEAD > "$stage/commit.txt" 2>/dev/null || true

archive="$out/cnn4j-gpu.tar.xz"
rm -f "$archive"
tar -C "$stage" -cf - . | xz -6 -T2 > "$archive"
if $keep_stage; then
  echo "pack: $archive, and the unpacked $stage" >&2
  exit 0
fi
rm -rf "$stage"
size=$(stat -c %s "$archive")
sum_sizes() { xargs -0 -r stat -c %s 2>/dev/null | awk '{t += $1} END {print t + 0}'; }
tracked=$(git ls-files -z | sum_sizes)
untracked=$(git ls-files -z --others --exclude-standard | sum_sizes)
shared=0
declare -A seen=()
for d in "$root/../shared" "$root/shared"; do
  [[ -d "$d" ]] || continue
  real=$(cd "$d" && pwd -P)
  [[ -n "${seen[$real]:-}" ]] && continue
  seen[$real]=1
  # ./shared is tracked or untracked already when git sees it; count it only when git ignores it
  if [[ "$d" == "$root/shared" ]] && [[ -n "$(git ls-files -- shared)" ]]; then continue; fi
  shared=$(( shared + $(find "$d" -type f -print0 | sum_sizes) ))
done
total=$(( size + tracked + untracked + shared ))
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
budget="upload: archive $(mib "$size") + tracked $(mib "$tracked") + untracked $(mib "$untracked") + shared $(mib "$shared") = $(mib "$total") of the device tool's 64 MiB"
echo "pack: $budget" >&2
echo "$budget" > "$out/upload-budget.txt"
if (( total >= 64 * 1024 * 1024 )); then
  echo "pack: over 64 MiB: the device tool would refuse the upload" >&2
  exit 1
fi
