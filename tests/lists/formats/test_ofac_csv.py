"""OFAC legacy CSV parser: quirks, remarks extraction, malformed input, real files."""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import detect, ofac_csv, read_head
from sekisho.lists.formats.ofac_remarks import parse_date_text, parse_remarks
from sekisho.model import Identifier, NameKind, Schema


@pytest.fixture
def ofac_dir(fixtures: Path) -> Path:
    return fixtures / "lists" / "ofac_csv"


@pytest.fixture
def parsed(ofac_dir: Path):
    sdn = ofac_dir / "sdn.csv"
    return ofac_csv.parse([sdn, *ofac_csv.companions(sdn)])


def by_id(result, ent: int):
    return next(e for e in result.entities if e.id == f"us_ofac_sdn:{ent}")


def test_sniff_and_companions(ofac_dir: Path) -> None:
    sdn = ofac_dir / "sdn.csv"
    assert ofac_csv.sniff(sdn, read_head(sdn))
    assert not ofac_csv.sniff(ofac_dir / "add.csv", read_head(ofac_dir / "add.csv"))
    assert [p.name for p in ofac_csv.companions(sdn)] == ["add.csv", "alt.csv", "sdn_comments.csv"]
    # Forced format on a folder: whichever file comes first, the set is one group, and
    # parse() finds the primary by its name.
    groups, unclaimed = detect([ofac_dir], "ofac_csv")
    assert len(groups) == 1 and unclaimed == []
    assert sorted(p.name for p in groups[0].paths) == sorted(
        ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]
    )
    result = ofac_csv.parse(groups[0].paths)
    assert result.files[0].name == "sdn.csv" and len(result.entities) == 6


def test_sniff_needs_name_and_content(tmp_path: Path, ofac_dir: Path) -> None:
    other = tmp_path / "list.csv"
    shutil.copy(ofac_dir / "sdn.csv", other)
    assert not ofac_csv.sniff(other, read_head(other))  # right content, wrong name
    fake = tmp_path / "sdn.csv"
    fake.write_text("name,country\nACME,CN\n")
    assert not ofac_csv.sniff(fake, read_head(fake))  # right name, wrong content


def test_counts_and_quirks(parsed) -> None:
    assert parsed.source == "us_ofac_sdn"
    assert parsed.format == "ofac_csv"
    assert parsed.published_at is None
    assert parsed.warnings == []
    assert len(parsed.entities) == 6  # the trailing Ctrl-Z line is not an entry
    assert [e.schema for e in parsed.entities] == [
        Schema.PERSON,
        Schema.ORGANIZATION,
        Schema.VESSEL,
        Schema.AIRCRAFT,
        Schema.ORGANIZATION,
        Schema.ORGANIZATION,
    ]
    assert all("\x1a" not in (e.remarks or "") for e in parsed.entities)


def test_person_from_remarks(parsed) -> None:
    e = by_id(parsed, 100)
    assert e.name == "DOE, John Michael"
    assert [n.value for n in e.names if n.kind is NameKind.PRIMARY] == ["DOE, John Michael"]
    assert e.properties["name_natural"] == ("John Michael DOE",)
    assert e.programs == ("SDGT", "IRAN")  # split on "] ["
    assert e.birth_dates == ("1951-06-19", "1960/1962")
    assert e.properties["place_of_birth"] == ("Cairo, Egypt",)
    assert e.properties["nationality"] == ("Egypt",)
    assert e.properties["citizenship"] == ("Jordan",)
    assert e.properties["gender"] == ("Male",)
    assert e.properties["title"] == ("Director of ACME",)
    assert Identifier("passport", "1084010", "EG", "issued 01 Jan 2000") in e.identifiers
    assert Identifier("national_id", "12345", "JO", "National ID No") in e.identifiers
    assert Identifier("tax_id", "999-111", "EG", "Tax ID No") in e.identifiers
    assert Identifier("website", "www.example.com") in e.identifiers
    assert Identifier("email", "jd@example.com") in e.identifiers
    assert Identifier("swift_bic", "ABCDEGCX") in e.identifiers
    assert Identifier("crypto_wallet", "1AbcDefGhi", None, "XBT") in e.identifiers
    assert e.linked_to == ("ACME TRADING LLC",)
    # alt.csv names; the remark a.k.a. 'DOE, Johnny' repeats alt.csv and is not added twice
    kinds = {n.value: n.kind for n in e.names}
    assert kinds["DOE, Johnny"] is NameKind.AKA
    assert kinds["SMITH, John"] is NameKind.FKA
    assert kinds["DOE, J."] is NameKind.AKA  # nka → aka
    assert kinds["JD"] is NameKind.AKA  # only in remarks
    assert [n.value for n in e.names].count("DOE, Johnny") == 1
    # countries: addresses ∪ nationality ∪ citizenship, ISO2
    assert set(e.countries) == {"EG", "VG", "JO"}


