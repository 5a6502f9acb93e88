#!/usr/bin/env bash
# The main job on a fresh machine: install statebox and run a sample machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/statebox run state_machines/order_total.json \
  --input '{"customer": "ann", "lines": [{"sku": "tea", "qty": 2, "price": 3.5}, {"sku": "cup", "qty": 1, "price": 10}, {"sku": "pot", "qty": 1, "price": 24}]}'
