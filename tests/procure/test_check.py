"""check(): the issue's scenarios, part tests, exceptions, dates and fail-closed behaviour."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sekisho.procure import check, read_bom
from sekisho.procure.vendors import CoveredName

from .helpers import device, write_cdx

D = date(2026, 6, 1)


def run(catalogue, bom_or_path, buyer: str, on: date = D, regimes: list[str] | None = None, **kw):
    bom = read_bom(bom_or_path) if isinstance(bom_or_path, Path) else bom_or_path
    return check(bom, catalogue.select(regimes), buyer, on, **kw)


@pytest.mark.parametrize("name", ["server-hisilicon.cdx.json", "server-hisilicon.csv"])
def test_server_with_hisilicon_nic_chip_is_prohibited_for_a_japanese_ministry(
    catalogue, procure_fixtures, name
) -> None:
    r = run(catalogue, procure_fixtures / name, "jp-central-government")
    assert r.verdict == "prohibited" and r.exit_code == 12
    assert r.regimes == ["jp-central-government-2018"]
    [f] = r.findings
    assert f.regime == "jp-central-government-2018" and f.vendor == "huawei"
    assert f.path == ("RX-9000 rack server", "25GbE network card", "Ethernet controller Hi1822")
    assert f.relation == "subsidiary" and f.entity == "HiSilicon Technologies Co., Ltd."
    assert f.part_test == "any_part" and f.test_applies is True and f.verdict == "prohibited"
    assert r.unchecked == []


def test_same_server_is_reported_for_889_review_for_a_us_agency(
    catalogue, procure_fixtures
) -> None:
    r = run(catalogue, procure_fixtures / "server-hisilicon.cdx.json", "us-federal-agency")
    assert r.verdict == "needs_review" and r.exit_code == 10
    [f] = r.findings
    assert f.regime == "us-ndaa-889-a1a" and f.vendor == "huawei"
    assert (
        f.part_test == "substantial_or_essential_or_critical_technology" and f.test_applies is None
    )
    assert "does not say" in f.reason


def test_same_server_for_a_private_company(catalogue, procure_fixtures) -> None:
    r = run(catalogue, procure_fixtures / "server-hisilicon.cdx.json", "private")
    assert r.verdict == "no_prohibited_content" and r.exit_code == 0
    assert r.findings == [] and r.regimes == []
    assert any("no regime binds" in n for n in r.notes)


def test_cii_operator_buying_ssd_with_micron_nand(catalogue, procure_fixtures) -> None:
    r = run(catalogue, procure_fixtures / "ssd-micron.cdx.json", "cn-cii-operator")
    assert r.verdict == "prohibited"
    paths = {f.path for f in r.findings}
    assert ("DS-3840 enterprise SSD 3.84 TB", "SSD main PCB", "B58R TLC NAND flash 1Tb") in paths
    assert ("DS-3840 enterprise SSD 3.84 TB", "SSD main PCB", "LPDDR4 cache") in paths  # 美光
    assert all(f.regime == "cn-cii-micron-2023" and f.verdict == "prohibited" for f in r.findings)


def test_micron_before_the_cac_decision_is_allowed(catalogue, procure_fixtures) -> None:
    r = run(
        catalogue, procure_fixtures / "ssd-micron.cdx.json", "cn-cii-operator", date(2023, 5, 20)
    )
    assert r.verdict == "no_prohibited_content"
    assert "not in force on 2023-05-20" in r.skipped["cn-cii-micron-2023"]


def test_camera_system_with_dahua_oem_modules_is_prohibited_under_889(
    catalogue, procure_fixtures
) -> None:
    r = run(catalogue, procure_fixtures / "camera-dahua.cdx.json", "us-federal-agency")
    assert r.verdict == "prohibited"
    module = [f for f in r.findings if f.path[-1] == "4K PTZ camera module"]
    assert [(f.regime, f.vendor, f.verdict, f.test_applies) for f in module] == [
        ("us-ndaa-889-a1a", "dahua", "prohibited", True)
    ]
    recorder = [f for f in r.findings if f.path == ("CityWatch camera system", "SV-NVR16 recorder")]
    assert (
        recorder and recorder[0].party_role == "brand/OEM" and recorder[0].verdict == "needs_review"
    )


def test_contractor_is_bound_by_both_889_prongs(catalogue, procure_fixtures) -> None:
    r = run(catalogue, procure_fixtures / "camera-dahua.cdx.json", "us-federal-contractor")
    assert set(r.regimes) == {"us-ndaa-889-a1a", "us-ndaa-889-a1b"}
    assert {f.regime for f in r.findings if f.verdict == "prohibited"} == {
        "us-ndaa-889-a1a",
        "us-ndaa-889-a1b",
    }


@pytest.mark.parametrize(
    ("buyer", "on", "applies"),
    [
        ("jp-central-government", date(2019, 3, 31), False),
        ("jp-central-government", date(2019, 4, 1), True),
        ("jp-independent-agency", date(2020, 1, 1), False),  # extended to agencies on 2020-06-30
        ("jp-independent-agency", date(2020, 7, 1), True),
        ("us-federal-agency", date(2019, 8, 12), False),
        ("us-federal-agency", date(2019, 8, 13), True),
    ],
)
def test_effective_dates(catalogue, procure_fixtures, buyer, on, applies) -> None:
    r = run(catalogue, procure_fixtures / "server-hisilicon.csv", buyer, on)
    assert bool(r.findings) is applies
    if not applies:
        assert r.verdict == "no_prohibited_content"


def test_889_a1b_starts_a_year_later(catalogue, procure_fixtures) -> None:
    r = run(
        catalogue,
        procure_fixtures / "camera-dahua.cdx.json",
        "us-federal-contractor",
        date(2020, 1, 1),
    )
    assert r.regimes == ["us-ndaa-889-a1a"]
    assert "effective 2020-08-13" in r.skipped["us-ndaa-889-a1b"]


def test_section_5949_applies_from_december_2027(catalogue, tmp_path) -> None:
    root = device("pc", "Workstation", "Acme PCs Inc.")
    bom = read_bom(
        write_cdx(
            tmp_path / "b.json",
            root,
            [
                device(
                    "ssd",
                    "SSD",
                    "Acme",
                    children=[device("nand", "3D NAND", "Yangtze Memory Technologies Co., Ltd.")],
                )
            ],
        )
    )
    before = check(bom, [], "us-federal-agency", D)
    assert before.verdict == "no_prohibited_content"
    early = run(catalogue, bom, "us-federal-agency", date(2027, 12, 22))
    assert early.findings == []
    late = run(catalogue, bom, "us-federal-agency", date(2027, 12, 23))
    assert late.verdict == "prohibited"
    assert [(f.regime, f.vendor, f.path) for f in late.findings] == [
        ("us-ndaa-fy2023-5949", "ymtc", ("Workstation", "SSD", "3D NAND"))
    ]


def test_end_product_of_covered_vendor_is_prohibited_whatever_the_part_test(
    catalogue, tmp_path
) -> None:
    bom = read_bom(
        write_cdx(
            tmp_path / "b.json", device("sw", "S5735 switch", "Huawei Technologies Co., Ltd."), []
        )
    )
    r = run(catalogue, bom, "us-federal-agency")
    [f] = r.findings
    assert f.level == "product" and f.verdict == "prohibited" and f.path == ("S5735 switch",)


def test_essential_flag_false_still_needs_review(catalogue, tmp_path) -> None:
    chip = device(
        "c",
        "Wi-Fi chip",
        "HiSilicon",
        props={"sekisho:essential": "false", "sekisho:critical-technology": "false"},
    )
    bom = read_bom(write_cdx(tmp_path / "b.json", device("ap", "Access point", "Acme"), [chip]))
    [f] = run(catalogue, bom, "us-federal-agency").findings
    assert f.test_applies is False and f.verdict == "needs_review" and "confirm" in f.reason


def test_critical_technology_flag_prohibits(catalogue, tmp_path) -> None:
    chip = device("c", "Crypto chip", "HiSilicon", props={"sekisho:critical-technology": "true"})
    bom = read_bom(write_cdx(tmp_path / "b.json", device("ap", "Access point", "Acme"), [chip]))
    assert run(catalogue, bom, "us-federal-agency").verdict == "prohibited"


def test_exception_claimed_on_an_ancestor(catalogue, tmp_path) -> None:
    chip = device("c", "Camera module", "Dahua", props={"sekisho:essential": "true"})
    root = device("sys", "Thermal sensor", "Acme", props={"sekisho:exception": "889-no-user-data"})
    r = run(catalogue, read_bom(write_cdx(tmp_path / "b.json", root, [chip])), "us-federal-agency")
    [f] = r.findings
    assert f.verdict == "allowed_by_exception" and f.exception == "889-no-user-data"
    assert r.verdict == "no_prohibited_content"


def test_exception_of_another_regime_does_not_count(catalogue, tmp_path) -> None:
    chip = device("c", "NIC chip", "HiSilicon", props={"sekisho:exception": "889-waiver"})
    r = run(
        catalogue,
        read_bom(write_cdx(tmp_path / "b.json", device("s", "Server", "Acme"), [chip])),
        "jp-central-government",
    )
    assert r.verdict == "prohibited"


def test_honor_part_depends_on_its_production_date(catalogue, tmp_path) -> None:
    old = device(
        "old", "Phone 2019", "Honor", props={"cdx:device:prodTimestamp": "2019-06-01T00:00:00Z"}
    )
    new = device("new", "Phone 2021", "Honor", props={"sekisho:produced": "2021-06-01"})
    bom = read_bom(write_cdx(tmp_path / "b.json", device("kit", "Phone kit", "Acme"), [old, new]))
    r = run(catalogue, bom, "jp-central-government")
    assert [f.path[-1] for f in r.findings] == ["Phone 2019"]
    assert any("Honor" in n and "2020-11-17" in n for n in r.notes)


def test_fcc_vendor_inclusion_dates(catalogue, tmp_path) -> None:
    bom = read_bom(
        write_cdx(tmp_path / "b.json", device("av", "Antivirus appliance", "AO Kaspersky Lab"), [])
    )
    assert run(catalogue, bom, "us-usf-recipient", date(2022, 3, 24)).findings == []
    assert run(catalogue, bom, "us-usf-recipient", date(2022, 3, 25)).verdict == "prohibited"


def test_fcc_service_providers_reach_only_the_named_entity(catalogue, tmp_path) -> None:
    parent = device("m", "IoT module", "China Mobile Communications Group Co., Ltd.")
    bom = read_bom(write_cdx(tmp_path / "b.json", device("gw", "Gateway", "Acme"), [parent]))
    assert run(catalogue, bom, "us-usf-recipient").findings == []  # parent company: not on the list


def test_fcc_components_need_review(catalogue, procure_fixtures) -> None:
    r = run(catalogue, procure_fixtures / "server-hisilicon.cdx.json", "us-usf-recipient")
    [f] = r.findings
    assert f.regime == "us-fcc-covered-list" and f.verdict == "needs_review"
    assert any("routers" in c for c in r.caveats)


def test_unknown_manufacturers_are_listed_and_never_pass(catalogue, procure_fixtures) -> None:
    r = run(catalogue, procure_fixtures / "unknown-maker.csv", "jp-central-government")
    assert r.findings == []
    assert r.verdict == "needs_review"
    assert {u.path[-1] for u in r.unchecked} == {"LTE module", "Crypto chip"}
    assert any("could not be checked" in n for n in r.notes)


def test_possible_match_is_review_not_prohibited(catalogue, tmp_path) -> None:
    bom = read_bom(
        write_cdx(
            tmp_path / "b.json",
            device("x", "Relay", "Acme"),
            [device("d", "Sensor", "Nedayeh Micron Electronics")],
        )
    )
    r = run(catalogue, bom, "cn-cii-operator")
    [f] = r.findings
    assert f.verdict == "needs_review" and f.reason.startswith("possible match")


def test_regime_selection(catalogue, procure_fixtures) -> None:
    r = run(
        catalogue,
        procure_fixtures / "camera-dahua.cdx.json",
        "us-federal-contractor",
        regimes=["us-ndaa-889-a1b"],
    )
    assert r.regimes == ["us-ndaa-889-a1b"]
    assert {f.regime for f in r.findings} == {"us-ndaa-889-a1b"}


def test_extra_names_from_lists(catalogue, tmp_path) -> None:
    bom = read_bom(
        write_cdx(
            tmp_path / "b.json",
            device("s", "Server", "Acme"),
            [device("c", "Board", "Hui Tong Business Ltd.")],
        )
    )
    assert run(catalogue, bom, "jp-central-government").findings == []
    extra = [
        CoveredName(
            "Hui Tong Business Ltd.",
            "huawei",
            "Hui Tong Business Ltd.",
            "affiliate",
            source="us_trade_csl:x",
        )
    ]
    [f] = run(catalogue, bom, "jp-central-government", extra_names=extra).findings
    assert f.vendor == "huawei" and f.list_source == "us_trade_csl:x"
    assert f.to_dict()["list_source"] == "us_trade_csl:x"


def test_json_shape(catalogue, procure_fixtures) -> None:
    d = run(
        catalogue, procure_fixtures / "server-hisilicon.cdx.json", "jp-central-government"
    ).to_dict()
    assert d["verdict"] == "prohibited"
    f = d["findings"][0]
    assert {"regime", "vendor", "path", "verdict"} <= set(f)
    assert f["path"] == ["RX-9000 rack server", "25GbE network card", "Ethernet controller Hi1822"]
    assert d["unchecked"] == []


def test_regime_that_does_not_reach_parts(catalogue, procure_fixtures) -> None:
    import dataclasses

    jp = dataclasses.replace(catalogue.regimes["jp-central-government-2018"], parts_covered=False)
    bom = read_bom(procure_fixtures / "server-hisilicon.cdx.json")
    assert check(bom, [jp], "jp-central-government", D).findings == []


@pytest.mark.parametrize(
    ("purpose", "verdict"),
    [
        (None, "prohibited"),
        ("office-lobby-signage", "needs_review"),
        ("public-safety", "prohibited"),
        ("office, national-security", "prohibited"),
    ],
)
def test_purpose_limited_vendors(catalogue, tmp_path, purpose, verdict) -> None:
    props = {"sekisho:purpose": purpose} if purpose else None
    root = device("sys", "Lobby display", "Acme", props=props)
    cam = device("c", "Camera module", "Hikvision", props={"sekisho:essential": "true"})
    [f] = run(
        catalogue, read_bom(write_cdx(tmp_path / "b.json", root, [cam])), "us-federal-agency"
    ).findings
    assert f.verdict == verdict
    if purpose is None:
        assert "assumed" in f.reason


def test_purpose_does_not_matter_for_huawei(catalogue, tmp_path) -> None:
    root = device("sys", "Office router", "Acme", props={"sekisho:purpose": "office"})
    chip = device("c", "SoC", "HiSilicon", props={"sekisho:essential": "true"})
    [f] = run(
        catalogue, read_bom(write_cdx(tmp_path / "b.json", root, [chip])), "us-federal-agency"
    ).findings
    assert f.verdict == "prohibited"


def test_items_get_their_own_verdict(catalogue, tmp_path) -> None:
    items = [
        device("a", "Server A", "Acme", children=[device("a1", "NIC", "HiSilicon")]),
        device("b", "Server B", "Acme", children=[device("b1", "NIC", "Intel Corporation")]),
        device("c", "Server C", "Acme", children=[device("c1", "NIC", "unknown")]),
    ]
    r = run(
        catalogue, read_bom(write_cdx(tmp_path / "b.json", None, items)), "jp-central-government"
    )
    assert [(i.name, i.verdict) for i in r.items] == [
        ("Server A", "prohibited"),
        ("Server B", "no_prohibited_content"),
        ("Server C", "needs_review"),
    ]
    assert r.to_dict()["items"][0] == {
        "ref": "a",
        "name": "Server A",
        "verdict": "prohibited",
        "findings": 1,
        "unchecked": 0,
    }
    private = run(catalogue, read_bom(write_cdx(tmp_path / "b.json", None, items)), "private")
    assert [i.verdict for i in private.items] == ["no_prohibited_content"] * 3