def test_addresses(parsed) -> None:
    e = by_id(parsed, 100)
    assert len(e.addresses) == 3  # the all-null add.csv row is dropped
    cairo, tortola, atlantis = e.addresses
    assert (cairo.street, cairo.city, cairo.country) == ("12 Nile St", "Cairo", "EG")
    assert tortola.country == "VG"  # "Virgin Islands, British"
    assert atlantis.country is None
    assert atlantis.full == "Somewhere, Atlantis"
    assert "country: Atlantis" in atlantis.remarks and "c/o a friend" in atlantis.remarks


def test_remarks_overflow_joined_mid_word(parsed) -> None:
    e = by_id(parsed, 200)
    assert e.remarks.endswith("Linked To: DOE, John Michael; a.k.a. 'ACME FZE'.")
    assert e.linked_to == ("DOE, John Michael",)
    kinds = {n.value: n.kind for n in e.names}
    assert kinds["ACME FZE"] is NameKind.AKA
    assert kinds["ACME"] is NameKind.WEAK  # alt_remarks says weak
    assert Identifier("registration", "123456", "AE", "Registration ID") in e.identifiers
    assert "name_natural" not in e.properties  # not a person


def test_vessel_and_aircraft(parsed) -> None:
    v = by_id(parsed, 300)
    assert v.properties["call_sign"] == ("9BAB",)
    assert v.properties["flag"] == ("Iran",)
    assert v.properties["vessel_type"] == ("Crude Oil Tanker",)
    assert v.properties["tonnage"] == ("150,000",)
    assert v.properties["vessel_owner"] == ("NITC",)
    assert Identifier("call_sign", "9BAB") in v.identifiers
    assert any(i.type == "imo" and i.value == "9187629" for i in v.identifiers)
    assert any(i.type == "mmsi" and i.value == "572469210" for i in v.identifiers)
    a = by_id(parsed, 400)
    assert any(i.type == "aircraft_msn" and i.value == "1023409321" for i in a.identifiers)
    assert any(i.type == "aircraft_tail_number" and i.value == "EP-ABC" for i in a.identifiers)
    assert a.properties["aircraft_model"] == ("IL76-TD",)


def test_cmic_listing_date(parsed) -> None:
    e = by_id(parsed, 500)
    assert e.listed_on == "2021-06-03"
    assert e.properties["cmic_effective_date"] == ("02 Aug 2021",)
    assert Identifier("isin", "US1694261033") in e.identifiers
    assert Identifier("equity_ticker", "CHA US") in e.identifiers
    assert any(i.type == "uscc" and i.country == "CN" for i in e.identifiers)
    assert e.properties["target_type"] == ("Public Company",)


def test_null_remarks(parsed) -> None:
    e = by_id(parsed, 600)
    assert e.remarks is None
    assert e.addresses[0].city == "Havana" and e.addresses[0].country == "CU"


def test_cons_set_gets_cons_source(tmp_path: Path, ofac_dir: Path) -> None:
    for src, dst in (
        ("sdn.csv", "cons_prim.csv"),
        ("add.csv", "cons_add.csv"),
        ("alt.csv", "cons_alt.csv"),
        ("sdn_comments.csv", "cons_comments.csv"),
    ):
        shutil.copy(ofac_dir / src, tmp_path / dst)
    prim = tmp_path / "cons_prim.csv"
    assert ofac_csv.sniff(prim, read_head(prim))
    result = ofac_csv.parse([prim, *ofac_csv.companions(prim)])
    assert result.source == "us_ofac_cons"
    assert result.entities[0].id == "us_ofac_cons:100"
    assert len(result.files) == 4


