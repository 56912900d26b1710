"""FollowTheMoney JSON lines: flat and nested exports, names, ids, sanctions, errors with lines."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats import _modules, ftm_json, read_head
from sekisho.model import NameKind, Schema

HERE = Path(__file__).resolve().parents[2] / "fixtures/lists/ftm_json"
FLAT = HERE / "entities.ftm.json"
NESTED = HERE / "targets.nested.json"


def _by_id(path: Path):
    result = ftm_json.parse([path])
    return result, {e.id: e for e in result.entities}


def test_flat_export_parties_only_and_source() -> None:
    result, by_id = _by_id(FLAT)
    assert result.source == "ftm"  # parties from several datasets
    assert list(by_id) == ["ftm:NK-test-person", "ftm:NK-test-company", "ftm:NK-test-vessel"]
    assert [e.schema for e in result.entities] == [Schema.PERSON, Schema.COMPANY, Schema.VESSEL]
    assert result.published_at == "2026-08-02T10:00:00"
    # The nameless LegalEntity is skipped with a warning naming its line; links are skipped.
    assert len(result.warnings) == 1 and ":10:" in result.warnings[0]


def test_names_by_kind_and_script() -> None:
    _, by_id = _by_id(FLAT)
    person = by_id["ftm:NK-test-person"]
    kinds = [(n.value, n.kind) for n in person.names]
    assert kinds == [
        ("Ivan Testov", NameKind.PRIMARY),
        ("Ivan T.", NameKind.AKA),
        ("Иван Тестов", NameKind.NATIVE),
        ("Ivan Oldname", NameKind.FKA),
        ("Vanya", NameKind.WEAK),
    ]
    company = by_id["ftm:NK-test-company"]
    assert company.names[1].value == "测试半导体制造有限公司"
    assert (company.names[1].kind, company.names[1].script) == (NameKind.NATIVE, "Hani")


def test_countries_identifiers_dates_and_properties() -> None:
    _, by_id = _by_id(FLAT)
    person = by_id["ftm:NK-test-person"]
    assert person.countries == ("RU",)  # lower-case → upper; "suhh" is not ISO-2
    assert person.birth_dates == ("1970-05-01", "1971")
    ids = {(i.type, i.value, i.country) for i in person.identifiers}
    assert ids == {
        ("passport", "AB1234567", None),
        ("national_id", "770012345678", None),
        ("tax_id", "7701234567", None),
        ("national_id", "4500123456", "RU"),  # from the Identification record pointing at it
    }
    assert person.programs == ("EU-RUS",)
    assert person.listed_on == "2022-03-01"  # createdAt when no Sanction record
    assert person.remarks == "Test person for fixtures."
    assert person.properties["place_of_birth"] == ("Moscow",)
    assert person.properties["referents"] == ("eu-fsf-eu-1234", "gb-hmt-1234")
    company = by_id["ftm:NK-test-company"]
    assert company.countries == ("CN", "HK")
    assert {(i.type, i.value) for i in company.identifiers} == {
        ("registration", "91310000TEST"),
        ("inn", "7700000000"),
        ("ogrn", "1027700000000"),
        ("swift_bic", "TESTCNSH"),
    }
    vessel = by_id["ftm:NK-test-vessel"]
    assert {(i.type, i.value) for i in vessel.identifiers} == {
        ("imo", "IMO9999999"),
        ("mmsi", "445000000"),
    }
    assert vessel.countries == ("KP",)  # flag


def test_flat_sanctions_and_address_entities_are_joined() -> None:
    _, by_id = _by_id(FLAT)
    company = by_id["ftm:NK-test-company"]
    assert company.programs == ("US-BIS-EL", "Entity List", "NS-CMIC")
    assert company.listed_on == "2020-12-18"  # earliest listingDate/startDate
    assert company.end_date is None
    (address,) = company.addresses
    assert (address.full, address.city, address.country) == (
        "18 Zhangjiang Road, Shanghai, China",
        "Shanghai",
        "CN",
    )


def test_nested_export() -> None:
    result, by_id = _by_id(NESTED)
    assert result.source == "ftm_un_sc_sanctions"  # one dataset for every party
    org = by_id["ftm_un_sc_sanctions:NK-nested-org"]
    assert org.programs == ("UN-SC-IRAN", "Iran sanctions")
    assert (org.listed_on, org.end_date) == ("2008-03-03", "2023-10-18")
    assert org.addresses[0].country == "IR"
    assert [(i.type, i.value, i.country) for i in org.identifiers] == [
        ("registration", "REG-42", "IR")
    ]
    person = by_id["ftm_un_sc_sanctions:NK-nested-person"]
    assert (person.listed_on, person.birth_dates, person.countries) == (
        "2010-06-09",
        ("1965",),
        ("IR",),
    )


def test_sniff_is_specific(tmp_path: Path) -> None:
    for path in (FLAT, NESTED):
        assert [m.NAME for m in _modules() if m.sniff(path, read_head(path))] == ["ftm_json"]
    other = tmp_path / "array.json"
    other.write_text('[{"id": "x", "name": {"english": "y"}}]')
    assert not ftm_json.sniff(other, other.read_bytes())
    plain = tmp_path / "plain.json"
    plain.write_text('{"hello": "world"}\n')
    assert not ftm_json.sniff(plain, plain.read_bytes())
    # A first line longer than the sniffed head is still recognised from its start.
    long_line = json.dumps({"id": "a", "schema": "Person", "properties": {"name": ["x" * 70000]}})
    assert ftm_json.sniff(other, long_line.encode()[:65536])


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "e.ftm.json"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


GOOD = '{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}'


@pytest.mark.parametrize(
    ("content", "message", "line", "field"),
    [
        ("", "empty file", 1, None),
        ("\n\n", "empty file", 1, None),
        (GOOD + "\n{not json\n", "not valid JSON", 2, None),
        (GOOD + "\n" + GOOD[:30], "not valid JSON", 2, None),  # truncated last line
        (GOOD + "\n[1, 2]\n", "one JSON object", 2, None),
        ('{"schema": "Person", "properties": {}}', "without a string id", 1, "id"),
        ('{"id": "a", "properties": {}}', "without a schema", 1, "schema"),
        (
            '{"id": "a", "schema": "Person", "properties": [1]}',
            "properties must be an object",
            1,
            "properties",
        ),
        (GOOD + "\n" + GOOD, "duplicate entity id", 2, "id"),
        (
            '{"id": "a", "schema": "Address", "properties": {"full": ["x"]}}',
            "no party entities",
            None,
            None,
        ),
    ],
)
def test_malformed_lines_name_file_and_line(
    tmp_path: Path, content: str, message: str, line: int | None, field: str | None
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(FormatError, match=message) as info:
        ftm_json.parse([path])
    assert (info.value.file, info.value.line, info.value.field) == (str(path), line, field)


def test_bad_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.encode() + b"\n\xff\xfe\n")
    with pytest.raises(FormatError, match="not valid utf-8") as info:
        ftm_json.parse([path])
    assert info.value.line == 2


def test_odd_property_values_are_tolerated(tmp_path: Path) -> None:
    line = {
        "id": "odd",
        "schema": "Person",
        "properties": {
            "name": "Single String",
            "alias": [1, None, {"x": 1}, "Real Alias"],
            "country": ["zz", 5],
        },
    }
    line["properties"]["identification"] = [{"properties": {"number": ["X1"]}}]  # nested, no schema
    (entity,) = ftm_json.parse([_write(tmp_path, json.dumps(line))]).entities
    assert [n.value for n in entity.names] == ["Single String", "Real Alias"]
    assert entity.countries == ()
    assert [(i.type, i.value) for i in entity.identifiers] == [("national_id", "X1")]


def _check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    ftm_json.sniff(path, data[:65536])
    with contextlib.suppress(InputError):
        ftm_json.parse([path])


@pytest.mark.timeout(120)
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000))
def test_random_bytes_parse_or_raise_input_error(tmp_path: Path, data: bytes) -> None:
    _check(tmp_path / "r.json", data)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.timeout(120)
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_mutated_fixture_parses_or_raises_input_error(tmp_path: Path, data: st.DataObject) -> None:
    lines = [
        json.loads(x)
        for x in NESTED.read_text().splitlines() + FLAT.read_text().splitlines()
        if x.strip()
    ]
    for _ in range(data.draw(st.integers(1, 4))):
        rec = lines[data.draw(st.integers(0, len(lines) - 1))]
        target = rec if data.draw(st.booleans()) else rec.get("properties")
        if not isinstance(target, dict):
            continue
        keys = sorted(target) + ["name", "sanctions", "addressEntity", "id"]
        key = data.draw(st.sampled_from(keys))
        target[key] = data.draw(_JSON)
    raw = "\n".join(json.dumps(x) for x in lines).encode()
    if data.draw(st.booleans()):  # byte-level damage too
        at = data.draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + data.draw(st.binary(max_size=4)) + raw[at + 1 :]
    _check(tmp_path / "m.json", raw)


def test_gzipped_export_and_truncated_gzip(tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "entities.ftm.json.gz"
    packed.write_bytes(gzip.compress(FLAT.read_bytes()))
    assert ftm_json.sniff(packed, read_head(packed))
    assert [e.to_dict() for e in ftm_json.parse([packed]).entities] == [
        e.to_dict() for e in ftm_json.parse([FLAT]).entities
    ]
    cut = tmp_path / "cut.ftm.json.gz"
    cut.write_bytes(packed.read_bytes()[:300])
    with pytest.raises(FormatError, match="corrupt or truncated gzip") as info:
        ftm_json.parse([cut])
    assert info.value.file == str(cut)


def test_caption_is_the_name_of_last_resort(tmp_path: Path) -> None:
    line = {
        "id": "c1",
        "schema": "Company",
        "caption": "Caption Co",
        "properties": {"country": ["cn"]},
    }
    (entity,) = ftm_json.parse([_write(tmp_path, json.dumps(line))]).entities
    assert (entity.name, entity.names[0].kind) == ("Caption Co", NameKind.PRIMARY)
