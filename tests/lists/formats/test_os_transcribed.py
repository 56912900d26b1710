"""OpenSanctions transcriptions: five layouts told apart by header, merged designations."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import os_transcribed
from sekisho.model import NameKind


def test_fcc_names_parties_and_skips_categories(fixtures: Path) -> None:
    result = os_transcribed.parse([fixtures / "lists/os_transcribed/fcc_table.csv"])
    assert result.source == "us_fcc_covered"
    names = [[n.value for n in e.names] for e in result.entities]
    assert names == [["Huawei Technologies Company"], ["Pacific Networks Corp", "ComNet (USA) LLC"]]
    assert result.entities[0].listed_on == "2021-03-12"
    assert len(result.warnings) == 1 and "Routers" in result.warnings[0]


def test_dod_rows_of_one_company_merge(fixtures: Path) -> None:
    result = os_transcribed.parse([fixtures / "lists/os_transcribed/dod_1260h.csv"])
    (entity,) = result.entities
    assert entity.name == "Example Aero Co., Ltd"
    assert entity.listed_on == "2021-06-03"
    assert {n.value for n in entity.names if n.kind is NameKind.FKA} == {"Old Example Aero", "OEA"}
    assert entity.linked_to == ("Aviation Parent Corp.",)


def test_cn_native_names_and_lists(fixtures: Path) -> None:
    result = os_transcribed.parse([fixtures / "lists/os_transcribed/cn_sanctions.csv"])
    org, person = result.entities
    assert [n.value for n in org.names if n.kind is NameKind.NATIVE] == ["示例防务系统公司"]
    assert org.programs[:2] == ("UEL", "Ministry of Commerce")
    assert "List of Export Controls" in org.programs
    assert org.listed_on == "2023-02-16"
    assert person.schema.value == "Person"
    assert person.id == "cn_countermeasures:Q1"


def test_wrong_column_count(tmp_path: Path) -> None:
    bad = tmp_path / "mieu.csv"
    bad.write_text("Type,Name,Alias,Country,Topics,Program,Date,End date,Source URL\nOrganization,X,,CU\n")
    with pytest.raises(FormatError, match="mieu.csv:2"):
        os_transcribed.parse([bad])


def test_unknown_header(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match="known transcription layouts"):
        os_transcribed.parse([bad])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=1000))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(b"Type,Name,Alias,Country,Topics,Program,Date,End date,Source URL\n" + data)
    with contextlib.suppress(InputError):
        os_transcribed.parse([path])


@pytest.mark.integration
def test_real_transcriptions(shared_data: Path) -> None:
    base = shared_data / "lists"
    counts = {}
    for path in sorted(base.glob("_transcribed-*/*.csv")):
        result = os_transcribed.parse([path])
        counts[result.source] = len(result.entities)
    assert counts["us_ndaa_889"] == 5
    assert counts["us_bis_mieu"] == 13
    assert counts["us_fcc_covered"] == 12  # 16 rows, 4 of them category rules
    assert 200 < counts["us_dod_1260h"] <= 397
    assert 400 < counts["cn_countermeasures"] <= 610
