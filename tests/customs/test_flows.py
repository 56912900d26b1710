"""Surge detection flags hubs whose share of the exporter's trade jumps."""

from __future__ import annotations

import pytest

from sekisho.customs.flows import analyse, load_flows
from sekisho.errors import InputError


def test_hub_surge_flagged_non_hub_noted(fixtures):
    fa = analyse(load_flows(fixtures / "customs" / "flows_small.csv"))
    by = {s.destination: s for s in fa.surges}
    assert by["HK"].flagged and by["HK"].hub and by["HK"].years == [2022]
    assert "VN" in by and not by["VN"].flagged  # surged, but not a hub
    assert "CN" not in by and "JP" not in by  # steady growth is no surge
    assert by["HK"].latest["relative_growth"] > 1.5  # 42 % share vs ~24 % before
    assert [s.destination for s in fa.flagged] == ["HK"]
    assert not fa.partial_last


def test_bad_flow_row(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("year,destination,value\n2020,Japan,10\n2021,Japan,-3\n")
    with pytest.raises(InputError) as exc:
        load_flows(p)
    assert exc.value.line == 3 and exc.value.field == "value"


def test_unknown_layout(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(InputError):
        load_flows(p)


@pytest.mark.integration
def test_taiwan_hs8542_flags_malaysia(shared_data):
    path = shared_data / "customs" / "trade-flows-hs8542" / "taiwan_exports_by_country_2013_2025.csv"
    fa = analyse(load_flows(path))
    assert fa.partial_last  # 2025 is January-August
    flagged = {s.destination for s in fa.flagged}
    assert "MY" in flagged
    assert flagged <= {"HK", "SG", "MY", "AE", "TR", "TH", "AM", "GE", "KZ", "KG", "UZ", "MO", "RS"}
