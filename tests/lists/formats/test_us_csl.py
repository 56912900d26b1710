"""trade.gov CSL parser: quirks (repeated header, truncated row, gz, newlines), real files."""

from __future__ import annotations

import contextlib
import csv
import gzip
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import detect, read_head, us_csl
from sekisho.model import Identifier, NameKind, Schema

HEADER = (
    "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,"
    "start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,"
    "gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,"
    "alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,source_information_url,ids"
)


@pytest.fixture
def csl_dir(fixtures: Path) -> Path:
    return fixtures / "lists" / "us_csl"


@pytest.fixture
def quirks(csl_dir: Path):
    return us_csl.parse([csl_dir / "csl_quirks.csv"])


def ent(result, key: str):
    return next(e for e in result.entities if e.id == f"us_trade_csl:{key}")


def test_sniff(csl_dir: Path, fixtures: Path) -> None:
    for name in ("csl_quirks.csv", "consolidated.csv.gz"):
        p = csl_dir / name
        assert us_csl.sniff(p, read_head(p))
    other = fixtures / "lists" / "ofac_csv" / "sdn.csv"
    assert not us_csl.sniff(other, read_head(other))
    groups, _ = detect([csl_dir])
    assert {g.format.NAME for g in groups} == {"us_csl"}


def test_quirks_reported_rest_kept(quirks) -> None:
    assert quirks.source == "us_trade_csl"
    assert quirks.published_at is None  # latest start_date is not a publication date
    assert len(quirks.entities) == 6
    assert quirks.warnings == [
        "csl_quirks.csv:2: repeated header line skipped",
        # line 10, not 9: the DTC row's name holds an embedded newline
        "csl_quirks.csv:10: last row truncated (8 of 29 fields), skipped",
    ]


def test_gz_same_as_plain(quirks, csl_dir: Path) -> None:
    gz = us_csl.parse([csl_dir / "consolidated.csv.gz"])
    assert gz.warnings == []
    assert [e.content_hash for e in gz.entities] == [e.content_hash for e in quirks.entities]


def test_entity_list_row(quirks) -> None:
    e = ent(quirks, "d05d55fa214aff19c1eb3270d54905e4e362d445")
    assert e.sublist == "EL"
    assert e.schema is Schema.ORGANIZATION
    assert e.name == "Example Technologies Co., Ltd. (ExTech)"
    assert [n.value for n in e.names if n.kind is NameKind.AKA] == [
        "Shenzhen Example Technologies",
        "ExTech",
    ]
    assert e.licence_policy == "Presumption of denial"
    assert e.licence_requirement.startswith("For all items subject to the EAR")
    assert e.properties["federal_register"] == ("84 FR 22963", "85 FR 29853")
    assert e.listed_on == "2019-05-21"
    assert [a.country for a in e.addresses] == ["CN", "HK"]
    assert e.addresses[0].full == "Bantian Example Base, Longgang District, Shenzhen, 518129, CN"
    assert e.countries == ("CN", "HK")
    assert e.properties["source_list_url"] == ("http://bit.ly/1L47xrV",)


def test_sdn_individual_row(quirks) -> None:
    e = ent(quirks, "9935")
    assert e.sublist == "SDN" and e.schema is Schema.PERSON
    assert e.programs == ("SDGT", "IRAN")
    assert e.birth_dates == ("1962-08-06", "1960/1962")
    assert e.properties["nationality"] == ("SD", "CA")
    assert e.properties["citizenship"] == ("CA",)
    assert e.properties["place_of_birth"] == ("Al-Bawgah, Sudan",)
    assert e.properties["gender"] == ("Male",)
    assert e.properties["sanctions_info"] == (
        "Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201",
    )
    assert Identifier("passport", "BC166787", "CA", "2010-01-01 / 2020-01-01") in e.identifiers
    assert set(e.countries) == {"SD", "CA"}
    assert e.linked_to == ("ACME TRADING LLC",)


def test_treasury_non_sdn_id_is_qualified(quirks) -> None:
    ssi = ent(quirks, "SSI-9935")  # same OFAC ent_num as the SDN row, other sub-list
    assert ssi.sublist == "SSI" and ssi.schema is Schema.ORGANIZATION
    # 2022 order "country, number, type" and "value, type"
    assert Identifier("registration", "1027739609391", "RU", "Registration ID") in ssi.identifiers
    assert Identifier("website", "www.roe.example") in ssi.identifiers
    mbs = next(e for e in quirks.entities if e.name == "MBS ROW")
    assert mbs.sublist == "NS-MBS" and mbs.id == "us_trade_csl:aa11"


