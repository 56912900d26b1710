"""Taiwan SHTC entity list CSV (documented layout; fixtures written by us)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import _modules, read_head, tw_shtc
from sekisho.model import NameKind, Schema

HERE = Path(__file__).resolve().parents[2] / "fixtures/lists/tw_shtc"
FIXTURE = HERE / "shtc_entity_list.csv"


def _entities(path: Path = FIXTURE):
    return tw_shtc.parse([path]).entities


def test_names_chinese_prefixes_html_and_embedded_alias() -> None:
    huawei, smic, person, front, taiwanese = _entities()
    assert huawei.name == "Huawei Technologies Co., Ltd."
    natives = [(n.value, n.lang) for n in huawei.names if n.kind is NameKind.NATIVE]
    # 繁體中文： / 簡體中文： prefixes, the full-width ；, and the native alias of the merged row.
    assert natives == [
        ("華為技術有限公司", "zh-Hant"),
        ("华为技术有限公司", "zh-Hans"),
        ("華為", None),
    ]
    assert [n.value for n in huawei.names if n.kind is NameKind.AKA] == [
        "Huawei",
        "HW Tech",
    ]  # <span> stripped
    assert smic.name == "Semiconductor Manufacturing International Corporation"
    assert [(n.value, n.kind) for n in smic.names[1:]] == [
        ("SMIC", NameKind.AKA),  # "... alias: SMIC" inside the name cell
        ("中芯國際集成電路製造有限公司", NameKind.NATIVE),
    ]
    assert taiwanese.name == "測試貿易有限公司" and taiwanese.names[0].kind is NameKind.PRIMARY


def test_un_reference_ids_and_stable_keys() -> None:
    huawei, smic, person, front, _ = _entities()
    assert (
        person.id == "tw_shtc:QDi.999"
    )  # UN permanent reference removed from the name, used as key
    assert person.name == "TEST PERSON ONE"
    assert person.properties["un_reference"] == ("QDi.999",)
    # Other ids are a digest of name + countries, not the unstable item number.
    assert huawei.id.startswith("tw_shtc:") and len(huawei.id.split(":")[1]) == 16
    assert huawei.properties["item"] == ("1", "6")  # the same party on two rows was merged
    assert [e.id for e in _entities()] == [e.id for e in _entities()]


def test_addresses_countries_and_ids() -> None:
    huawei, smic, person, front, _ = _entities()
    assert [a.full for a in smic.addresses] == [
        "18 Zhangjiang Road, Shanghai",
        "8 Xinghua Street, Beijing",
    ]
    assert all(a.country == "CN" for a in smic.addresses)
    assert [a.full for a in huawei.addresses] == [
        "Bantian Huawei Base, Longgang District, Shenzhen, China",
        "Dongguan",
    ]
    assert huawei.countries == ("CN",)  # "cn" upper-cased
    assert person.addresses == ()  # an address cell that is only "AF" is a country
    assert person.countries == ("AF", "PK")
    assert [(i.type, i.value) for i in person.identifiers] == [
        ("id_number", "P1234567"),
        ("id_number", "A7654321"),
    ]
    assert person.schema is Schema.LEGAL_ENTITY and front.schema is Schema.LEGAL_ENTITY
    assert [a.full for a in front.addresses] == ["Dubai", "Sharjah"]


def test_header_variants_in_either_language() -> None:
    (entity,) = _entities(HERE / "variant_headers.csv")
    assert entity.countries == ("IR",)  # country names are accepted
    assert [n.value for n in entity.names] == ["Test Missile Industries", "TMI", "Test Missile"]


def test_sniff_is_specific(tmp_path: Path) -> None:
    for name in ("shtc_entity_list.csv", "variant_headers.csv"):
        path = HERE / name
        assert [m.NAME for m in _modules() if m.sniff(path, read_head(path))] == ["tw_shtc"]
    english = tmp_path / "x.csv"
    english.write_text("No.,Name,Alias,Address\n1,X,,\n")
    assert not tw_shtc.sniff(english, english.read_bytes())


def _write(tmp_path: Path, data: str | bytes) -> Path:
    path = tmp_path / "shtc.csv"
    path.write_bytes(b"\xef\xbb\xbf" + data.encode() if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(
    ("content", "message", "line", "field"),
    [
        ("", "empty file", 1, None),
        ("項次item,別名alias,地址address\n1,x,y\n", "no name column", 1, None),
        ("項次item,名稱name,別名alias\n", "no entries", 1, None),
        (
            "項次item,名稱name,別名alias,地址address\n1,Good,,\n2,,,Taipei\n",
            "row without a name",
            3,
            "name",
        ),
        ("項次item,名稱name\n1,A,extra,fields\n", "4 fields", 2, None),
        ('項次item,名稱name\n1,"' + "x" * 140000 + '"\n', "malformed CSV", 2, None),  # field limit
    ],
)
def test_malformed_input(
    tmp_path: Path, content: str, message: str, line: int, field: str | None
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(FormatError, match=message) as info:
        tw_shtc.parse([path])
    assert (info.value.file, info.value.line, info.value.field) == (str(path), line, field)


def test_row_with_only_aliases_uses_the_first_alias(tmp_path: Path) -> None:
    result = tw_shtc.parse(
        [_write(tmp_path, "名稱name,別名alias\n,<span   id='alias'>First Alias</span>；Second\n")]
    )
    (entity,) = result.entities
    assert [(n.value, n.kind) for n in entity.names] == [
        ("First Alias", NameKind.PRIMARY),
        ("Second", NameKind.AKA),
    ]
    assert "first alias" in result.warnings[0]


def test_unknown_country_code_is_a_warning(tmp_path: Path) -> None:
    result = tw_shtc.parse([_write(tmp_path, "名稱name,國家代碼country code\nA,QQ;JP\n")])
    assert result.entities[0].countries == ("JP",)
    assert "QQ" in result.warnings[0] and ":2:" in result.warnings[0]


def test_big5_file_is_an_encoding_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "名稱name,別名alias\n華為,x\n".encode("big5"))
    with pytest.raises(FormatError, match="not valid utf-8") as info:
        tw_shtc.parse([path])
    assert info.value.line == 1


def _check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    tw_shtc.sniff(path, data[:65536])
    with contextlib.suppress(InputError):
        tw_shtc.parse([path])


@pytest.mark.timeout(120)
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=1500))
def test_random_bytes_parse_or_raise_input_error(tmp_path: Path, data: bytes) -> None:
    _check(tmp_path / "r.csv", data)


@pytest.mark.timeout(120)
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_mutated_fixture_parses_or_raises_input_error(tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(FIXTURE.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        chunk = data.draw(
            st.binary(max_size=3) | st.sampled_from([b",", b'"', b"\n", b";", "；".encode(), b"<"])
        )
        raw[at : at + 1] = chunk
    _check(tmp_path / "m.csv", bytes(raw))
