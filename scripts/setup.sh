#!/usr/bin/env bash
# Installs statebox into ./.venv (and, with --test, what the test suite needs). Idempotent.
# PYTHON chooses the interpreter that creates the venv (default python3; 3.11 or later):
#   PYTHON=python3.13 bash scripts/setup.sh --test
# A .venv made by another Python is remade, so switching PYTHON switches the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup: PYTHON=$PYTHON is not an interpreter on PATH" >&2
  exit 1
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "setup: statebox needs Python 3.11 or later; $PYTHON is $("$PYTHON" -V 2>&1)" >&2
  exit 1
}
wanted=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ -x .venv/bin/python ]; then
  have=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo none)
  if [ "$have" != "$wanted" ]; then
    echo "setup: .venv is Python $have; remaking it with $PYTHON ($wanted)" >&2
    rm -rf .venv
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ "${1:-}" = "--test" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
else
  .venv/bin/pip install --quiet --disable-pip-version-check -e .
fi
