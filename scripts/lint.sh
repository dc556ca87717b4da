#!/usr/bin/env bash
# The static checks `make test` runs before pytest: ruff (pyflakes, pycodestyle, bugbear) and
# pylint's duplicate-code scan (settings in pyproject.toml), each timed like the test suites.
set -uo pipefail
cd "$(dirname "$0")/.."
PATHS=(gis_service tests)
failed=0
times=()

timed() {
  local name=$1 start status=0
  shift
  start=$(date +%s%N)
  "$@" || status=$?
  times+=("$(printf '%-20s %8.1f s' "$name" "$(( ($(date +%s%N) - start) / 1000000 ))e-3")")
  [ "$status" -eq 0 ] || failed=1
}

timed ruff .venv/bin/ruff check --quiet "${PATHS[@]}"
timed duplicate-code .venv/bin/pylint --disable=all --enable=duplicate-code --score=n "${PATHS[@]}"
echo "============================ static check timings ============================"
printf '%s\n' "${times[@]}"
exit "$failed"
