#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, then runs pytest.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k choice`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# Debian packages the tests run for real: redis-server (integration and end-to-end tests) and
# chromium (the confirmation page in tests/e2e/test_approval_flow.py, driven by the playwright
# Python package at /usr/bin/chromium; we never run `playwright install`).
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq -o DPkg::Lock::Timeout=600
    # Wait for another apt/dpkg run to finish instead of failing on its lock.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
      "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]}: install these Debian packages (as root: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
exec .venv/bin/python -m pytest "$@"
