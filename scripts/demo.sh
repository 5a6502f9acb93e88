#!/usr/bin/env bash
# The main job on a fresh machine: install statebox, start the dev server with its embedded
# defaults (in-process store, demo_actions/, state_machines/), run the incsquare demo against
# it, and leave the server running for you to try more.
#
# The dev server needs a free TCP port on 127.0.0.1: 8080 unless PORT says otherwise
# (`PORT=8081 bash scripts/demo.sh`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PORT=${PORT:-8080}
busy() {
  echo "demo: port $PORT on 127.0.0.1 is in use; free it, or choose another: PORT=8081 bash scripts/demo.sh" >&2
  exit 1
}
# Checked first, so the demo never talks to whatever else holds the port.
.venv/bin/python -c "import socket, sys; socket.create_server(('127.0.0.1', int(sys.argv[1]))).close()" \
  "$PORT" 2>/dev/null || busy
echo "demo: starting statebox serve on port $PORT (PORT=N bash scripts/demo.sh picks another)" >&2
.venv/bin/statebox serve --port "$PORT" &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM
# `statebox serve` exits at once (status 1) if the port was taken meanwhile.
.venv/bin/python scripts/demo.py "http://127.0.0.1:$PORT/" "$server"
wait $server
