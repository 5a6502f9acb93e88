#!/usr/bin/env bash
# The main job on a fresh machine: install statebox, start the dev server with its embedded
# defaults (in-process store, demo_actions/, state_machines/), run the incsquare demo against
# it, and leave the server running for you to try more.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PORT=${PORT:-8080}
.venv/bin/statebox serve --port "$PORT" &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM
.venv/bin/python scripts/demo.py "http://127.0.0.1:$PORT/"
wait $server
