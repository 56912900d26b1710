"""The ofac_csv, us_csl, bis_dpl and uk_ofsi sniffers claim their own files and no others."""

from __future__ import annotations

from pathlib import Path

import pytest

from sekisho.errors import InputError
from sekisho.lists.formats import bis_dpl, expand, ofac_csv, read_head, uk_ofsi, us_csl
from sekisho.model import ListedEntity

MINE = (ofac_csv, us_csl, bis_dpl, uk_ofsi)


def _claims(root: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in expand([root]):
        try:
            head = read_head(path)
        except InputError:  # another parser's deliberately broken fixture
            continue
        names = [m.NAME for m in MINE if m.sniff(path, head)]
        if names:
            out[path.relative_to(root).as_posix()] = names
    return out


def test_fixture_files_claimed_by_the_right_parser(fixtures: Path) -> None:
    claims = _claims(fixtures / "lists")
    assert claims == {
        "bis_dpl/dpl.txt": ["bis_dpl"],
        "ofac_csv/sdn.csv": ["ofac_csv"],
        "uk_ofsi/ConList_extract.csv": ["uk_ofsi"],
        "uk_ofsi/ConList_full.csv": ["uk_ofsi"],
        "us_csl/consolidated.csv.gz": ["us_csl"],
        "us_csl/csl_quirks.csv": ["us_csl"],
    }


@pytest.mark.parametrize(
    ("module", "paths"),
    [
        (ofac_csv, ["ofac_csv/sdn.csv", "ofac_csv/add.csv", "ofac_csv/alt.csv"]),
        (us_csl, ["us_csl/csl_quirks.csv"]),
        (bis_dpl, ["bis_dpl/dpl.txt"]),
        (uk_ofsi, ["uk_ofsi/ConList_full.csv"]),
    ],
)
def test_entities_round_trip_through_json(fixtures: Path, module, paths: list[str]) -> None:
    result = module.parse([fixtures / "lists" / p for p in paths])
    for entity in result.entities:
        again = ListedEntity.from_dict(entity.to_dict())
        assert again == entity and again.content_hash == entity.content_hash
        assert all(isinstance(v, tuple) for v in entity.properties.values())
        assert all(a.country is None or len(a.country) == 2 for a in entity.addresses)
        assert all(len(c) == 2 and c.isupper() for c in entity.countries)


@pytest.mark.integration
def test_real_files_claimed_by_the_right_parser(shared_data: Path) -> None:
    assert _claims(shared_data / "lists") == {
        "uk-ofsi-conlist-partial/ConList.csv": ["uk_ofsi"],
        "us-bis-denied-persons/dpl.txt": ["bis_dpl"],
        "us-ofac-consolidated-non-sdn/cons_prim.csv": ["ofac_csv"],
        "us-ofac-sdn/sdn.csv": ["ofac_csv"],
        "us-trade-csl/consolidated.csv": ["us_csl"],
        "us-trade-csl/consolidated.csv.gz": ["us_csl"],
        "us-trade-csl/csl.csv": ["us_csl"],
    }
