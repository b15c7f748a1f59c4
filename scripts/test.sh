#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite: unit, AppTest and headless-Chromium tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
# pytest exits 5 when it collected no tests: that is a failure here, never a pass.
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit "$rc"
