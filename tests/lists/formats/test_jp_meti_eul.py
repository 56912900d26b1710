"""METI End User List xlsx: bilingual cells, native names, aliases, WMD codes, real counts.

The xlsx fixtures are written by tests/fixtures/lists/jp_meti_eul/.make_fixtures.py.
"""

from __future__ import annotations

import contextlib
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import _modules, detect, jp_meti_eul, read_head
from sekisho.model import NameKind

HERE = Path(__file__).resolve().parents[2] / "fixtures/lists/jp_meti_eul"
FIXTURE = HERE / "end_user_list.xlsx"


def _entities(path: Path = FIXTURE):
    return {_by_number(e): e for e in jp_meti_eul.parse([path]).entities}


def _by_number(entity) -> str:
    """The entry's `No.` in METI's edition, as an id-like key for readable assertions."""
    return f"jp_meti_eul:{entity.properties['list_number'][0]}"


def _names(entity, kind: NameKind) -> list[str]:
    return [n.value for n in entity.names if n.kind is kind]


def test_ids_countries_and_programs() -> None:
    result = jp_meti_eul.parse([FIXTURE])
    assert (result.source, result.format, result.warnings) == ("jp_meti_eul", "jp_meti_eul", [])
    by_id = {f"jp_meti_eul:{e.properties['list_number'][0]}": e for e in result.entities}
    assert list(by_id) == [f"jp_meti_eul:{i}" for i in range(1, 9)]  # trailing empty row skipped
    # Ids are keyed by country + name (stable across METI's renumbered editions).
    assert all(e.id.startswith(f"jp_meti_eul:{e.countries[0]}-") for e in result.entities)
    assert len({e.id for e in result.entities}) == len(result.entities)
    assert [e.countries for e in result.entities] == [
        ("AF",),
        ("AE",),
        ("KP",),
        ("CN",),
        ("CN",),
        ("KP",),
        ("RU",),
        ("HK",),
    ]
    first = by_id["jp_meti_eul:1"]
    assert first.programs == ("EUL", "EUL-B", "EUL-C", "EUL-M", "EUL-N", "EUL-CW")
    assert first.properties["wmd_concern"] == ("B", "C", "M", "N")
    assert first.properties["conventional_weapons"] == ("CW",)
    assert first.properties["country_name"] == ("アフガニスタン", "Islamic Republic of Afghanistan")


def test_wmd_code_variants() -> None:
    by_id = _entities()
    assert by_id["jp_meti_eul:2"].properties["wmd_concern"] == ("N",)  # "核\nN " trailing space
    assert by_id["jp_meti_eul:3"].properties["wmd_concern"] == ("M", "N")  # "M、N"
    assert by_id["jp_meti_eul:4"].properties["wmd_concern"] == ("M",)  # "ミサイルM", no newline
    assert by_id["jp_meti_eul:5"].properties["wmd_concern"] == ("N",)  # full-width "Ｎ"
    no_wmd = by_id["jp_meti_eul:6"]
    assert "wmd_concern" not in no_wmd.properties
    assert no_wmd.programs == ("EUL", "EUL-CW")


def test_company_cell_english_and_native_names() -> None:
    by_id = _entities()
    air = by_id["jp_meti_eul:3"]
    assert air.name == "Air Test"
    assert air.names[1].value == "高麗試験航空" and air.names[1].kind is NameKind.NATIVE
    assert air.names[1].script == "Hani"
    glued = by_id["jp_meti_eul:4"]  # native name glued to the English line in full-width brackets
    assert (glued.name, _names(glued, NameKind.NATIVE)) == (
        "Test Technology Co., Ltd.",
        ["試験科技有限公司"],
    )
    wrapped = by_id["jp_meti_eul:5"]  # English name wrapped over two lines
    assert wrapped.name == "Guangzhou Test-Hai Aviation Co., Ltd."
    assert _names(wrapped, NameKind.NATIVE) == ["広州試験航空科技有限公司"]
    # An entry with only a Japanese name: that is the primary name.
    japanese = by_id["jp_meti_eul:6"]
    assert japanese.name == "セソン試験貿易" and japanese.names[0].script == "Jpan"
    # Brackets that hold Latin text stay part of the name; trailing spaces are stripped.
    assert by_id["jp_meti_eul:2"].name == "Delta Test Concern FZE （DTC）"
    assert by_id["jp_meti_eul:8"].name == "TEST HK LIMITED"