def test_missing_companions_warn(tmp_path: Path, ofac_dir: Path) -> None:
    shutil.copy(ofac_dir / "sdn.csv", tmp_path / "sdn.csv")
    result = ofac_csv.parse([tmp_path / "sdn.csv"])
    assert len(result.entities) == 6
    assert len(result.warnings) == 3 and all("not loaded" in w for w in result.warnings)


def test_content_hash_stable(parsed, ofac_dir: Path) -> None:
    again = ofac_csv.parse([ofac_dir / "sdn.csv", *ofac_csv.companions(ofac_dir / "sdn.csv")])
    assert [e.content_hash for e in parsed.entities] == [e.content_hash for e in again.entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19 Jun 1951", "1951-06-19"),
        ("1984", "1984"),
        ("Jan 1959", "1959-01"),
        ("circa 1951", "1950/1952"),
        ("circa 01 Jan 1960", "1959/1961"),
        ("1960 to 1962", "1960/1962"),
        ("01 Jan 1960 to 31 Dec 1962", "1960-01-01/1962-12-31"),
        ("circa 1951-1953", "1951/1953"),
        ("sometime", None),
    ],
)
def test_dob_forms(text: str, expected: str | None) -> None:
    assert parse_date_text(text) == expected


def test_remarks_misc() -> None:
    r = parse_remarks(
        "Nationality of Registration Korea, North; alt. nationality Germany; "
        "Passport L 191609 issued 28 Feb 1996 expires 27 Feb 2001; f.k.a. 'OLD NAME'; "
        "Cedula No. 16247821 (Colombia); Innovation Prize 2001"
    )
    assert r.properties["registration_country"] == ["Korea, North"]
    assert r.properties["nationality"] == ["Germany"] and r.countries == ["DE"]
    assert Identifier("passport", "L 191609", None, "issued 28 Feb 1996 expires 27 Feb 2001") in (
        r.identifiers
    )
    assert ("OLD NAME", NameKind.FKA) in r.aliases
    assert Identifier("national_id", "16247821", "CO", "Cedula No") in r.identifiers
    assert len(r.identifiers) == 2  # "Innovation Prize" is not an INN tax id


# ---------------------------------------------------------------- malformed input


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_wrong_column_count(tmp_path: Path) -> None:
    p = _write(tmp_path, "sdn.csv", b'1,"A",-0- ,"X",-0- \r\n')
    with pytest.raises(FormatError) as err:
        ofac_csv.parse([p])
    assert err.value.file == str(p) and err.value.line == 1
    assert "expected 12 fields, found 5" in str(err.value)


def test_error_names_line_of_bad_row(tmp_path: Path, ofac_dir: Path) -> None:
    data = (ofac_dir / "sdn.csv").read_bytes().replace(b"\x1a", b"") + b'"x","y"\r\n'
    p = _write(tmp_path, "sdn.csv", data)
    with pytest.raises(FormatError) as err:
        ofac_csv.parse([p])
    assert err.value.line == 7


def test_bad_companion_row(tmp_path: Path, ofac_dir: Path) -> None:
    shutil.copy(ofac_dir / "sdn.csv", tmp_path / "sdn.csv")
    _write(tmp_path, "alt.csv", b'100,1,"aka","X",-0- \r\n100,2,"bogus","Y",-0- \r\n')
    with pytest.raises(FormatError) as err:
        ofac_csv.parse([tmp_path / "sdn.csv", tmp_path / "alt.csv"])
    assert err.value.line == 2 and err.value.field == "alt_type"


def test_non_numeric_ent_num(tmp_path: Path) -> None:
    row = b'abc,"A",-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    with pytest.raises(FormatError, match="ent_num"):
        ofac_csv.parse([_write(tmp_path, "sdn.csv", row)])


def test_garbage_and_empty(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="empty file"):
        ofac_csv.parse([_write(tmp_path, "sdn.csv", b"\x1a\r\n")])
    with pytest.raises(FormatError):
        ofac_csv.parse([_write(tmp_path, "sdn.csv", b"<html><body>Not found</body></html>")])


def test_bad_encoding(tmp_path: Path) -> None:
    row = b'1,"A\x81B",-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'  # 0x81: not cp1252
    with pytest.raises(FormatError) as err:
        ofac_csv.parse([_write(tmp_path, "sdn.csv", row)])
    assert err.value.line == 1 and "0x81" in str(err.value)


