#!/usr/bin/env bash
# Links a Java runtime with the modules that cnn4j's jars need: the ones jdeps finds in the given jars (with the
# jars of lib-dir as their class path), plus those loaded reflectively or by flag (the Vector API, logging, the
# JDK's zip file system, ...). Symbol tables of the native libraries are stripped (the JVM needs none of them).
# Shared by scripts/gpu/pack.sh (the GPU archive) and the dist profile (the self-contained archive).
#
# Usage: scripts/jlink-runtime.sh OUTPUT LIB_DIR JAR...   with JAVA_HOME a JDK 25 (its jdeps and jlink)
#        JLINK_COMPRESS=zip-0 (default; leaves the packing to xz or gzip) or zip-6, ...
# Writes OUTPUT (a new folder) and OUTPUT/modules.txt (the linked modules, comma-separated).
set -euo pipefail
if (( $# < 3 )); then
  echo "usage: $0 OUTPUT LIB_DIR JAR..." >&2
  exit 2
fi
output=$1 lib=$2
shift 2
: "${JAVA_HOME:?JAVA_HOME must name a JDK 25 (its jdeps and jlink)}"
for tool in jdeps jlink; do
  [[ -x "$JAVA_HOME/bin/$tool" ]] || { echo "jlink-runtime: no $tool in JAVA_HOME=$JAVA_HOME (a JDK 25 is needed, not a JRE)" >&2; exit 2; }
done

cp_jars=$(find "$lib" -name '*.jar' | sort | paste -sd:)
found=$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps \
  --class-path "$cp_jars" "$@" 2>/dev/null || true)
base="java.base,jdk.incubator.vector,java.logging,java.xml,java.management,jdk.unsupported,jdk.zipfs,jdk.crypto.ec"
modules=$(echo "$base,$found" | tr ',' '\n' | grep -v '^$' | sort -u | paste -sd,)
echo "jlink-runtime: modules: $modules" >&2
rm -rf "$output"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress="${JLINK_COMPRESS:-zip-0}" --output "$output"
if command -v strip >/dev/null; then find "$output" -name '*.so' -exec strip --strip-unneeded {} +; fi
echo "$modules" > "$output/modules.txt"