def test_embedded_newline_and_untyped_rows(quirks) -> None:
    dtc = next(e for e in quirks.entities if e.sublist == "DTC")
    assert dtc.name == "Gaobeidian Example Precise Instrument Co. Ltd"
    assert dtc.schema is Schema.LEGAL_ENTITY  # DTC mixes people and firms, no type given
    assert dtc.properties["federal_register"] == ("Vol. 88, No. 151, 08/08/2023",)
    meu = next(e for e in quirks.entities if e.sublist == "MEU")
    assert meu.schema is Schema.ORGANIZATION
    assert meu.end_date == "2030-12-23"


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("Entity List (EL) - Bureau of Industry and Security", "EL"),
        ("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department", "NS-MBS"),
        ("Military End User (MEU) List - Bureau of Industry and Security", "MEU"),
        ("Capta List (CAP) - Treasury Department", "CAP"),
        ("Denied Persons List - Bureau of Industry and Security", "DPL"),
        ("Something New - Agency", None),
    ],
)
def test_sublist_codes(source: str, code: str | None) -> None:
    assert us_csl.sublist_of(source) == code


def _csl_file(path: Path, rows: list[dict[str, str]]) -> Path:
    cols = HEADER.split(",")
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(cols)
        for row in rows:
            writer.writerow([row.get(c, "") for c in cols])
    return path


def test_duplicate_rows_merge(tmp_path: Path) -> None:
    base = {"_id": "1", "source": "Capta List (CAP) - Treasury Department", "name": "BANK X"}
    p = _csl_file(
        tmp_path / "c.csv",
        [{**base, "source_list_url": "u1"}, {**base, "source_list_url": "u2"}],
    )
    result = us_csl.parse([p])
    assert len(result.entities) == 1
    assert result.entities[0].id == "us_trade_csl:CAP-1"
    assert result.entities[0].properties["source_list_url"] == ("u1", "u2")
    assert "repeats line 2; merged" in result.warnings[0]


def test_unknown_source_kept_and_reported(tmp_path: Path) -> None:
    p = _csl_file(tmp_path / "c.csv", [{"_id": "h1", "source": "New List - Agency", "name": "Z"}])
    result = us_csl.parse([p])
    assert result.entities[0].sublist == "New List - Agency"
    assert result.entities[0].schema is Schema.LEGAL_ENTITY
    assert result.warnings == ["c.csv:2: unknown CSL source 'New List - Agency'; used as sub-list"]


def test_empty_name_is_an_error(tmp_path: Path) -> None:
    p = _csl_file(tmp_path / "c.csv", [{"_id": "1", "source": "x", "name": "ok"}, {"_id": "2"}])
    with pytest.raises(FormatError) as err:
        us_csl.parse([p])
    assert (err.value.line, err.value.field) == (3, "name")


# ---------------------------------------------------------------- malformed input


