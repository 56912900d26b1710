"""BIS Denied Persons List parser: grouping, stable ids, typo dates, malformed input."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import bis_dpl, detect, read_head
from sekisho.model import Schema

HEADER = (
    '"Name"\t"Street_Address"\t"City"\t"State"\t"Country"\t"Postal_Code"\t"Effective_Date"\t'
    '"Expiration_Date"\t"Standard_Order"\t"Last_Update"\t"Action"\t"FR_Citation"'
)


@pytest.fixture
def dpl(fixtures: Path):
    return bis_dpl.parse([fixtures / "lists" / "bis_dpl" / "dpl.txt"])


def test_sniff(fixtures: Path) -> None:
    p = fixtures / "lists" / "bis_dpl" / "dpl.txt"
    assert bis_dpl.sniff(p, read_head(p))
    other = fixtures / "lists" / "us_csl" / "csl_quirks.csv"
    assert not bis_dpl.sniff(other, read_head(other))
    groups, _ = detect([p.parent])
    assert [g.format.NAME for g in groups] == ["bis_dpl"]


def test_rows_grouped_into_parties(dpl) -> None:
    assert dpl.source == "us_bis_dpl" and dpl.published_at is None
    # 6 rows: 3 rows of AIR EXAMPLE LTD (name spacing and case differ) are one party;
    # JANE ROE has two rows with different effective dates, so two orders.
    assert len(dpl.entities) == 4
    air = next(e for e in dpl.entities if e.name == "AIR EXAMPLE LTD")
    assert [a.country for a in air.addresses] == ["IQ", "AE", "JO"]
    assert air.countries == ("IQ", "AE", "JO")
    assert air.listed_on == "2023-10-31" and air.end_date == "2024-10-30"
    assert air.schema is Schema.ORGANIZATION  # legal form in the name
    assert air.properties["federal_register"] == (
        "88 F.R. 30078 5/10/2023",
        "88 F.R.30078 5/10/2023",
    )
    assert air.properties["standard_order"] == ("Y",)
    assert air.properties["action"] == ("TDO RENEWAL", "TDO RENEWAL, F.R. NOTICE ADDED")


def test_leading_space_prison_and_us_default(dpl) -> None:
    ash = next(e for e in dpl.entities if e.name == "I. EXAMPLE")  # leading space dropped
    assert ash.schema is Schema.PERSON  # inmate number in the address
    assert ash.addresses[0].country == "US"  # empty Country, US state TX
    assert ash.addresses[0].region == "TX" and ash.addresses[0].postal_code == "75159"
    assert ash.listed_on == "2003-06-19" and ash.end_date == "2056-06-29"


def test_typo_dates_kept_raw_with_warning(dpl) -> None:
    air = next(e for e in dpl.entities if e.name == "AIR EXAMPLE LTD")
    assert air.properties["last_update_raw"] == ("3033-11-02",)
    assert "3033-11-02" in air.properties["last_update"]
    bad = next(e for e in dpl.entities if e.name == "JANE ROE" and e.listed_on is None)
    assert bad.properties["effective_date_raw"] == ("13/45/2001",)
    assert any("Last_Update '3033-11-02'" in w and "dpl.txt:4" in w for w in dpl.warnings)
    assert any("Effective_Date '13/45/2001'" in w and "dpl.txt:7" in w for w in dpl.warnings)
    unknown = next(e for e in dpl.entities if e.name == "JANE ROE" and e.listed_on)
    assert unknown.schema is Schema.LEGAL_ENTITY  # no type column, no hint: not a guess


def test_ids_stable_and_content_based(dpl, fixtures: Path, tmp_path: Path) -> None:
    ids = [e.id for e in dpl.entities]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("us_bis_dpl:") and len(i) == len("us_bis_dpl:") + 16 for i in ids)
    # Reordered rows (another edition) keep the same ids.
    lines = (fixtures / "lists" / "bis_dpl" / "dpl.txt").read_text().splitlines()
    p = tmp_path / "dpl.txt"
    p.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    assert sorted(e.id for e in bis_dpl.parse([p]).entities) == sorted(ids)


# ---------------------------------------------------------------- malformed input


def _file(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "dpl.txt"
    p.write_text(body)
    return p


def test_wrong_field_count(tmp_path: Path) -> None:
    p = _file(tmp_path, HEADER + '\n"A"\t"B"\n')
    with pytest.raises(FormatError, match="expected 12 tab-separated fields, found 2") as err:
        bis_dpl.parse([p])
    assert err.value.line == 2


def test_wrong_header_empty_garbage_encoding(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="not a DPL header"):
        bis_dpl.parse([_file(tmp_path, "Name,Street\nA,B\n")])
    with pytest.raises(FormatError, match="empty file"):
        bis_dpl.parse([_file(tmp_path, "  \n")])
    with pytest.raises(FormatError, match="no rows"):
        bis_dpl.parse([_file(tmp_path, HEADER + "\n")])
    p = tmp_path / "dpl.txt"
    p.write_bytes(HEADER.encode() + b'\n"A\x81"' + b'\t""' * 11 + b"\n")  # 0x81: no cp1252
    with pytest.raises(FormatError) as err:
        bis_dpl.parse([p])
    assert err.value.line == 2


def test_empty_name(tmp_path: Path) -> None:
    p = _file(tmp_path, HEADER + '\n"  "\t"1 MAIN ST"' + '\t""' * 10 + "\n")
    with pytest.raises(FormatError) as err:
        bis_dpl.parse([p])
    assert (err.value.line, err.value.field) == (2, "Name")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "dpl.txt"
    p.write_bytes(data)
    with contextlib.suppress(InputError):
        bis_dpl.parse([p])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.lists(
            st.sampled_from(["", "X", "01/02/2003", "3033-09-30", "00/00/0000", "TX", "US"]),
            min_size=12,
            max_size=12,
        ),
        max_size=4,
    )
)
def test_header_plus_noise_never_crashes(tmp_path: Path, rows: list[list[str]]) -> None:
    body = "\n".join("\t".join(f'"{c}"' for c in r) for r in rows)
    p = _file(tmp_path, HEADER + "\n" + body + "\n")
    with contextlib.suppress(InputError):
        bis_dpl.parse([p])


# ---------------------------------------------------------------- real file


@pytest.mark.integration
def test_real_dpl(shared_data: Path) -> None:
    p = shared_data / "lists" / "us-bis-denied-persons" / "dpl.txt"
    result = bis_dpl.parse([p])
    # 665 rows → 547 parties (same normalised name and effective date).
    assert len(p.read_text().splitlines()) == 666
    assert len(result.entities) == 547
    assert len({e.id for e in result.entities}) == 547
    assert sum(len(e.addresses) for e in result.entities) == 663  # 2 repeated addresses
    air = next(e for e in result.entities if e.name == "AIR FREIGHT LTD")
    assert len(air.addresses) == 4 and air.listed_on == "2023-10-31"
    garcia = next(e for e in result.entities if e.name == "JOSE ERNESTO GARCIA")
    assert garcia.properties["last_update_raw"] == ("3033-09-30",)
    assert garcia.listed_on == "2022-09-26"
    assert any("3033-09-30" in w for w in result.warnings)
    assert any(e.name == "I. ASH" for e in result.entities)  # leading space dropped
    dahua = next(e for e in result.entities if e.name == "DAHUA ELECTRONICS CORPORATION")
    assert dahua.schema is Schema.ORGANIZATION
