#!/usr/bin/env bash
# Installs statebox into ./.venv (and, with --test, what the test suite needs). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ "${1:-}" = "--test" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
else
  .venv/bin/pip install --quiet --disable-pip-version-check -e .
fi
