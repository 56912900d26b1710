"""`sekisho procure ...`: exit codes, JSON shape, reports, and bad input → exit 2 naming the place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

F = Path(__file__).resolve().parent.parent / "fixtures" / "procure"


def test_check_prohibited_json(cli) -> None:
    r = cli(
        "procure",
        "check",
        F / "server-hisilicon.cdx.json",
        "--buyer",
        "jp-central-government",
        "--date",
        "2024-06-01",
        "--json",
    )
    assert r.code == 12, r.stderr
    d = json.loads(r.stdout)
    assert d["verdict"] == "prohibited"
    assert d["findings"][0]["regime"] == "jp-central-government-2018"
    assert d["findings"][0]["vendor"] == "Huawei Technologies Co., Ltd."
    assert d["findings"][0]["path"] == [
        "RX-9000 rack server",
        "25GbE network card",
        "Ethernet controller Hi1822",
    ]
    assert d["findings"][0]["verdict"] == "prohibited"
    assert d["unchecked"] == []


def test_check_needs_review_and_clear(cli) -> None:
    r = cli(
        "procure",
        "check",
        F / "server-hisilicon.csv",
        "--buyer",
        "us-federal-agency",
        "--date",
        "2024-06-01",
    )
    assert r.code == 10
    assert "needs_review" in r.stdout and "us-ndaa-889-a1a" in r.stdout
    r = cli("procure", "check", F / "server-hisilicon.csv", "--buyer", "private", "--json")
    assert r.code == 0 and json.loads(r.stdout)["verdict"] == "no_prohibited_content"
    r = cli(
        "procure",
        "check",
        F / "server-hisilicon.csv",
        "--buyer",
        "jp-central-government",
        "--date",
        "2019-01-01",
        "--json",
    )
    assert r.code == 0 and json.loads(r.stdout)["findings"] == []


def test_unchecked_parts_warn(cli) -> None:
    r = cli(
        "procure",
        "check",
        F / "unknown-maker.csv",
        "--buyer",
        "jp-central-government",
        "--date",
        "2024-06-01",
        "--json",
    )
    assert r.code == 10
    d = json.loads(r.stdout)
    assert d["verdict"] == "needs_review" and len(d["unchecked"]) == 2
    assert "could not be checked" in r.stderr


def test_regime_option(cli) -> None:
    r = cli(
        "procure",
        "check",
        F / "camera-dahua.cdx.json",
        "--buyer",
        "us-federal-contractor",
        "--regime",
        "us-ndaa-889-a1b",
        "--json",
    )
    assert r.code == 12
    assert {f["regime"] for f in json.loads(r.stdout)["findings"]} == {"us-ndaa-889-a1b"}


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_report(cli, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"report{suffix}"
    r = cli(
        "procure",
        "check",
        F / "camera-dahua.cdx.json",
        "--buyer",
        "us-federal-agency",
        "--date",
        "2024-06-01",
        "--report",
        out,
    )
    assert r.code == 12
    text = out.read_text(encoding="utf-8")
    assert "4K PTZ camera module" in text and "PROHIBITED" in text
    assert (
        ("class='prohibited'" in text) if suffix == ".html" else ("**4K PTZ camera module" in text)
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check", F / "malformed.cdx.json", "--buyer", "private"], "malformed.cdx.json:5"),
        (["check", F / "cyclic-deps.cdx.json", "--buyer", "private"], "cyclic BOM"),
        (["check", F / "cyclic.csv", "--buyer", "private"], "cyclic BOM"),
        (["check", F / "missing-parent.csv", "--buyer", "private"], "missing-parent.csv:4"),
        (
            ["check", F / "server-hisilicon.csv", "--buyer", "ministry"],
            "unknown buyer category 'ministry'",
        ),
        (
            ["check", F / "server-hisilicon.csv", "--buyer", "private", "--regime", "eu-ban"],
            "unknown regime 'eu-ban'",
        ),
        (
            ["check", F / "server-hisilicon.csv", "--buyer", "private", "--date", "2024-13-01"],
            "not a date",
        ),
        (
            ["check", F / "server-hisilicon.csv", "--buyer", "private", "--report", "out.pdf"],
            "report must end",
        ),
        (["check", F / "nope.json", "--buyer", "private"], "not found"),
    ],
)
def test_bad_input_exits_2(cli, args: list, needle: str) -> None:
    r = cli("procure", *args)
    assert r.code == 2
    assert needle in r.stderr


def test_with_lists_without_lists_fails_closed(cli) -> None:
    r = cli(
        "procure",
        "check",
        F / "server-hisilicon.csv",
        "--buyer",
        "jp-central-government",
        "--with-lists",
    )
    assert r.code == 2 and "no Entity List entries" in r.stderr


def test_regimes_and_buyers(cli) -> None:
    r = cli("procure", "regimes", "--json")
    assert r.code == 0
    ids = {x["id"] for x in json.loads(r.stdout)}
    assert {
        "jp-central-government-2018",
        "cn-cii-micron-2023",
        "us-ndaa-889-a1a",
        "us-ndaa-889-a1b",
        "us-ndaa-fy2023-5949",
        "us-fcc-covered-list",
    } <= ids
    r = cli("procure", "buyers", "--json")
    assert {
        "jp-central-government",
        "cn-cii-operator",
        "us-federal-agency",
        "us-federal-contractor",
        "private",
    } <= {b["id"] for b in json.loads(r.stdout)}
    assert cli("procure", "regimes").code == 0 and cli("procure", "buyers").code == 0


def test_with_lists_adds_entity_list_affiliates(cli, tmp_path: Path) -> None:
    loaded = cli("lists", "load", F / "csl-mini.csv")
    assert loaded.code == 0, loaded.stderr
    bom = tmp_path / "b.csv"
    bom.write_text(
        "parent,part number,manufacturer\n,SRV,Acme\nSRV,X1,Hui Tong Business Ltd.\nSRV,X2,DAHUA ELECTRONICS CORPORATION\n",
        encoding="utf-8",
    )
    args = (
        "procure",
        "check",
        bom,
        "--buyer",
        "jp-central-government",
        "--date",
        "2024-06-01",
        "--json",
    )
    assert cli(*args).code == 0  # the core knows nothing of Hui Tong
    r = cli(*args, "--with-lists")
    assert r.code == 12, r.stderr
    d = json.loads(r.stdout)
    [f] = d["findings"]
    assert f["path"] == ["SRV", "X1"]
    assert f["vendor"] == "Huawei Technologies Co., Ltd." and f["list_source"] == "us_trade_csl:a1"
    assert len(d["snapshots"]) == 1