def test_alias_cells() -> None:
    by_id = _entities()
    assert _names(by_id["jp_meti_eul:1"], NameKind.AKA) == [
        "Test Base",
        "The Test Group",
        "Test Network",
    ]
    air = by_id["jp_meti_eul:3"]
    assert _names(air, NameKind.AKA) == ["Airtest", "Air-Test"]
    assert _names(air, NameKind.NATIVE) == [
        "高麗試験航空",
        "試験航空",
    ]  # bracketed native alias line
    # A wrapped alias line continues the previous bullet; " ・ " with spaces is still a bullet.
    testmash = by_id["jp_meti_eul:7"]
    assert _names(testmash, NameKind.AKA) == ["Urals Plant of Test Machinery", "JSC Testmash"]
    assert _names(testmash, NameKind.NATIVE) == ["試験機械工場"]
    # A cell without bullets is one alias per line; a blank cell gives none.
    assert _names(by_id["jp_meti_eul:5"], NameKind.AKA) == ["TEST AVIATION CO., LTD"]
    assert len(by_id["jp_meti_eul:8"].names) == 1


def test_formula_without_cached_values_is_numbered_by_row_with_a_warning() -> None:
    result = jp_meti_eul.parse([HERE / "formula_no_cache.xlsx"])
    assert [_by_number(e) for e in result.entities] == ["jp_meti_eul:1", "jp_meti_eul:2", "jp_meti_eul:3"]
    assert len(result.warnings) == 1 and "cached values" in result.warnings[0]


def test_publication_date_from_meti_file_name(tmp_path: Path) -> None:
    copy = tmp_path / "20250929_4.xlsx"
    shutil.copy(FIXTURE, copy)
    assert jp_meti_eul.parse([copy]).published_at == "2025-09-29"
    assert jp_meti_eul.parse([FIXTURE]).published_at is None


def test_sniff_claims_only_the_eul_workbook(tmp_path: Path) -> None:
    assert [m.NAME for m in _modules() if m.sniff(FIXTURE, read_head(FIXTURE))] == ["jp_meti_eul"]
    other = _other_workbook(tmp_path)
    assert not jp_meti_eul.sniff(other, read_head(other))
    pdf = tmp_path / "20250131003-1.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + b"Also Known As Type of WMD" * 10)
    assert not jp_meti_eul.sniff(pdf, read_head(pdf))
    groups, unclaimed = detect([FIXTURE, pdf])
    assert [g.format.NAME for g in groups] == ["jp_meti_eul"] and unclaimed == [pdf]


def _other_workbook(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["Part number", "Description", "Quantity"])
    wb.active.append(["X-1", "bolt", 4])
    path = tmp_path / "bom.xlsx"
    wb.save(path)
    return path


def test_non_eul_workbook_is_a_clear_format_error(tmp_path: Path) -> None:
    path = _other_workbook(tmp_path)
    with pytest.raises(FormatError, match="not a METI End User List workbook") as info:
        jp_meti_eul.parse([path])
    assert info.value.file == str(path)


def test_header_only_workbook_is_an_error(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(
        [
            "No.",
            "国名、地域名\nCountry or Region",
            "企業名､組織名\nCompany or Organization",
            "別名\nAlso Known As",
            "懸念区分\nType of WMD",
        ]
    )
    path = tmp_path / "empty.xlsx"
    wb.save(path)
    with pytest.raises(FormatError, match="no entries"):
        jp_meti_eul.parse([path])


def test_row_without_company_names_the_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(
        ["No.", "Country or Region", "Company or Organization", "Also Known As", "Type of WMD"]
    )
    wb.active.append([1, "中国\nChina", "Good Co", None, "M"])
    wb.active.append([2, "中国\nChina", None, "・alias only", "M"])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    with pytest.raises(FormatError) as info:
        jp_meti_eul.parse([path])
    assert (info.value.line, info.value.field) == (3, "Company or Organization")


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04 truncated zip", b"not a workbook at all", None],
)
def test_broken_files_are_format_errors(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "broken.xlsx"
    if content is None:  # a valid zip that is not a workbook
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("hello.txt", "hi")
    else:
        path.write_bytes(content)
    with pytest.raises(FormatError) as info:
        jp_meti_eul.parse([path])
    assert info.value.file == str(path)


def _check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    jp_meti_eul.sniff(path, data[:65536])
    with contextlib.suppress(InputError):
        jp_meti_eul.parse([path])


@pytest.mark.timeout(120)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000) | st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b))
def test_random_bytes_parse_or_raise_input_error(tmp_path: Path, data: bytes) -> None:
    _check(tmp_path / "r.xlsx", data)


