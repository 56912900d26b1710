"""UK OFSI ConList.csv parser: cp1252, 30/29 header, Group ID, DOB parts, multi-values."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import detect, read_head, uk_ofsi
from sekisho.model import Identifier, NameKind, Schema

COLUMNS = (
    "Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,Title,DOB,Town of Birth,Country of Birth,"
    "Nationality,Passport Details,NI Number,Position,Address 1,Address 2,Address 3,Address 4,"
    "Address 5,Address 6,Post/Zip Code,Country,Other Information,Group Type,Alias Type,Regime,"
    "Listed On,Last Updated,Group ID"
)


@pytest.fixture
def uk_dir(fixtures: Path) -> Path:
    return fixtures / "lists" / "uk_ofsi"


def test_sniff(uk_dir: Path, fixtures: Path) -> None:
    for name in ("ConList_extract.csv", "ConList_full.csv"):
        assert uk_ofsi.sniff(uk_dir / name, read_head(uk_dir / name))
    other = fixtures / "lists" / "us_csl" / "csl_quirks.csv"
    assert not uk_ofsi.sniff(other, read_head(other))
    groups, _ = detect([uk_dir])
    assert [g.format.NAME for g in groups] == ["uk_ofsi", "uk_ofsi"]


def test_extract_cp1252_and_30_29_header(uk_dir: Path) -> None:
    result = uk_ofsi.parse([uk_dir / "ConList_extract.csv"])
    assert result.source == "uk_ofsi" and result.published_at is None
    assert len(result.entities) == 2  # 3 rows, 2 Group IDs
    person = next(e for e in result.entities if e.id == "uk_ofsi:13349")
    assert person.schema is Schema.PERSON
    assert person.name == "Sheikh Farooq AL-EXAMPLE"
    assert len(person.names) == 1  # the DOB-variant row repeats the name
    assert person.birth_dates == ("1980", "1981")  # 00/00/1980: year only
    assert person.properties["nationality"] == ("Saudi Arabia", "Qatar")  # "1) ... 2) ..."
    assert set(person.countries) == {"SA", "QA", "AF"}
    assert person.addresses[0].country == "AF"  # "Afghanistan (since 2009)"
    passport = person.identifiers[0]
    assert (passport.type, passport.value) == ("passport", "592667")
    assert passport.note.startswith("Passport No: 592667")
    assert person.listed_on == "2016-04-01"
    assert person.programs == ("The ISIL (Da'esh) and Al-Qaida organisations",)
    battalion = next(e for e in result.entities if e.id == "uk_ofsi:13222")
    assert battalion.schema is Schema.ORGANIZATION
    assert "People\u2019s Republic" in battalion.remarks  # byte 0x92 decoded as cp1252
    assert result.warnings == [
        "ConList_extract.csv: 1 groups have no Prime Alias row; their first name is used"
    ]


def test_full_format(uk_dir: Path) -> None:
    result = uk_ofsi.parse([uk_dir / "ConList_full.csv"])
    assert result.published_at == "2020-02-20"  # "Last Updated,20/02/2020" first line
    assert result.warnings == []
    person = next(e for e in result.entities if e.id == "uk_ofsi:15000")
    kinds = [(n.value, n.kind) for n in person.names]
    assert kinds[0] == ("Ivan Petrovich EXAMPLE", NameKind.PRIMARY)
    assert ("Иван Петрович ЭКЗАМПЛ", NameKind.NATIVE) in kinds
    assert ("Ivan EKZAMPL", NameKind.WEAK) in kinds  # Alias Quality "Low"
    assert ("Ivan OLDNAME", NameKind.FKA) in kinds
    native = next(n for n in person.names if n.kind is NameKind.NATIVE)
    assert native.script == "Cyrl" and native.lang == "Russian"
    assert person.birth_dates == ("1958-08-17", "1957-08-17")
    assert person.properties["place_of_birth"] == (
        "Tirpas-Selong Village, Indonesia",
        "Korleko, Indonesia",
    )
    assert person.properties["nationality"] == ("German", "Moroccan")
    assert set(person.countries) == {"DE", "MA", "RU"}
    assert Identifier("national_id", "1336597587", None, "BPA 1336597587") in person.identifiers
    assert person.properties["title"] == ("General",)
    assert person.properties["position"] == ("Commander",)
    address = person.addresses[0]
    assert address.country == "RU" and address.postal_code == "101000"
    assert address.full == "12 Example Street, Moscow, 101000, Russia"
    ship = next(e for e in result.entities if e.id == "uk_ofsi:13556")
    assert ship.schema is Schema.VESSEL


@pytest.mark.parametrize(
    ("cell", "values"),
    [
        ("(1) German (2) Moroccan", ["German", "Moroccan"]),
        ("1) Saudi Arabia 2) Qatar", ["Saudi Arabia", "Qatar"]),
        ("(1)-(2) Indonesia", ["Indonesia"]),
        ("Afghanistan (since 2009)", ["Afghanistan (since 2009)"]),
        ("", []),
    ],
)
def test_multi_values(cell: str, values: list[str]) -> None:
    assert uk_ofsi.multi(cell) == values


# ---------------------------------------------------------------- malformed input


def test_wrong_field_count(tmp_path: Path) -> None:
    p = tmp_path / "ConList.csv"
    p.write_text(COLUMNS + "\nA,B,C\n")
    with pytest.raises(FormatError, match="expected 29 fields, found 3") as err:
        uk_ofsi.parse([p])
    assert err.value.line == 2


def test_unknown_group_type(tmp_path: Path) -> None:
    row = ["X"] + [""] * 22 + ["Robot", "Prime Alias", "R", "", "", "1"]
    p = tmp_path / "ConList.csv"
    p.write_text(COLUMNS + "\n" + ",".join(row) + "\n")
    with pytest.raises(FormatError, match="unknown Group Type") as err:
        uk_ofsi.parse([p])
    assert (err.value.line, err.value.field) == (2, "Group Type")


def test_header_empty_garbage_encoding(tmp_path: Path) -> None:
    p = tmp_path / "ConList.csv"
    p.write_text("Name,Country\nA,B\n")
    with pytest.raises(FormatError, match="not an OFSI ConList header"):
        uk_ofsi.parse([p])
    p.write_bytes(b"")
    with pytest.raises(FormatError, match="empty file"):
        uk_ofsi.parse([p])
    p.write_text("Last Updated,20/02/2020\n" + COLUMNS + "\n")
    with pytest.raises(FormatError, match="no rows"):
        uk_ofsi.parse([p])
    p.write_bytes(COLUMNS.encode() + b"\n\x81" + b"," * 28 + b"\n")  # 0x81: not cp1252
    with pytest.raises(FormatError) as err:
        uk_ofsi.parse([p])
    assert err.value.line == 2


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
@example(data=b'"')  # a file of one empty quoted cell once crashed the parser (no rows)
def test_random_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "ConList.csv"
    p.write_bytes(data)
    with contextlib.suppress(InputError):
        uk_ofsi.parse([p])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.lists(
            st.sampled_from(["", "X", "00/00/1980", "(1) a (2) b", "Individual", "Ship", "7"]),
            min_size=29,
            max_size=29,
        ),
        max_size=4,
    )
)
def test_header_plus_noise_never_crashes(tmp_path: Path, rows: list[list[str]]) -> None:
    p = tmp_path / "ConList.csv"
    p.write_text(COLUMNS + "\n" + "\n".join(",".join(r) for r in rows) + "\n")
    with contextlib.suppress(InputError):
        uk_ofsi.parse([p])


# ---------------------------------------------------------------- real file


@pytest.mark.integration
def test_real_conlist_extract(shared_data: Path) -> None:
    p = shared_data / "lists" / "uk-ofsi-conlist-partial" / "ConList.csv"
    result = uk_ofsi.parse([p])
    assert len(result.entities) == 41  # 77 rows, 41 Group IDs
    assert result.published_at is None  # the extract lost its "Last Updated" line
    kim = next(e for e in result.entities if e.id == "uk_ofsi:13562")
    assert kim.name == "Kim Kyong IL" and kim.birth_dates == ("1979-08-01",)
    assert any(i.type == "passport" and i.value == "836210029" for i in kim.identifiers)
    assert sum(1 for e in result.entities if e.schema is Schema.PERSON) == 32
    assert any("\u2019" in (e.remarks or "") for e in result.entities)  # cp1252 0x92
