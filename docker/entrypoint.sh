#!/bin/sh
# The images' entry point: `cnn4j <command> ...` (bench, info, train, eval, summary), or `conformance` in the cuda
# image (scripts/gpu/run.sh: the GPU stages, with summary.txt, machine.txt and gpu-results.tar.xz in $OUT).
set -e
home=/opt/cnn4j
java="$home/jre/bin/java"
# The JDK's signal-chaining library, so that a native driver's signal handlers chain behind the JVM's.
if [ -f "$home/jre/lib/libjsig.so" ]; then export LD_PRELOAD="$home/jre/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"; fi
if [ "${1:-}" = "conformance" ]; then
  if [ ! -x "$home/run.sh" ]; then
    echo "conformance: this image has no test suite; build the test stage (docker build --target test ...)" >&2
    exit 2
  fi
  shift
  export OUT="${OUT:-/out}"
  exec "$home/run.sh" "$home" "$@"
fi
# shellcheck disable=SC2086
exec "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED ${CNN4J_JAVA_OPTS:-} \
  -cp "$home/lib/*" org.cnn4j.cli.Main "$@"
