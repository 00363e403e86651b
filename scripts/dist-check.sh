#!/usr/bin/env bash
# Checks the self-contained archive: builds it (./mvnw -Pdist package -DskipTests), unpacks it into a temporary
# folder and runs bin/cnn4j info and a short training with no Java anywhere on the PATH and JAVA_HOME unset, so
# that only the archive's own runtime can run it.
#
# Usage: scripts/dist-check.sh [--offline] [ARCHIVE]   (with ARCHIVE: checks it without building; exit 0: passed)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mvn_flags=(-B -q)
archive=""
for arg in "$@"; do
  case "$arg" in
    --offline) mvn_flags+=(-o) ;;
    *) archive=$arg ;;
  esac
done
if [[ -z "$archive" ]]; then
  echo "dist: building the archive (./mvnw -Pdist package -DskipTests)" >&2
  ./mvnw "${mvn_flags[@]}" -Pdist package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
  archive=$(ls distribution/target/cnn4j-*-linux-x64.tar.gz)
fi
echo "dist: $archive, $(( $(stat -c %s "$archive") / 1024 / 1024 )) MiB" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$archive" -C "$work"
home=$(ls -d "$work"/cnn4j-*-linux-x64)

# A PATH with every program of this one except those of a JDK or JRE (java, javac, jlink, ...).
nojava="$work/path"
mkdir "$nojava"
IFS=: read -ra dirs <<< "$PATH"
for d in "${dirs[@]}"; do
  for f in "$d"/*; do
    [[ -x "$f" && ! -d "$f" ]] || continue
    n=$(basename "$f")
    real=$(readlink -f "$f")
    [[ -e "$nojava/$n" || "$real" == /usr/lib/jvm/* || -f "$(dirname "$real")/../lib/libjvm.so" ||
       -f "$(dirname "$real")/../lib/server/libjvm.so" || "$n" == java ]] && continue
    ln -s "$f" "$nojava/$n"
  done
done
run() { env -u JAVA_HOME -u JDK_HOME PATH="$nojava" "$@"; }

failures=0
check() { if eval "$2"; then echo "dist: ok: $1"; else echo "dist: FAILED: $1" >&2; failures=$((failures + 1)); fi; }
check "no java on the stripped PATH" "! run sh -c 'command -v java' >/dev/null"

run "$home/bin/cnn4j" info > "$work/info.out" 2> "$work/info.err" || true
check "bin/cnn4j info lists the cpu backend, on the archive's Java" \
  "grep -q '^  cpu: available' '$work/info.out' && grep -q '^java 25' '$work/info.out'"
check "bin/cnn4j info warns about nothing but the incubator module" \
  "[[ -z \"\$(grep -v '^WARNING: Using incubator modules: jdk.incubator.vector$' '$work/info.err')\" ]]"

start=$SECONDS
run "$home/bin/cnn4j" train --model lenet5 --dataset fashion-mnist --limit 256 --epochs 1 --test-limit 100 \
  --out-dir "$work/run" > "$work/train.out" 2> "$work/train.err" || true
check "bin/cnn4j train trains and tests ($((SECONDS - start)) s): $(grep '^test:' "$work/train.out" || echo no test line)" \
  "grep -q '^epoch 1: train loss' '$work/train.out' && grep -q '^test: loss' '$work/train.out'"
check "the run wrote epochs.jsonl, curves.png and confusion.png" \
  "[[ -s '$work/run/epochs.jsonl' && -s '$work/run/curves.png' && -s '$work/run/confusion.png' ]]"
if (( failures > 0 )); then
  for f in info.out info.err train.out train.err; do echo "== $f" >&2; cat "$work/$f" >&2; done
  exit 1
fi