@pytest.mark.timeout(120)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_mutated_workbook_parses_or_raises_input_error(tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(FIXTURE.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at : at + 1] = data.draw(st.binary(min_size=0, max_size=3))
    _check(tmp_path / "m.xlsx", bytes(raw))


@pytest.mark.integration
def test_real_end_user_list(shared_data: Path) -> None:
    folder = shared_data / "lists/jp-meti-end-user-list"
    path = folder / "20250929_4.xlsx"
    groups, unclaimed = detect([folder])
    eul_groups = [g for g in groups if g.format.NAME == "jp_meti_eul"]
    assert [g.paths for g in eul_groups] == [[path]]
    assert all(p.suffix == ".pdf" for p in unclaimed)  # the PDF editions are not claimed by us
    result = jp_meti_eul.parse([path])
    assert len(result.entities) == 835
    assert result.warnings == []
    assert result.published_at == "2025-09-29"
    assert [_by_number(e) for e in result.entities] == [f"jp_meti_eul:{i}" for i in range(1, 836)]
    assert len({e.id for e in result.entities}) == 835
    counts = Counter(c for e in result.entities for c in e.countries)
    assert {k: counts[k] for k in ("IR", "KP", "CN", "PK", "RU", "AE", "HK")} == {
        "IR": 257,
        "KP": 154,
        "CN": 127,
        "PK": 103,
        "RU": 100,
        "AE": 29,
        "HK": 22,
    }
    assert all(len(e.countries) == 1 for e in result.entities)
    assert sum(1 for e in result.entities if "wmd_concern" not in e.properties) == 54
    assert sum(1 for e in result.entities if "EUL-CW" in e.programs) == 240
    by_id = {_by_number(e): e for e in result.entities}
    air_koryo = by_id["jp_meti_eul:300"]
    assert air_koryo.name == "Air Koryo"
    assert _names(air_koryo, NameKind.NATIVE) == ["高麗航空"]
    assert _names(air_koryo, NameKind.AKA) == ["Airkoryo"]
    amroggang = by_id["jp_meti_eul:301"]
    assert "鴨緑江開発銀行" in _names(amroggang, NameKind.NATIVE)
    assert "Amrokkang Development Bank" in _names(amroggang, NameKind.AKA)
    uraltransmash = by_id["jp_meti_eul:774"]
    assert "Aktsionernoe Obshchestvo Uralskiy Zavod Transportnogo Mashinostroeniya" in _names(
        uraltransmash, NameKind.AKA
    )
    natives = sum(1 for e in result.entities for n in e.names if n.kind is NameKind.NATIVE)
    assert natives >= 250


def test_list_on_a_later_sheet_is_found(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "表紙"
    wb.active.append(["外国ユーザーリスト", "2025"])
    sheet = wb.create_sheet("ユーザーリスト")
    sheet.append(
        ["No.", "Country or Region", "Company or Organization", "Also Known As", "Type of WMD"]
    )
    sheet.append([1, "イラン\nIran", "Test Co", "・TC", "核\nN"])
    path = tmp_path / "two_sheets.xlsx"
    wb.save(path)
    assert jp_meti_eul.sniff(path, read_head(path))
    (entity,) = jp_meti_eul.parse([path]).entities
    assert (_by_number(entity), entity.name, entity.countries) == ("jp_meti_eul:1", "Test Co", ("IR",))
