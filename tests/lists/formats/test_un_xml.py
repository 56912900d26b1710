"""UN SC consolidated XML: names, aliases by quality, DOB forms, documents, safety, real counts."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import _modules, read_head, un_xml
from sekisho.model import NameKind, Schema

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures/lists/un_xml/consolidated.xml"


def _by_id(path: Path = FIXTURE):
    result = un_xml.parse([path])
    return result, {e.id: e for e in result.entities}


def test_counts_ids_and_publication_date() -> None:
    result, by_id = _by_id()
    assert result.source == "un_sc"
    assert result.format == "un_xml"
    assert result.published_at == "2026-02-27T00:00:09.554Z"
    assert list(by_id) == ["un_sc:QDi.901", "un_sc:KPi.902", "un_sc:KPe.903", "un_sc:QDe.904"]
    assert [e.schema for e in result.entities] == [Schema.PERSON] * 2 + [Schema.ORGANIZATION] * 2


def test_names_native_script_and_alias_quality() -> None:
    _, by_id = _by_id()
    person = by_id["un_sc:QDi.901"]
    assert person.name == "ABDUL RAHMAN BIN TESTER"  # FIRST..FOURTH_NAME joined
    kinds = {n.value: (n.kind, n.script) for n in person.names}
    assert kinds["عبد الرحمن"] == (NameKind.NATIVE, "Arab")
    assert kinds["Abu Test"][0] is NameKind.AKA  # Good
    assert kinds["Abdul Rahman Tester"][0] is NameKind.AKA  # a.k.a.
    assert kinds["Tester"][0] is NameKind.WEAK  # Low
    assert kinds["Old Tester"][0] is NameKind.FKA  # f.k.a.
    assert len(person.names) == 6  # the empty <QUALITY/><ALIAS_NAME/> placeholder is skipped
    assert by_id["un_sc:KPi.902"].names[1].script == "Hang"
    entity = by_id["un_sc:KPe.903"]
    assert [n.kind for n in entity.names] == [
        NameKind.PRIMARY,
        NameKind.NATIVE,
        NameKind.AKA,
        NameKind.WEAK,
    ]
    # A "Good" alias written in Arabic script is a native name.
    assert by_id["un_sc:QDe.904"].names[1].kind is NameKind.NATIVE


def test_addresses_countries_and_nationality() -> None:
    _, by_id = _by_id()
    person = by_id["un_sc:QDi.901"]
    first, second = person.addresses
    assert (first.street, first.city, first.country, first.remarks) == (
        "12 Test Street",
        "Pyongyang",
        "KP",
        "as of 2016",
    )
    assert second.country is None and "Atlantis" in (
        second.remarks or ""
    )  # unknown country kept as text
    assert person.countries == ("KP",)
    assert person.properties["nationality"] == ("KP",)
    assert by_id["un_sc:KPe.903"].countries == ("KP", "AE")


def test_dates_of_birth_in_every_form() -> None:
    _, by_id = _by_id()
    person = by_id["un_sc:QDi.901"]
    # EXACT DATE, APPROXIMATELY YEAR, BETWEEN FROM/TO, then the date given with an alias.
    assert person.birth_dates == ("1960-05-01", "1961", "1962/1965", "1958-02-22")
    assert person.properties["dob_approximate"] == ("1961",)
    # EXACT YEAR; EXACT with only a NOTE "Nov. 1973"; an empty TYPE_OF_DATE gives nothing.
    assert by_id["un_sc:KPi.902"].birth_dates == ("1971", "1973-11")
    # xs:date with a time zone, as the real file has for a few LISTED_ON values.
    assert by_id["un_sc:KPi.902"].listed_on == "2016-03-02"
    assert person.properties["place_of_birth"] == ("Kandahar, Afghanistan",)


def test_documents_programs_and_other_fields() -> None:
    _, by_id = _by_id()
    person = by_id["un_sc:QDi.901"]
    passport, national = person.identifiers
    assert (passport.type, passport.value, passport.country, passport.note) == (
        "passport",
        "AB123456",
        "TZ",
        "Expired 28 Nov. 2016",
    )
    assert (national.type, national.value, national.note) == (
        "national_id",
        "DAOMMD74T11Z352Z",
        "Italian Fiscal Code",
    )
    assert person.programs == ("Al-Qaida",)
    assert person.listed_on == "2005-11-01"
    assert person.remarks == "Fixture comment. Second line of the comment."
    assert person.properties["title"] == ("Maulavi",)
    assert person.properties["designation"] == ("Commander", "Financier")
    assert person.properties["gender"] == ("Male",)
    assert person.properties["un_dataid"] == ("9000001",)


def test_content_hash_is_stable() -> None:
    a = un_xml.parse([FIXTURE]).entities
    b = un_xml.parse([FIXTURE]).entities
    assert [e.content_hash for e in a] == [e.content_hash for e in b]


def test_sniff_claims_only_the_un_file(tmp_path: Path) -> None:
    claimed = [m.NAME for m in _modules() if m.sniff(FIXTURE, read_head(FIXTURE))]
    assert claimed == ["un_xml"]
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?><sdnList><sdnEntry/></sdnList>')
    assert not un_xml.sniff(other, other.read_bytes())


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "un.xml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        ("", "empty file", 1),
        (FIXTURE.read_text()[:3000], "malformed XML", None),
        ('<?xml version="1.0"?>\n<export><x/></export>', "root element is <export>", 1),
        ('<?xml version="1.0" encoding="F-8"?>\n<CONSOLIDATED_LIST/>', "malformed XML", None),
        (
            '<?xml version="1.0"?>\n<CONSOLIDATED_LIST dateGenerated="x"><INDIVIDUALS/></CONSOLIDATED_LIST>',
            "no INDIVIDUAL",
            None,
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<CONSOLIDATED_LIST>&a;</CONSOLIDATED_LIST>',
            "DTD",
            2,
        ),
    ],
)
def test_malformed_input_names_file_and_line(
    tmp_path: Path, content: str, message: str, line: int | None
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(FormatError, match=message) as info:
        un_xml.parse([path])
    assert info.value.file == str(path)
    if line is not None:
        assert info.value.line == line
    if message == "malformed XML" and "F-8" not in content:
        assert info.value.line and info.value.line > 1


def test_bad_encoding_is_a_format_error(tmp_path: Path) -> None:
    text = FIXTURE.read_bytes().replace(b"TEST TRADING", b"T\xe9ST TRADING")
    with pytest.raises(FormatError, match="malformed XML") as info:
        un_xml.parse([_write(tmp_path, text)])
    assert info.value.line


def test_record_without_name_is_an_error(tmp_path: Path) -> None:
    xml = (
        "<CONSOLIDATED_LIST><ENTITIES><ENTITY><REFERENCE_NUMBER>QDe.1</REFERENCE_NUMBER>"
        "<FIRST_NAME/></ENTITY></ENTITIES></CONSOLIDATED_LIST>"
    )
    with pytest.raises(FormatError, match="no name"):
        un_xml.parse([_write(tmp_path, xml)])


def _check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    un_xml.sniff(path, data[:65536])
    with contextlib.suppress(InputError):
        un_xml.parse([path])


@pytest.mark.timeout(120)
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=3000))
def test_random_bytes_parse_or_raise_input_error(tmp_path: Path, data: bytes) -> None:
    _check(tmp_path / "r.xml", data)


@pytest.mark.timeout(120)
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_mutated_fixture_parses_or_raises_input_error(tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(FIXTURE.read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(raw)))
        op = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        chunk = data.draw(
            st.binary(min_size=1, max_size=12)
            | st.sampled_from([b"<", b">", b"</", b"&", b"\x00", b"\xff"])
        )
        if op == "delete":
            del raw[at : at + len(chunk)]
        elif op == "insert":
            raw[at:at] = chunk
        else:
            raw[at : at + len(chunk)] = chunk
    _check(tmp_path / "m.xml", bytes(raw))


@pytest.mark.integration
def test_real_un_list(shared_data: Path) -> None:
    path = shared_data / "lists/un-sc-consolidated/UN_consolidated.xml"
    assert un_xml.sniff(path, read_head(path))
    result, by_id = _by_id(path)
    people = [e for e in result.entities if e.schema is Schema.PERSON]
    orgs = [e for e in result.entities if e.schema is Schema.ORGANIZATION]
    assert (len(people), len(orgs), len(result.entities)) == (730, 273, 1003)
    assert result.published_at == "2026-02-27T00:00:09.554Z"
    kakolele = by_id["un_sc:CDi.002"]
    assert kakolele.name == "FRANK KAKOLELE BWAMBALE"
    assert {"FRANK KAKORERE", "AIGLE BLANC"} <= {
        n.value for n in kakolele.names if n.kind is NameKind.AKA
    }
    assert kakolele.countries[0] == "CD"
    saddam = by_id["un_sc:IQi.001"]
    assert [(n.value, n.kind, n.script) for n in saddam.names] == [
        ("SADDAM HUSSEIN AL-TIKRITI", NameKind.PRIMARY, "Latn"),
        ("صدام حسين التكريتي", NameKind.NATIVE, "Arab"),
        ("Abu Ali", NameKind.WEAK, "Latn"),
    ]
    assert (saddam.birth_dates, saddam.countries, saddam.programs) == (
        ("1937-04-28",),
        ("IQ",),
        ("Iraq",),
    )
    komid = by_id["un_sc:KPe.001"]
    assert '"KOMID"' in [n.value for n in komid.names] and komid.addresses[0].country == "KP"
    natives = [e for e in result.entities if any(n.kind is NameKind.NATIVE for n in e.names)]
    assert len(natives) >= 370  # 336 individuals + 42 entities carry NAME_ORIGINAL_SCRIPT
    assert all(any(n.script == "Arab" for n in e.names) for e in natives if e.programs == ("Iraq",))
    dprk = [e for e in result.entities if e.programs == ("DPRK",)]
    assert len(dprk) == 155
    assert sum(1 for e in result.entities for b in e.birth_dates if "/" in b) >= 25  # BETWEEN
    assert all(e.listed_on for e in result.entities)


def test_duplicate_reference_keeps_both_records(tmp_path: Path) -> None:
    entity = "<ENTITY><DATAID>{}</DATAID><FIRST_NAME>{}</FIRST_NAME><REFERENCE_NUMBER>QDe.1</REFERENCE_NUMBER></ENTITY>"
    xml = f"<CONSOLIDATED_LIST><ENTITIES>{entity.format(1, 'A')}{entity.format(2, 'B')}</ENTITIES></CONSOLIDATED_LIST>"
    result = un_xml.parse([_write(tmp_path, xml)])
    assert [e.id for e in result.entities] == ["un_sc:QDe.1", "un_sc:QDe.1#2"]
    assert "appears twice" in result.warnings[0]
