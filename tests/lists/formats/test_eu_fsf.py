"""EU Financial Sanctions Files, XML and CSV twin (documented layout; fixtures written by us)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import _modules, eu_fsf, read_head
from sekisho.model import NameKind, Schema

HERE = Path(__file__).resolve().parents[2] / "fixtures/lists/eu_fsf"
XML = HERE / "sanctions.xml"
CSV = HERE / "sanctions.csv"


def _by_id(path: Path = XML):
    result = eu_fsf.parse([path])
    return result, {e.id: e for e in result.entities}


def test_xml_entities_ids_and_schema() -> None:
    result, by_id = _by_id()
    assert (result.source, result.format) == ("eu_fsf", "eu_fsf")
    assert result.published_at == "2026-08-05T16:47:04.449+02:00"
    # euReferenceNumber is the key; the logical id when there is none.
    assert list(by_id) == ["eu_fsf:EU.9001.01", "eu_fsf:EU.9002.02", "eu_fsf:9003"]
    assert [e.schema for e in result.entities] == [
        Schema.PERSON,
        Schema.ORGANIZATION,
        Schema.ORGANIZATION,
    ]


def test_names_strength_and_language() -> None:
    _, by_id = _by_id()
    person = by_id["eu_fsf:EU.9001.01"]
    assert [(n.value, n.kind, n.lang) for n in person.names] == [
        ("Ivan Petrovich Testov", NameKind.PRIMARY, None),
        ("Иван Петрович Тестов", NameKind.NATIVE, "ru"),
        ("Vanya Test", NameKind.WEAK, None),  # strong="false"
    ]
    company = by_id["eu_fsf:EU.9002.02"]
    assert [(n.kind, n.lang) for n in company.names] == [
        (NameKind.PRIMARY, None),
        (NameKind.NATIVE, "ru"),
        (NameKind.AKA, "de"),  # a translation in Latin script is an a.k.a.
    ]
    assert by_id["eu_fsf:9003"].names[1].script == "Hang"


def test_birth_dates_circa_and_places() -> None:
    _, by_id = _by_id()
    person = by_id["eu_fsf:EU.9001.01"]
    assert person.birth_dates == ("1970-05-01", "1969")
    assert person.properties["dob_approximate"] == ("1969",)  # circa="true"
    assert person.properties["place_of_birth"] == ("Moscow, RU",)  # "00"/UNKNOWN dropped
    assert by_id["eu_fsf:9003"].birth_dates == ("1975-07",)  # year + monthOfYear only


def test_identifiers_addresses_citizenship_and_regulations() -> None:
    _, by_id = _by_id()
    person = by_id["eu_fsf:EU.9001.01"]
    assert [(i.type, i.value, i.country, i.note) for i in person.identifiers] == [
        ("passport", "7500123456", "RU", "National passport; (passport)")
    ]
    (address,) = person.addresses
    assert (address.street, address.city, address.postal_code, address.country) == (
        "Tverskaya 1",
        "Moscow",
        "125009",
        "RU",
    )
    assert person.properties["nationality"] == ("RU",)
    assert person.programs == ("UKR",)
    assert person.listed_on == "2022-02-25"  # designationDate
    assert person.remarks == "Test person, fixture only."
    assert person.properties["position"] == ("Deputy Minister of Testing",)
    assert person.properties["regulation"] == ("2022/330 (OJ L53)",)
    company = by_id["eu_fsf:EU.9002.02"]
    assert [a.street for a in company.addresses] == ["Test Street 5, PO Box 12", None]
    assert company.addresses[1].city == "Hong Kong"  # place when no city
    assert company.countries == ("RU", "HK")
    assert company.identifiers[0].type == "registration"
    assert company.listed_on == "2023-06-23"  # no designationDate: earliest regulation date
    unsc = by_id["eu_fsf:9003"]
    assert unsc.properties["un_reference"] == ("KPe.903",)
    assert unsc.programs == ("PRK",)


def test_csv_twin_gives_the_same_entities() -> None:
    xml, _ = _by_id(XML)
    csv_result, _ = _by_id(CSV)
    assert csv_result.published_at == "2026-08-05"  # fileGenerationDate, day first
    assert [e.to_dict() for e in csv_result.entities] == [e.to_dict() for e in xml.entities]
    assert [e.content_hash for e in csv_result.entities] == [e.content_hash for e in xml.entities]


def test_sniff_is_specific(tmp_path: Path) -> None:
    for path in (XML, CSV):
        assert [m.NAME for m in _modules() if m.sniff(path, read_head(path))] == ["eu_fsf"]
    other = tmp_path / "export.xml"
    other.write_text('<?xml version="1.0"?><export xmlns="http://example.com/other"><x/></export>')
    assert not eu_fsf.sniff(other, other.read_bytes())
    semi = tmp_path / "other.csv"
    semi.write_text("Entity_LogicalId;Name\n1;x\n")
    assert not eu_fsf.sniff(semi, semi.read_bytes())


def _write(tmp_path: Path, content: str | bytes, name: str = "eu.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


NS = 'xmlns="http://eu.europa.ec/fpi/fsd/export"'


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        ("", "empty file", 1),
        (XML.read_text()[:2500], "malformed XML", None),
        ('<?xml version="1.0"?>\n<CONSOLIDATED_LIST/>', "root element is <CONSOLIDATED_LIST>", 1),
        (f"<export {NS}></export>", "no sanctionEntity", None),
        (
            f'<!DOCTYPE export [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<export {NS}>&x;</export>',
            "DTD",
            1,
        ),
        (
            f'<export {NS}><sanctionEntity><nameAlias wholeName="A"/></sanctionEntity></export>',
            "without euReferenceNumber",
            None,
        ),
        ("Name;Other\nx;y\n", "not an EU FSF file", 1),
        (f'<?xml version="1.0" encoding="F-8"?>\n<export {NS}/>', "malformed XML", None),
    ],
)
def test_malformed_input(tmp_path: Path, content: str, message: str, line: int | None) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(FormatError, match=message) as info:
        eu_fsf.parse([path])
    assert info.value.file == str(path)
    if line is not None:
        assert info.value.line == line
    if message == "malformed XML" and "F-8" not in content:
        assert info.value.line and info.value.line > 1


def test_csv_row_errors_name_the_line(tmp_path: Path) -> None:
    text = CSV.read_text(encoding="utf-8-sig").splitlines()
    bad = _write(tmp_path, "\n".join([text[0], text[1], "05/08/2026;;EU.X" + ";" * 8]), "eu.csv")
    with pytest.raises(FormatError, match="without Entity_LogicalId") as info:
        eu_fsf.parse([bad])
    assert (info.value.line, info.value.field) == (3, "Entity_LogicalId")
    latin = _write(tmp_path, CSV.read_bytes().replace("Тестов".encode(), b"T\xe9stov"), "latin.csv")
    with pytest.raises(FormatError, match="not valid utf-8") as info:
        eu_fsf.parse([latin])
    assert info.value.line == 3


def test_entity_without_names_is_skipped_with_a_warning(tmp_path: Path) -> None:
    xml = f'<export {NS}><sanctionEntity logicalId="1"/><sanctionEntity logicalId="2"><nameAlias wholeName="B"/></sanctionEntity></export>'
    result = eu_fsf.parse([_write(tmp_path, xml)])
    assert [e.id for e in result.entities] == ["eu_fsf:2"]
    assert result.entities[0].schema is Schema.LEGAL_ENTITY  # no subjectType
    assert "has no name" in result.warnings[0]


def _check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    eu_fsf.sniff(path, data[:65536])
    with contextlib.suppress(InputError):
        eu_fsf.parse([path])


@pytest.mark.timeout(120)
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000))
def test_random_bytes_parse_or_raise_input_error(tmp_path: Path, data: bytes) -> None:
    _check(tmp_path / "r.xml", data)


@pytest.mark.timeout(120)
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_mutated_fixtures_parse_or_raise_input_error(tmp_path: Path, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from([XML, CSV]))
    raw = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(raw)))
        chunk = data.draw(
            st.binary(min_size=1, max_size=8)
            | st.sampled_from([b"<", b'"', b"/>", b";", b"\n", b"&"])
        )
        if data.draw(st.booleans()):
            raw[at : at + len(chunk)] = chunk
        else:
            del raw[at : at + len(chunk)]
    _check(tmp_path / source.name, bytes(raw))


def test_duplicate_reference_keeps_both_records(tmp_path: Path) -> None:
    one = '<sanctionEntity euReferenceNumber="EU.1" logicalId="{}"><nameAlias wholeName="{}"/></sanctionEntity>'
    xml = f"<export {NS}>{one.format(7, 'A')}{one.format(8, 'B')}</export>"
    result = eu_fsf.parse([_write(tmp_path, xml)])
    assert [e.id for e in result.entities] == ["eu_fsf:EU.1", "eu_fsf:EU.1#8"]
    assert "appears twice" in result.warnings[0]


def test_low_quality_remark_makes_a_weak_alias(tmp_path: Path) -> None:
    xml = (
        f'<export {NS}><sanctionEntity logicalId="1"><nameAlias wholeName="Main Name"/>'
        '<nameAlias wholeName="Abu X"><remark>Low quality alias.</remark></nameAlias></sanctionEntity></export>'
    )
    (entity,) = eu_fsf.parse([_write(tmp_path, xml)]).entities
    assert [n.kind for n in entity.names] == [NameKind.PRIMARY, NameKind.WEAK]
