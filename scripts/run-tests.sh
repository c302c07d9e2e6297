#!/usr/bin/env bash
# Runs the whole suite once against whatever DATABASE_URL says (SQLite when unset).
# pytest exits 5 when it collected no tests: for this project that means the suite is broken.
set -uo pipefail
cd "$(dirname "$0")/.."
export DANGJIAN_TESTING=1
workers=${PYTEST_WORKERS:-2}
.venv/bin/pytest -n "$workers" --dist loadfile -q "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "pytest 没有收集到任何测试 (exit 5): the suite is missing, treating as failure" >&2
  exit 1
fi
exit $rc
