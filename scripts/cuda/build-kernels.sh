#!/usr/bin/env bash
# Regenerates the prebuilt CUDA kernels the cuda backend ships for machines without NVRTC:
#   backend-cuda/src/main/resources/org/cnn4j/backend/cuda/prebuilt/<stem>.fatbin   (sm_90 cubin + compute_90 PTX)
#   backend-cuda/src/main/resources/org/cnn4j/backend/cuda/prebuilt/kernels.sha256  (what each was built from)
# from the portable kernels (kernels/.../portable/*.k behind prelude_cuda.h, includes inlined: the exact string
# NVRTC compiles, written by PrebuiltKernels itself) with the installed nvcc and PrebuiltKernels' options.
# PrebuiltKernelsTest fails when a kernel source changes and this was not rerun.
#
# Usage: scripts/cuda/build-kernels.sh [--offline]     (nvcc from $NVCC, $CUDA_HOME/bin, PATH or /usr/local/cuda)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mvn_flags=(-q -B)
for arg in "$@"; do
  case "$arg" in
    --offline) mvn_flags+=(-o) ;;
    *) echo "build-kernels: unknown argument $arg (--offline)" >&2; exit 2 ;;
  esac
done
nvcc=${NVCC:-}
[[ -z "$nvcc" && -n "${CUDA_HOME:-}" && -x "$CUDA_HOME/bin/nvcc" ]] && nvcc="$CUDA_HOME/bin/nvcc"
[[ -z "$nvcc" ]] && nvcc=$(command -v nvcc || true)
[[ -z "$nvcc" && -x /usr/local/cuda/bin/nvcc ]] && nvcc=/usr/local/cuda/bin/nvcc
[[ -n "$nvcc" ]] || { echo "build-kernels: nvcc not found (set NVCC or CUDA_HOME)" >&2; exit 1; }

./mvnw "${mvn_flags[@]}" -pl backend-cuda -am compile
cp="backend-cuda/target/classes:kernels/target/classes:core-api/target/classes"
main=org.cnn4j.backend.cuda.PrebuiltKernels
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$JAVA_HOME/bin/java" -cp "$cp" "$main" sources "$work"
mapfile -t options < <("$JAVA_HOME/bin/java" -cp "$cp" "$main" options)
for cu in "$work"/*.cu; do
  stem=$(basename "$cu" .cu)
  echo "build-kernels: $stem" >&2
  "$nvcc" "${options[@]}" -o "$work/$stem.fatbin" "$cu"
done
version=$("$nvcc" --version | grep -i 'release' | sed 's/.*release \([0-9.]*\), \(V[0-9.]*\).*/nvcc \1 \2/')
"$JAVA_HOME/bin/java" -cp "$cp" "$main" manifest "$work" "$version"
dest=backend-cuda/src/main/resources/org/cnn4j/backend/cuda/prebuilt
rm -rf "$dest"
mkdir -p "$dest"
cp "$work"/*.fatbin "$work/kernels.sha256" "$dest/"
echo "build-kernels: $(ls "$dest" | wc -l) files in $dest ($(du -sk "$dest" | cut -f1) KiB), $version" >&2
