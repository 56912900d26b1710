#!/usr/bin/env bash
# Install Sekisho with every extra into .venv and run the whole test suite
# (unit, property and integration tests; integration tests read ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[all,dev]'
.venv/bin/ruff check src tests bench
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
