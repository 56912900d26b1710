"""Custom block/allow lists (CSV and YAML): fields, sources, validation errors with line and field."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.errors import InputError
from sekisho.lists.formats import _modules, custom_list, detect, read_head
from sekisho.model import NameKind, Schema

HERE = Path(__file__).resolve().parents[2] / "fixtures/lists/custom_list"
HEADER = "id,name,aliases,schema,country,dob,identifiers,address,program,notes\n"


def test_csv_block_list() -> None:
    result = custom_list.parse([HERE / "suppliers_blocked.csv"])
    assert (result.source, result.format) == ("custom_acme_blocked", "custom_list")
    shady, ivan, nameless = result.entities
    assert shady.id == "custom_acme_blocked:B-001"
    assert shady.schema is Schema.COMPANY
    # `;` and full-width `；` both separate aliases; a Chinese alias is a native name.
    assert [(n.value, n.kind) for n in shady.names] == [
        ("Shady Trading FZE", NameKind.PRIMARY),
        ("Shady Trade", NameKind.AKA),
        ("Shady General Trading LLC", NameKind.AKA),
        ("沙迪贸易", NameKind.NATIVE),
    ]
    assert shady.addresses[0].full == "Jebel Ali Free Zone, Dubai"
    assert [(i.type, i.value) for i in shady.identifiers] == [("trade_licence", "12345")]
    assert shady.programs == ("internal-diversion",)
    assert shady.remarks == "Diverted GPUs to a third country, 2024"
    assert ivan.countries == ("RU", "KZ")  # codes and country names
    assert ivan.birth_dates == ("1970-05-01", "1960/1965")
    assert [(i.type, i.value) for i in ivan.identifiers] == [
        ("passport", "AB1234567"),
        ("tax_id", "7701234567"),
    ]
    assert nameless.id == "custom_acme_blocked:nameless-id-holdings"  # id made from the name
    assert nameless.schema is Schema.LEGAL_ENTITY


def test_yaml_allow_list() -> None:
    result = custom_list.parse([HERE / "trusted.yaml"])
    assert result.source == "allow_cleared_partners"
    hotel, norsk, jane = result.entities
    assert hotel.id == "allow_cleared_partners:A-1"
    assert norsk.countries == ("NO",)  # not YAML's boolean False
    assert [n.kind for n in norsk.names] == [NameKind.PRIMARY, NameKind.AKA, NameKind.NATIVE]
    assert [(i.type, i.value, i.country) for i in norsk.identifiers] == [
        ("registration", "999888777", None),
        ("lei", "5493001KJTIIGC8Y1R12", "NO"),
    ]
    assert norsk.programs == ("partner-review",)
    assert jane.birth_dates == ("1980-02-29",)  # kept as text, not a YAML date
    assert jane.countries == ("GB", "US")


def test_csv_without_list_line_is_named_after_the_file(tmp_path: Path) -> None:
    result = custom_list.parse([HERE / "sample_block.csv"])
    assert result.source == "custom_sample_block"
    path = tmp_path / "Our Allow-List.csv"
    path.write_text("# list: vetted kind: allow\nname\nGood Co\n")
    assert custom_list.parse([path]).source == "allow_vetted"


def test_sniff_is_specific(tmp_path: Path) -> None:
    for name in ("suppliers_blocked.csv", "trusted.yaml", "sample_block.csv"):
        path = HERE / name
        assert [m.NAME for m in _modules() if m.sniff(path, read_head(path))] == ["custom_list"]
    other = tmp_path / "transcribed.csv"
    other.write_text("schema,name,aliases,topics,program,authority\nCompany,X,,sanction,,\n")
    assert not custom_list.sniff(other, other.read_bytes())
    yaml_other = tmp_path / "config.yaml"
    yaml_other.write_text("server:\n  port: 80\n")
    assert not custom_list.sniff(yaml_other, yaml_other.read_bytes())
    groups, unclaimed = detect([HERE])
    assert {g.format.NAME for g in groups} == {"custom_list"} and not unclaimed


def _csv(tmp_path: Path, body: str, head: str = HEADER, name: str = "mine.csv") -> Path:
    path = tmp_path / name
    path.write_text(head + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("X1,,alias,Person,CN,,,,,", "name", "missing name"),
        ("X1,Foo,,Robot,CN,,,,,", "schema", "unknown schema"),
        ("X1,Foo,,Company,QQ,,,,,", "country", "not an ISO 3166"),
        ("X1,Foo,,Person,CN,31/12/1970,,,,", "dob", "not ISO 8601"),
        ("X1,Foo,,Person,CN,1970-02-30,,,,", "dob", "not ISO 8601"),
        ("X1,Foo,,Person,CN,1970/1960,,,,", "dob", "not ISO 8601"),
        ("X1,Foo,,Company,CN,,12345,,,", "identifiers", "TYPE:VALUE"),
    ],
)
def test_csv_row_validation_names_line_and_field(
    tmp_path: Path, row: str, field: str, message: str
) -> None:
    path = _csv(tmp_path, "OK1,Good Co,,Company,CN,,,,,\n" + row + "\n")
    with pytest.raises(InputError, match=message) as info:
        custom_list.parse([path])
    assert (info.value.file, info.value.line, info.value.field) == (str(path), 3, field)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty file"),
        ("# list: Bad-Name!\nname\nX\n", 1, "list name"),
        ("# list: Bad Name\nname\nX\n", 1, "first line must be"),
        ("# list: ok kind: maybe\nname\nX\n", 1, "kind"),
        ("# just a comment\nname\nX\n", 1, "first line must be"),
        ("id,nam,schema\n1,X,Company\n", 1, "header must name columns"),
        ("name,name\nX,Y\n", 1, "appears twice"),
        (HEADER + "1,X,,Company\n", 2, "4 fields"),
        (HEADER.strip(), None, "no entities"),
        (HEADER + "1,A,,,,,,,,\n1,B,,,,,,,,\n", 3, "duplicate id"),
    ],
)
def test_csv_file_errors(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    path = _csv(tmp_path, "", head=text)
    with pytest.raises(InputError, match=message) as info:
        custom_list.parse([path])
    assert info.value.file == str(path)
    assert info.value.line == line


def test_bad_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(HEADER.encode() + b"1,Caf\xe9 Test,,,,,,,,\n")
    with pytest.raises(InputError, match="not valid utf-8") as info:
        custom_list.parse([path])
    assert info.value.line == 2


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "list.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("list: x\nentities:\n  - name: A\n  - schema: Person\n", 4, "name", "missing name"),
        ("list: x\nentities:\n  - name: A\n    country: XX\n", 3, "country", "not an ISO 3166"),
        ("list: x\nentities:\n  - name: A\n    dob: 1970-13-01\n", 3, "dob", "not ISO 8601"),
        ("list: x\nentities:\n  - name: A\n    colour: red\n", 3, "colour", "unknown fields"),
        ("list: x\nentities:\n  - name: [A, B]\n", 3, "name", "single text value"),
        ("list: x\nentities:\n  - just text\n", 3, None, "must be a mapping"),
        ("list: x\nentities: nope\n", 2, "entities", "must be a list"),
        ("list: x\nkind: deny\nentities: []\n", 1, "kind", "kind"),
        ("list: x\nentities: []\n", None, None, "no entities"),
        ("list: x\nentities:\n  - name: A\n   bad: indent\n", 4, None, "malformed YAML"),
        ("- a\n- b\n", 1, None, "is a mapping"),
        ("list: x\nowner: me\nentities: []\n", 1, None, "unknown top-level"),
        ("list: !!python/object:os.system x\nentities: []\n", 1, None, "not allowed"),
    ],
)
def test_yaml_errors(
    tmp_path: Path, text: str, line: int | None, field: str | None, message: str
) -> None:
    path = _yaml(tmp_path, text)
    with pytest.raises(InputError, match=message) as info:
        custom_list.parse([path])
    assert (info.value.file, info.value.line, info.value.field) == (str(path), line, field)


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 9)
    ]
    path = _yaml(tmp_path, "\n".join(lines) + "\nlist: x\nentities: *a8\n")
    with pytest.raises(InputError, match="too many values"):
        custom_list.parse([path])


def _check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    custom_list.sniff(path, data[:65536])
    with contextlib.suppress(InputError):
        custom_list.parse([path])


@pytest.mark.timeout(120)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=1500), st.sampled_from(["r.csv", "r.yaml"]))
def test_random_bytes_parse_or_raise_input_error(tmp_path: Path, data: bytes, name: str) -> None:
    _check(tmp_path / name, data)


@pytest.mark.timeout(120)
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_mutated_fixtures_parse_or_raise_input_error(tmp_path: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["suppliers_blocked.csv", "trusted.yaml"]))
    raw = bytearray((HERE / name).read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        chunk = data.draw(
            st.binary(max_size=3)
            | st.sampled_from([b":", b"-", b"[", b",", b'"', b"\n", b"*", b"&"])
        )
        raw[at : at + 1] = chunk
    _check(tmp_path / name, bytes(raw))
