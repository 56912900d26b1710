"""Regime YAML: the bundled files load and cite sources; broken files give clear errors."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from sekisho.errors import InputError
from sekisho.procure import regimes

REQUIRED = {
    "jp-central-government-2018",
    "cn-cii-micron-2023",
    "us-ndaa-889-a1a",
    "us-ndaa-889-a1b",
    "us-ndaa-fy2023-5949",
    "us-fcc-covered-list",
}


def test_bundled_regimes(catalogue) -> None:
    assert set(catalogue.regimes) >= REQUIRED
    assert {
        "jp-central-government",
        "cn-cii-operator",
        "us-federal-agency",
        "us-federal-contractor",
        "private",
    } <= set(catalogue.buyers)
    for r in catalogue.regimes.values():
        assert r.sources, r.id
        assert r.vendors, r.id
    assert catalogue.regimes["us-ndaa-fy2023-5949"].effective == "2027-12-23"
    assert catalogue.regimes["cn-cii-micron-2023"].effective == "2023-05-21"
    assert {v.vendor.id for v in catalogue.regimes["us-ndaa-889-a1a"].vendors} == {
        "huawei",
        "zte",
        "hytera",
        "hikvision",
        "dahua",
    }


def test_vendor_catalogue_has_native_names_and_history(catalogue) -> None:
    hik = catalogue.vendors["hikvision"]
    assert "海康威视" in hik.names
    assert any(r.name.startswith("Hangzhou Ezviz") for r in hik.related)
    huawei = catalogue.vendors["huawei"]
    honor = [r for r in huawei.related if r.name == "Honor"][0]
    assert honor.valid_until == "2020-11-17"
    lorex = [r for r in catalogue.vendors["dahua"].related if r.name.startswith("Lorex")][0]
    assert lorex.valid_until == "2023"
    assert "美光" in catalogue.vendors["micron"].names


def test_select_and_buyer(catalogue) -> None:
    assert [r.id for r in catalogue.select(["us-ndaa-889-a1b"])] == ["us-ndaa-889-a1b"]
    assert len(catalogue.select(None)) == len(catalogue.regimes)
    with pytest.raises(InputError, match="unknown regime 'x'"):
        catalogue.select(["x"])
    with pytest.raises(InputError, match="unknown buyer category 'ministry'"):
        catalogue.buyer("ministry")


def test_date_helpers() -> None:
    assert regimes.date_start("2017") == date(2017, 1, 1)
    assert regimes.date_end("2023") == date(2023, 12, 31)
    assert regimes.date_end("2024-02") == date(2024, 2, 29)
    assert regimes.date_end("2020-11-17") == date(2020, 11, 17)


@pytest.fixture
def copy_dir(tmp_path: Path) -> Path:
    dst = tmp_path / "procurement"
    shutil.copytree(regimes.DEFAULT_DIR, dst)
    return dst


@pytest.mark.parametrize(
    ("file", "old", "new", "needle"),
    [
        (
            "us-ndaa-889-a1b.yaml",
            "  - category: us-federal-contractor",
            "  - category: us-ministry",
            "unknown buyer category 'us-ministry'",
        ),
        (
            "us-ndaa-889-a1b.yaml",
            "  - vendor: zte\n",
            "  - vendor: zzz\n",
            "vendor 'zzz' is not in vendors.yaml",
        ),
        (
            "us-ndaa-889-a1b.yaml",
            "test: substantial_or_essential_or_critical_technology",
            "test: some",
            "part test 'some'",
        ),
        (
            "us-ndaa-889-a1b.yaml",
            'effective: "2020-08-13"',
            'effective: "2020-13-45"',
            "not an ISO date",
        ),
        ("cn-cii-micron-2023.yaml", "sources:\n", "old_sources:\n", "must cite its sources"),
        ("vendors.yaml", "relation: subsidiary", "relation: cousin", "relation 'cousin'"),
        ("cn-cii-micron-2023.yaml", "kind: procurement-regime", "kind: [", "malformed YAML"),
    ],
)
def test_broken_yaml(copy_dir: Path, file: str, old: str, new: str, needle: str) -> None:
    path = copy_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        regimes.load(copy_dir)
    assert needle in str(exc.value)
    assert file in str(exc.value)


def test_extra_regime_file_is_picked_up(copy_dir: Path) -> None:
    text = (copy_dir / "cn-cii-micron-2023.yaml").read_text(encoding="utf-8")
    (copy_dir / "custom.yaml").write_text(
        text.replace("id: cn-cii-micron-2023", "id: custom-ban"), encoding="utf-8"
    )
    assert "custom-ban" in regimes.load(copy_dir).regimes