def test_duplicate_ent_num(tmp_path: Path) -> None:
    row = b'1,"A",-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    with pytest.raises(FormatError, match="appears twice") as err:
        ofac_csv.parse([_write(tmp_path, "sdn.csv", row * 2)])
    assert err.value.line == 2


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "sdn.csv"
    p.write_bytes(data)
    with contextlib.suppress(InputError):
        ofac_csv.parse([p])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.lists(
            st.sampled_from(['"x"', "-0- ", "1", '""', "] [", "'a.k.a.'", "DOB 1 Jan"]), max_size=14
        ),
        max_size=5,
    )
)
def test_csv_shaped_noise_never_crashes(tmp_path: Path, rows: list[list[str]]) -> None:
    p = tmp_path / "sdn.csv"
    p.write_text("\r\n".join(",".join(["7", *r]) for r in rows))
    with contextlib.suppress(InputError):
        ofac_csv.parse([p])


# ---------------------------------------------------------------- real files


def _rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("cp1252").replace("\x1a", "")
    return [r for r in csv.reader(io.StringIO(text)) if r]


@pytest.mark.integration
def test_real_sdn(shared_data: Path) -> None:
    folder = shared_data / "lists" / "us-ofac-sdn"

    groups, _ = detect([folder])
    assert [g.format.NAME for g in groups] == ["ofac_csv"]
    result = ofac_csv.parse(groups[0].paths)
    assert result.source == "us_ofac_sdn" and result.warnings == []
    ents = {e.id: e for e in result.entities}
    assert len(ents) == 8976
    # 13,837 add.csv rows, of which 2,397 are all-null (-0- everywhere) and carry no address.
    assert len(_rows(folder / "add.csv")) == 13837
    assert sum(len(e.addresses) for e in ents.values()) == 13837 - 2397
    # 11,910 alt.csv rows; every one is among its entity's names (6 repeat another name).
    alt_rows = _rows(folder / "alt.csv")
    assert len(alt_rows) == 11910
    for row in alt_rows:
        wanted = " ".join(row[3].split()).casefold()  # names are whitespace-normalised
        assert any(n.value.casefold() == wanted for n in ents[f"us_ofac_sdn:{row[0]}"].names)
    assert sum(1 for e in ents.values() for n in e.names if n.kind is NameKind.PRIMARY) == 8976
    # 5 remark overflows joined
    assert len(_rows(folder / "sdn_comments.csv")) == 5
    assert "Linked To: R D I S.A." in ents["us_ofac_sdn:12300"].remarks
    assert "LAZARUS GROUP" in ents["us_ofac_sdn:28263"].linked_to
    # spot check: an individual with DOB and passport from remarks
    nasrallah = ents["us_ofac_sdn:2686"]
    assert nasrallah.schema is Schema.PERSON
    assert "1960-08-31" in nasrallah.birth_dates
    assert Identifier("passport", "042833", "LB") in nasrallah.identifiers
    assert nasrallah.linked_to == ("HIZBALLAH",)
    assert nasrallah.properties["name_natural"] == ("Hasan NASRALLAH",)
    assert sum(1 for e in ents.values() if e.birth_dates) > 4000
    assert sum(1 for e in ents.values() for i in e.identifiers if i.type == "passport") > 1400
    assert sum(1 for e in ents.values() if e.schema is Schema.VESSEL) == 406
    assert sum(1 for e in ents.values() if e.schema is Schema.AIRCRAFT) == 277


@pytest.mark.integration
def test_real_cons(shared_data: Path) -> None:
    prim = shared_data / "lists" / "us-ofac-consolidated-non-sdn" / "cons_prim.csv"
    result = ofac_csv.parse([prim, *ofac_csv.companions(prim)])
    assert result.source == "us_ofac_cons" and result.warnings == []
    assert len(result.entities) == 442
    huawei = next(e for e in result.entities if e.name == "HUAWEI TECHNOLOGIES CO., LTD.")
    assert "CMIC-EO13959" in huawei.programs
    assert huawei.listed_on is not None  # "Listing Date (CMIC)"
    assert sum(1 for e in result.entities for i in e.identifiers if i.type == "isin") > 100


def test_empty_name(tmp_path: Path) -> None:
    row = b'1,-0- ,-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    with pytest.raises(FormatError) as err:
        ofac_csv.parse([_write(tmp_path, "sdn.csv", row)])
    assert (err.value.line, err.value.field) == (1, "SDN_Name")
