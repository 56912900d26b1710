#!/usr/bin/env bash
# OPTIONAL: compile sekisho.match.compare with mypyc (about 2x faster compare(), same results).
#
#   scripts/build_native.sh            build src/sekisho/match/compare.*.so next to compare.py
#   scripts/build_native.sh --clean    remove it again (back to pure Python)
#
# Needs gcc and the headers of the Python that runs Sekisho (PYTHON, default .venv/bin/python).
# mypy is installed into a throwaway venv, never into Sekisho's own environment. The compiled
# module is used only while compare.py is byte-for-byte the file it was built from (the stamp
# file holds its SHA-256; sekisho/match/__init__.py checks it): edit compare.py and Sekisho
# falls back to the Python source, with a warning, until this script is run again.
# SEKISHO_PURE_PYTHON=1 forces the Python source.
set -euo pipefail
cd "$(dirname "$0")/.."
MATCH=src/sekisho/match
MYPY_VERSION="${MYPY_VERSION:-2.4.1}"
clean() { rm -f "$MATCH"/compare.*.so "$MATCH"/compare__mypyc.*.so "$MATCH"/compare.native-stamp; }
if [ "${1:-}" = "--clean" ]; then
  clean
  echo "removed the compiled compare module: pure Python from now on"
  exit 0
fi
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || { echo "no Python at $PYTHON (set PYTHON=/path/to/python)" >&2; exit 1; }
PYTHON="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"
clean  # a failed build below leaves pure Python, never an old extension
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PYTHON" -m venv "$work/venv"  # the same interpreter: the extension matches its ABI
"$work/venv/bin/pip" install -q "mypy==$MYPY_VERSION"
mkdir -p "$work/src"
cp -r src/sekisho "$work/src/"
find "$work/src" -name '*.so' -delete
(cd "$work/src" && "$work/venv/bin/mypyc" --ignore-missing-imports sekisho/match/compare.py >"$work/build.log" 2>&1) \
  || { tail -30 "$work/build.log" >&2; echo "mypyc build failed: Sekisho stays pure Python" >&2; exit 1; }
cp "$work"/src/sekisho/match/compare*.so "$MATCH/"
# the stamp: which compare.py the extension was compiled from (the copy: an edit made during
# the build leaves a stamp that does not match, so the source is used)
"$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
  "$work/src/sekisho/match/compare.py" >"$MATCH/compare.native-stamp"
PYTHONPATH=src "$PYTHON" -c 'import sekisho.match, sys; m = sys.modules["sekisho.match.compare"]; assert m.__file__.endswith(".so"), m.__file__; print("compiled:", m.__file__)'
