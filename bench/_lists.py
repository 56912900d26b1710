"""Load every shared list through Sekisho's own parsers (shared by the matching benches)."""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

from sekisho.lists.formats import detect
from sekisho.model import ListedEntity

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def load_all(
    data: Path = DATA,
    cache: Path | None = Path("/tmp/sekisho-bench-entities.pickle"),
) -> list[ListedEntity]:
    """Every entity of every list folder under data/lists (parsed once, then cached)."""
    if cache and cache.is_file():
        with cache.open("rb") as fh:
            return pickle.load(fh)
    t = time.perf_counter()
    groups, _ = detect([data / "lists"])
    entities: list[ListedEntity] = []
    seen: set[str] = set()
    for g in groups:
        try:
            result = g.format.parse(g.paths)
        except Exception as exc:  # noqa: BLE001 - a parser problem must not stop the bench
            print(f"  skipped {g.format.NAME} {[p.name for p in g.paths]}: {exc}", file=sys.stderr)
            continue
        for e in result.entities:
            if e.id not in seen:
                seen.add(e.id)
                entities.append(e)
    print(
        f"  parsed {len(entities)} entities from {len(groups)} list groups in "
        f"{time.perf_counter() - t:.1f}s",
        file=sys.stderr,
    )
    if cache:
        with cache.open("wb") as fh:
            pickle.dump(entities, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return entities