def test_missing_required_column(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("_id,source,entity_number\n1,x,1\n")
    with pytest.raises(FormatError, match="missing column") as err:
        us_csl.parse([p])
    assert err.value.line == 1


def test_short_row_in_the_middle_is_an_error(tmp_path: Path, csl_dir: Path) -> None:
    lines = (csl_dir / "consolidated.csv.gz").read_bytes()
    text = gzip.decompress(lines).decode().splitlines(keepends=True)
    text.insert(2, '"x","y"\n')
    p = tmp_path / "c.csv"
    p.write_text("".join(text))
    with pytest.raises(FormatError, match="expected 29 fields, found 2") as err:
        us_csl.parse([p])
    assert err.value.line == 3 and err.value.file == str(p)


def test_empty_garbage_bad_encoding(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_bytes(b"")
    with pytest.raises(FormatError, match="empty file"):
        us_csl.parse([p])
    p.write_bytes(b"\x00\x01garbage\xff")
    with pytest.raises(FormatError, match="not valid utf-8"):
        us_csl.parse([p])
    p.write_bytes(f"{HEADER}\n".encode() + b'"1","EL",\xe9\n')
    with pytest.raises(FormatError) as err:
        us_csl.parse([p])
    assert err.value.line == 2
    p.write_text(HEADER + "\n")
    with pytest.raises(FormatError, match="no rows"):
        us_csl.parse([p])


def test_corrupt_gzip(tmp_path: Path, csl_dir: Path) -> None:
    p = tmp_path / "consolidated.csv.gz"
    p.write_bytes((csl_dir / "consolidated.csv.gz").read_bytes()[:200])
    with pytest.raises(FormatError, match="gzip"):
        us_csl.parse([p])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "c.csv"
    p.write_bytes(data)
    with contextlib.suppress(InputError):
        us_csl.parse([p])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(
        st.lists(
            st.sampled_from(["", "x", "CN", "a, b, CN", "1960 to 1962", "Male, Gender", ";"]),
            min_size=29,
            max_size=29,
        ),
        max_size=4,
    )
)
def test_header_plus_noise_never_crashes(tmp_path: Path, cells: list[list[str]]) -> None:
    p = tmp_path / "c.csv"
    p.write_text(HEADER + "\n" + "\n".join(",".join(f'"{c}"' for c in r) for r in cells))
    with contextlib.suppress(InputError):
        us_csl.parse([p])


# ---------------------------------------------------------------- real files

CSL_2022_COUNTS = {
    "SDN": 10026,
    "EL": 2001,
    "DTC": 727,
    "DPL": 462,
    "SSI": 290,
    "UVL": 201,
    "ISN": 163,
    "PLC": 78,
    "MEU": 71,
    "CMIC": 68,
    "CAP": 53,
    "NS-MBS": 17,
    "FSE": 3,
}


@pytest.mark.integration
def test_real_csl_2022(shared_data: Path) -> None:
    p = shared_data / "lists" / "us-trade-csl" / "consolidated.csv.gz"
    result = us_csl.parse([p])
    counts = Counter(e.sublist for e in result.entities)
    # 14,160 rows; one CAP row (ent_num 15268) is listed twice, differing only in its URL,
    # and is merged into one entity with a warning naming both lines.
    assert sum(CSL_2022_COUNTS.values()) == 14160
    assert counts == {**CSL_2022_COUNTS, "CAP": 52}
    assert result.warnings == [
        "consolidated.csv.gz:1980: us_trade_csl:CAP-15268 repeats line 1979; merged"
    ]
    assert len({e.id for e in result.entities}) == len(result.entities) == 14159
    huawei = next(e for e in result.entities if e.name == "Huawei Technologies Co., Ltd. (Huawei)")
    assert huawei.sublist == "EL"
    assert huawei.licence_policy == "Presumption of denial"
    assert "744.11" in huawei.licence_requirement
    assert huawei.addresses[0].country == "CN"
    assert "Huawei Technology" in {n.value for n in huawei.names}
    assert "84 FR 22963" in huawei.properties["federal_register"]
    el = [e for e in result.entities if e.sublist == "EL"]
    assert sum(1 for e in el if e.licence_requirement) > 1900
    assert sum(1 for e in el if "Huawei" in e.name) > 100
    assert sum(1 for e in result.entities if "\n" in e.name) == 0  # embedded newlines cleaned


@pytest.mark.integration
def test_real_csl_2023_quirks(shared_data: Path) -> None:
    p = shared_data / "lists" / "us-trade-csl" / "csl.csv"
    result = us_csl.parse([p])
    assert len(result.entities) == 4226
    assert result.warnings == [
        "csl.csv:2: repeated header line skipped",
        "csl.csv:4233: last row truncated (8 of 29 fields), skipped",
    ]
    counts = Counter(e.sublist for e in result.entities)
    assert counts["EL"] == 919
    assert not any(e.sublist == "EL" and "Huawei" in e.name for e in result.entities)
    telecom = next(e for e in result.entities if e.id == "us_trade_csl:CMIC-30882")
    uscc = next(i for i in telecom.identifiers if i.type == "uscc")
    assert (uscc.value, uscc.country) == ("9111000071093019X7", "CN")
    assert Identifier("isin", "US1694261033") in telecom.identifiers


@pytest.mark.integration
def test_real_csl_2025(shared_data: Path) -> None:
    p = shared_data / "lists" / "us-trade-csl" / "consolidated.csv"
    result = us_csl.parse([p])
    assert len(result.entities) == 13 and result.warnings == []
    assert {e.sublist for e in result.entities} >= {"EL", "SDN", "DPL", "MEU", "UVL", "ISN"}
