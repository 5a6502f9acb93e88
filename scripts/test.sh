#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, then runs pytest.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k choice`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# The integration tests run a real redis-server (Debian's package).
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis-server is missing: install Debian's redis-server package (as root)" >&2
    exit 1
  fi
fi
exec .venv/bin/python -m pytest "$@"
