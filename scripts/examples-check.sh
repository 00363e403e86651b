#!/usr/bin/env bash
# Checks the documented way to depend on cnn4j (docs/embedding.md): installs the artifacts into the local Maven
# repository, then builds examples/ (a standalone project importing cnn4j-bom) against them and runs it on each
# backend in $CNN4J_EXAMPLE_BACKENDS (default: cpu opencl), checking that it trains, evaluates and classifies.
#
# Usage: scripts/examples-check.sh [--offline]        (exit 0: every check passed)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mvn_flags=(-B -q)
[[ "${1:-}" == --offline ]] && mvn_flags+=(-o)

echo "examples: installing cnn4j's artifacts (./mvnw install -DskipTests; Javadoc and sources were built by verify)" >&2
./mvnw "${mvn_flags[@]}" install -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true


failures=0
for backend in ${CNN4J_EXAMPLE_BACKENDS:-cpu opencl}; do
  log=$(mktemp)
  start=$SECONDS
  if ./mvnw "${mvn_flags[@]}" -f examples/pom.xml package exec:exec -Dcnn4j.backend="$backend" > "$log" 2>&1 &&
     grep -q "^backend: $backend " "$log" && grep -q '^test accuracy ' "$log" &&
     [[ $(grep -c '^image [0-9]: predicted ' "$log") == 8 ]]; then
    echo "examples: ok: $backend: $(grep '^test accuracy ' "$log") ($((SECONDS - start)) s)"
  else
    echo "examples: FAILED on $backend; its output:" >&2
    cat "$log" >&2
    failures=$((failures + 1))
  fi
  rm -f "$log"
done
exit $((failures > 0))
