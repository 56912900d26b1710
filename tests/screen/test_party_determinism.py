"""Every decision is reproducible: screening gives the same hits whatever Python's hash seed
(set iteration order once decided ties at the retrieval cut)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, sys
from pathlib import Path
from sekisho.lists.formats import detect
from sekisho.screen.party import Party, Screener
lists = Path(sys.argv[1])
entities = []
for folder in ("un-sc-consolidated", "us-bis-denied-persons", "jp-meti-end-user-list", "us-ofac-sdn"):
    groups, _ = detect([lists / folder])
    for g in groups:
        entities.extend(g.format.parse(g.paths).entities)
screener = Screener.from_entities(entities, ["fixture"])
out = []
for name in ["HASASN", "Al Qaida", "Korea Mining Developmnt", "Abdul Rahman", "Tanchon Bank",
             "Islamic Revolutionary Guard", "Ali Mohammed", "Shenyang Aircraft"]:
    r = screener.screen(Party(name))
    out.append([name, [(h.entity.id, round(h.score, 6)) for h in r.hits]])
print(json.dumps(out))
"""


@pytest.mark.integration
@pytest.mark.slow
def test_hits_do_not_depend_on_hash_seed(shared_data: Path) -> None:
    runs = []
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(shared_data / "lists")],
            capture_output=True, text=True, env=env, timeout=300, check=True,
        )
        runs.append(proc.stdout)
    assert runs[0] == runs[1] == runs[2]
    assert '"HASASN"' in runs[0]
