#!/usr/bin/env bash
# Stages and packs the self-contained archive (run by the dist profile's package phase):
#   cnn4j-<version>-linux-x64/
#     bin/cnn4j     the launcher: the runtime below, the JVM flags cnn4j needs, the signal-chaining preload
#     runtime/      a jlink'ed Java 25 with the modules the jars need (scripts/jlink-runtime.sh)
#     lib/          the cnn4j jars and their dependencies
# then cnn4j-<version>-linux-x64.tar.gz beside the folder.
# Usage: build-archive.sh JARS_DIR STAGE_DIR   with JAVA_HOME a JDK 25
set -euo pipefail
jars=$1 stage=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib"
cp "$jars"/*.jar "$stage/lib/"
# The command line's run-time class path has no test framework and no JMH (the parent pom's
# no-test-frameworks-at-run-time rule): checked here again, on the jars themselves.
banned=$(cd "$stage/lib" && ls | grep -E '^(junit|jqwik|jmh|opentest4j|apiguardian|cnn4j-conformance|cnn4j-bench-jmh)-' || true)
if [[ -n "$banned" ]]; then
  echo "dist: test frameworks in the archive's lib: $(echo $banned)" >&2
  exit 1
fi
# Left out (the archive's size): XChart's PDF and SVG back ends (the PNG charts need only the JDK's ImageIO).
for dropped in pdfbox pdfbox-io fontbox graphics2d VectorGraphics2D commons-logging; do
  rm -f "$stage/lib/$dropped"-[0-9]*.jar
done
# Uncompressed by jlink: gzip then packs the image smaller (about 32 MB against 39 MB for the runtime).
JLINK_COMPRESS=zip-0 bash "$root/scripts/jlink-runtime.sh" "$stage/runtime" "$stage/lib" "$stage"/lib/cnn4j-*.jar
install -m 755 "$here/src/bin/cnn4j" "$stage/bin/cnn4j"
archive="$stage.tar.gz"
tar -C "$(dirname "$stage")" -czf "$archive" "$(basename "$stage")"
echo "dist: $archive: $(( $(stat -c %s "$archive") / 1024 / 1024 )) MiB ($(du -sm "$stage" | cut -f1) MiB unpacked)" >&2
