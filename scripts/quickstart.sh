#!/usr/bin/env bash
# Quick start: install Sekisho into .venv and run the main job offline on the embedded default
# (SQLite + the file store in a demo SEKISHO_HOME): load the restricted-party lists, show their
# status, screen names, decide three export transactions, and check a bill of materials
# against procurement bans.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .
sekisho() { .venv/bin/sekisho "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

export SEKISHO_HOME="${SEKISHO_HOME:-$PWD/.sekisho-demo}"
rm -rf "$SEKISHO_HOME" && mkdir -p "$SEKISHO_HOME"

LISTS=../shared/data/lists
if [ -d "$LISTS" ]; then
  step "Loading the official list files found in $LISTS"
else
  LISTS=src/sekisho/data/samples/lists
  step "No official list files at hand: loading the project's own small SAMPLE list ($LISTS)."
  echo "   (demo data only; load the real lists with 'sekisho lists update' or 'sekisho lists load DIR')"
fi
sekisho lists load "$LISTS"
sekisho lists status

step "Fail closed: these list copies are months or years old, so a screen says 'review'"
sekisho screen "Huawei Technologies Co Ltd" --country CN || true

step "DEMO ONLY: raising every list's maximum age (config.toml [max_age_days]) so the rules show"
.venv/bin/python - <<'PY'
import os
from pathlib import Path
from sekisho.lists import catalog
lines = ["# Demo only: the list copies are old test data. Never do this in production.",
         "[max_age_days]"] + [f"{s.id} = 100000" for s in catalog.SOURCES]
Path(os.environ["SEKISHO_HOME"], "config.toml").write_text("\n".join(lines) + "\n")
PY

step "Screening names (cross-script, with explanations)"
sekisho screen "Huawei Technologies Co Ltd" --country CN || true
sekisho screen "华为技术有限公司" || true
sekisho screen "Rheinland Maschinenbau GmbH" --country DE || true

step "Deciding export transactions before approval (exit 0 clear, 10 review, 11 licence, 12 block)"
for tx in examples/transactions/*.json; do
  echo "-- $tx"
  sekisho check "$tx" || echo "(exit $?)"
done
sekisho decisions list || true

step "Procurement: a server whose network card carries a HiSilicon chip, for a Japanese ministry"
sekisho procure check examples/boms/server-hisilicon.cdx.json --buyer jp-central-government || echo "(exit $?)"

step "Done. State is in $SEKISHO_HOME; try 'sekisho serve' for the API and review UI."
