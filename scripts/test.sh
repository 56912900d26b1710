#!/usr/bin/env bash
# Install Sekisho with every extra into .venv and run the whole test suite
# (unit, property and integration tests; integration tests read ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[all,dev]'
# The review UI is tested in a real browser: Debian's chromium (Playwright drives it).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }) \
    || echo "warning: could not install chromium; the browser tests will be skipped" >&2
fi
# compare() compiled with mypyc (optional, ~2x faster; tests check it against the source);
# a failed build leaves pure Python, which the same tests cover
bash scripts/build_native.sh >/dev/null 2>&1 \
  || echo "warning: compiled compare() not built; testing pure Python only" >&2
.venv/bin/ruff check src tests bench
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
