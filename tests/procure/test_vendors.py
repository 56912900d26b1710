"""Vendor matching: every spelling and script of a covered vendor hits; near-misses do not."""

from __future__ import annotations

from datetime import date

import pytest

from sekisho.model import Address, ListedEntity, Name, Schema
from sekisho.procure.vendors import CoveredName, VendorMatcher, covered_names, list_affiliates


@pytest.fixture(scope="module")
def matcher(catalogue) -> VendorMatcher:
    return VendorMatcher(cn for v in catalogue.vendors.values() for cn in covered_names(v))


def hits(matcher: VendorMatcher, name: str) -> dict[str, tuple[str, bool]]:
    return {h.covered.vendor: (h.method, h.definite) for h in matcher.match(name)}


@pytest.mark.parametrize(
    ("name", "vendor"),
    [
        ("Hangzhou Hikvision Digital Technology Co., Ltd.", "hikvision"),
        ("海康威视", "hikvision"),
        ("HIKVISION", "hikvision"),
        ("杭州海康威视数字技术股份有限公司", "hikvision"),
        ("EZVIZ", "hikvision"),
        ("ハイクビジョン", "hikvision"),
        ("ダーファ・テクノロジー株式会社", "dahua"),
        ("HiSilicon Technologies Co., Ltd.", "huawei"),
        ("华为技术有限公司", "huawei"),
        ("華為技術有限公司", "huawei"),
        ("ファーウェイ", "huawei"),
        ("ZTE Corporation", "zte"),
        ("中兴通讯股份有限公司", "zte"),
        ("Zhejiang Dahua Technology Co., Ltd.", "dahua"),
        ("浙江大华技术股份有限公司", "dahua"),
        ("Imou", "dahua"),
        ("Micron Technology, Inc.", "micron"),
        ("美光", "micron"),
        ("Crucial", "micron"),
        ("Semiconductor Manufacturing International Corporation", "smic"),
        ("长江存储科技有限责任公司", "ymtc"),
        ("CXMT", "cxmt"),
        ("Лаборатория Касперского", "kaspersky"),
        ("Hytera Communications Corporation Limited", "hytera"),
    ],
)
def test_definite_hits(matcher: VendorMatcher, name: str, vendor: str) -> None:
    found = hits(matcher, name)
    assert vendor in found, found
    assert found[vendor][1] is True


@pytest.mark.parametrize(
    ("name", "vendor"),
    [
        ("Hikvision Europe B.V.", "hikvision"),  # unknown subsidiary: contains the name
        ("Dahua Electronics Corporation", "dahua"),  # unrelated DPL party: similar name → review
        (
            "Nedayeh Micron Electronics",
            "micron",
        ),  # unrelated Entity List party → review, not a match
        ("ZTE Parsian", "zte"),
        ("华为技术有限公司深圳分公司", "huawei"),
    ],
)
def test_possible_hits_are_not_definite(matcher: VendorMatcher, name: str, vendor: str) -> None:
    found = hits(matcher, name)
    assert found.get(vendor, (None, True))[1] is False, found


@pytest.mark.parametrize(
    "name",
    [
        "Texas Instruments",
        "Intel Corporation",
        "ASPEED Technology Inc.",
        "Seagate Technology",
        "Samsung Electronics Co., Ltd.",
        "上海思源电气股份有限公司",
        "Delta Electronics, Inc.",
        "TE Connectivity",
        "Honeywell International Inc.",
        "Broadcom Inc.",
    ],
)
def test_unrelated_makers_do_not_hit(matcher: VendorMatcher, name: str) -> None:
    assert matcher.match(name) == []


def test_answers_are_cached_per_string(matcher: VendorMatcher) -> None:
    first = matcher.match("HIKVISION")
    assert matcher.match("HIKVISION") is first


def test_honor_history(catalogue) -> None:
    honor = [cn for cn in covered_names(catalogue.vendors["huawei"]) if cn.name == "Honor"][0]
    assert honor.relation == "brand"
    assert honor.valid_on(date(2019, 6, 1))
    assert honor.valid_on(date(2020, 11, 17))
    assert not honor.valid_on(date(2020, 11, 18))


