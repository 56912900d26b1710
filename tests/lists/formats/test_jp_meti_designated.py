"""METI designation lists in PDF-text form: entry splitting, aliases, addresses, real counts."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import detect, jp_meti_designated
from sekisho.model import NameKind


def _parse(path: Path):
    return jp_meti_designated.parse([path])


def test_fixture_entries_names_and_addresses(fixtures: Path) -> None:
    result = _parse(fixtures / "lists/jp_meti_designated/third_countries.pdf.txt")
    assert result.source == "jp_meti_3c"
    assert result.published_at == "2025-09-12"
    assert [e.id for e in result.entities] == [f"jp_meti_3c:{i}" for i in range(1, 5)]
    first, second, third, fourth = result.entities
    assert first.name == "Sample Trading LLC"
    assert [n.value for n in first.names if n.kind is NameKind.AKA] == ["Sample Trade", "Sample Trading Co"]
    assert first.countries == ("AE",)
    assert first.listed_on == "2023-12-15"
    # Entry 2 was glued to the end of entry 1's address (page break).
    assert second.name == "Test Industries JSC"
    assert {n.value for n in second.names} >= {"株式会社テスト", "テスト商会", "TEST"}
    assert second.countries == ("TR", "CN")
    # Japanese and English glued on one line; spaced 所 在 地.
    assert third.name == "Crocus Sample Electronics"
    assert third.countries == ("RU",)
    # 別称: list with ;-separated aliases wrapped across lines.
    aliases = {n.value for n in fourth.names}
    assert {"シェンジェン・イースト", "Eastech Sample Ltd", "Shenzhen East Sample Limited"} <= aliases


def test_detected_by_content(fixtures: Path) -> None:
    groups, unclaimed = detect([fixtures / "lists/jp_meti_designated"])
    assert [g.format.NAME for g in groups] == ["jp_meti_designated"]
    assert not unclaimed


def test_missing_entries_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.pdf.txt"
    bad.write_text("外務省告示\n指定日：2023年1月1日\n最終更新日：2023年1月1日\n所在地：nowhere\n")
    with pytest.raises(FormatError, match="no numbered entries"):
        _parse(bad)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "random.txt"
    path.write_bytes(data)
    with contextlib.suppress(InputError):
        _parse(path)


@pytest.mark.integration
@pytest.mark.parametrize(
    ("name", "source", "count"),
    [
        ("250912_list_russia_tokutei.pdf.txt", "jp_meti_ru", 561),
        ("250912_list_daisangoku_tokutei.pdf.txt", "jp_meti_3c", 56),
        ("list_belarus_tokutei.pdf.txt", "jp_meti_by", 27),
    ],
)
def test_real_lists(shared_data: Path, name: str, source: str, count: int) -> None:
    result = _parse(shared_data / "lists/jp-meti-russia-designated" / name)
    assert result.source == source
    assert len(result.entities) == count
    assert all(e.addresses for e in result.entities)
    assert sum(1 for e in result.entities if e.countries) >= count - 2
    assert all(any(n.kind is NameKind.NATIVE for n in e.names) for e in result.entities)
