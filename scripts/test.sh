#!/usr/bin/env bash
# The whole test suite, as README.md gives it: installs Confide with its test extra into the
# current Python, then runs pytest (SQLite always; PostgreSQL, Chromium and the semantic engine
# when present, and required when CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e ".[test]"
exec python -m pytest "$@"