def test_partial_dates_are_read_conservatively(catalogue) -> None:
    lorex = [cn for cn in covered_names(catalogue.vendors["dahua"]) if cn.name == "Lorex"][0]
    assert lorex.valid_on(date(2018, 1, 1)) and lorex.valid_on(date(2023, 12, 31))
    assert not lorex.valid_on(date(2017, 12, 31)) and not lorex.valid_on(date(2024, 1, 1))


def _el(eid: str, name: str, *, sublist: str = "EL", address: str | None = None) -> ListedEntity:
    return ListedEntity(
        id=f"us_trade_csl:{eid}",
        source="us_trade_csl",
        schema=Schema.COMPANY,
        names=(Name(name),),
        sublist=sublist,
        addresses=(Address(full=address),) if address else (),
    )


def test_entity_list_affiliates(catalogue) -> None:
    entities = [
        _el("1", "Huawei Cloud Beijing Co., Ltd."),
        _el(
            "2",
            "Hui Tong Business Ltd.",
            address="Huawei Base, Electrical Research Center, Shenzhen, CN",
        ),
        _el(
            "3",
            "Beijing Huanjia Telecommunication Co., Ltd.",
            address="Dahua Radio Instrument Factory, Beijing, CN",
        ),
        _el("4", "ZTE Parsian"),
        _el("5", "Nedayeh Micron Electronics"),
        _el("6", "DAHUA ELECTRONICS CORPORATION", sublist="DPL"),
        _el("7", "Katrina Smich"),
        _el("8", "SMIC Northern Integrated Circuit Manufacturing (Beijing) Co., Ltd."),
    ]
    names = list_affiliates(entities, catalogue.vendors.values())
    tied = {cn.entity: cn.vendor for cn in names}
    assert tied == {
        "Huawei Cloud Beijing Co., Ltd.": "huawei",
        "Hui Tong Business Ltd.": "huawei",
        "SMIC Northern Integrated Circuit Manufacturing (Beijing) Co., Ltd.": "smic",
    }
    assert all(cn.relation == "affiliate" and cn.source.startswith("us_trade_csl:") for cn in names)
    m = VendorMatcher(names)
    assert [h.covered.vendor for h in m.match("Hui Tong Business Ltd.")] == ["huawei"]


def test_matcher_accepts_extra_names() -> None:
    m = VendorMatcher(
        [CoveredName("Acme Spy Cameras Ltd.", "acme", "Acme Spy Cameras Ltd.", "self")]
    )
    assert m.match("ACME SPY CAMERAS LIMITED")[0].definite


@pytest.mark.parametrize(
    ("name", "vendor"),
    [
        ("Hikvison", "hikvision"),
        ("Dahau Technology", "dahua"),
        ("Huawey", "huawei"),
        ("Mikron Semiconductor", "micron"),
        ("东莞市大华科技有限公司", "dahua"),
        ("海康威视(香港)有限公司", "hikvision"),
    ],
)
def test_typos_and_unknown_group_members_are_possible_matches(
    matcher: VendorMatcher, name: str, vendor: str
) -> None:
    assert hits(matcher, name).get(vendor) is not None
    assert hits(matcher, name)[vendor][1] is False


@pytest.mark.parametrize(
    "name",
    [
        "东莞市达华科技有限公司",  # 达华 sounds like 大华 (da hua) but is another firm
        "苏州华宏科技有限公司",  # shares only "科技有限公司" with 华为技术有限公司
        "杭州海泰电子有限公司",  # shares only the city with Hikvision
        "上海华华半导体有限公司",  # shares the city and "semiconductor" with SMIC Shanghai
        "深圳市宏德电子有限公司",
    ],
)
def test_chinese_names_sharing_city_or_generic_words_do_not_hit(
    matcher: VendorMatcher, name: str
) -> None:
    assert matcher.match(name) == []
