"""Our regime YAML against the transcribed FCC Covered List and NDAA 889 (../shared/data),
and Entity List affiliates from the real Consolidated Screening List."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from sekisho.lists.formats.common import iso_date
from sekisho.procure.regimes import date_start
from sekisho.procure.vendors import VendorMatcher, covered_names, store_affiliates

pytestmark = pytest.mark.integration

_COMPANY = re.compile(
    r"(?:produced by|provided by|supplied, directly or indirectly, by) (.+?)(?:,| to the extent| or any| subject| including|$)"
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _regime_matcher(catalogue, regime_id: str) -> tuple[VendorMatcher, dict]:
    r = catalogue.regimes[regime_id]
    names = [
        cn for rv in r.vendors for cn in covered_names(rv.vendor) if cn.relation in rv.relations
    ]
    return VendorMatcher(names), {rv.vendor.id: rv for rv in r.vendors}


def test_fcc_covered_list_vendors_and_dates(shared_data: Path, catalogue) -> None:
    rows = _rows(shared_data / "lists" / "_transcribed-us-fcc-covered-list" / "table.csv")
    assert len(rows) == 16
    matcher, by_vendor = _regime_matcher(catalogue, "us-fcc-covered-list")
    regime = catalogue.regimes["us-fcc-covered-list"]
    first_seen: dict[str, str] = {}
    vendorless = []
    for row in rows:
        text = row["covered_equipment_or_services"]
        included = iso_date(
            re.match(r"[A-Za-z]+ \d{1,2}, \d{4}", row["date_of_inclusion_on_covered_list"])[0]
        )
        companies = [
            m.strip() for m in _COMPANY.findall(text) if not m.startswith(("such", "foreign"))
        ]
        companies = [
            p.strip() for c in companies for p in c.split(" and its wholly-owned subsidiary ")
        ]
        if not companies:
            vendorless.append(text)
            continue
        for company in companies:
            hits = [h for h in matcher.match(company) if h.definite]
            assert hits, f"FCC names {company!r}; no vendor of {regime.id} covers it"
            vid = hits[0].covered.vendor
            rv = by_vendor[vid]
            assert date_start(rv.valid_from) <= date_start(included), (
                company,
                rv.valid_from,
                included,
            )
            first_seen[vid] = min(first_seen.get(vid, included), included)
    for vid, first in first_seen.items():
        assert by_vendor[vid].valid_from == first, vid
    assert set(first_seen) == set(by_vendor)
    caveats = " ".join(regime.caveats).lower()
    for keyword in ("uncrewed aircraft", "routers", "power inverters", "robotic"):
        assert keyword in caveats
    assert len(vendorless) == 4


@pytest.mark.parametrize("regime_id", ["us-ndaa-889-a1a", "us-ndaa-889-a1b"])
def test_ndaa_889_vendors(shared_data: Path, catalogue, regime_id: str) -> None:
    rows = _rows(shared_data / "lists" / "_transcribed-us-ndaa-section-889" / "section_889.csv")
    matcher, by_vendor = _regime_matcher(catalogue, regime_id)
    covered = set()
    for row in rows:
        assert "Section 889" in row["program"]
        hits = [h for h in matcher.match(row["name"]) if h.definite]
        assert hits, row["name"]
        covered.add(hits[0].covered.vendor)
    assert covered == set(by_vendor)


@pytest.mark.slow
def test_entity_list_affiliates_from_the_real_csl(shared_data: Path, cli, tmp_path: Path, catalogue) -> None:
    from sekisho.lists.store import Store

    store = Store.open()
    store.load([shared_data / "lists" / "us-trade-csl" / "consolidated.csv.gz"])
    names, snapshots = store_affiliates(catalogue.vendors.values(), store)
    assert snapshots
    by_vendor: dict[str, set[str]] = {}
    for cn in names:
        by_vendor.setdefault(cn.vendor, set()).add(cn.entity)
    huawei = by_vendor["huawei"]
    assert len(huawei) >= 130  # 136 Huawei rows + 5 HiSilicon + Hui Tong (Huawei Base address)
    assert any(e.startswith("HiSilicon Optoelectronics") for e in huawei)
    assert "Hui Tong Business Ltd." in huawei
    assert any("Hikvision" in e for e in by_vendor["hikvision"])
    assert by_vendor["dahua"] == {
        "Dahua Technology"
    }  # not the DPL row, not an address in a Dahua building
    assert len(by_vendor["smic"]) >= 9
    everything = {e for es in by_vendor.values() for e in es}
    assert "ZTE Parsian" not in everything and "Nedayeh Micron Electronics" not in everything
    matcher = VendorMatcher(names)
    assert {h.covered.vendor for h in matcher.match("Hui Tong Business Ltd.")} == {"huawei"}

    # the same through the CLI: an Entity List affiliate found only with --with-lists
    bom = tmp_path / "b.csv"
    bom.write_text("parent,part number,manufacturer\n,SRV,Acme\nSRV,X1,Hui Tong Business Ltd.\n", encoding="utf-8")
    args = ("procure", "check", bom, "--buyer", "jp-central-government", "--date", "2024-06-01", "--json")
    assert cli(*args).code == 0
    r = cli(*args, "--with-lists")
    assert r.code == 12, r.stderr
    d = json.loads(r.stdout)
    assert d["findings"][0]["list_source"].startswith("us_trade_csl:")
    assert d["snapshots"] == snapshots
