"""BOM readers: CycloneDX 1.6 nesting and dependencies, flat CSV, and every bad-input path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sekisho.errors import FormatError, InputError
from sekisho.procure import read_bom

from .helpers import device, write_cdx


def names_by_path(bom) -> set[tuple[str, ...]]:
    return {tuple(bom.parts[j].name for j in bom.path(i)) for i in range(len(bom))}


def test_cyclonedx_nested_with_metadata_root(procure_fixtures: Path) -> None:
    bom = read_bom(procure_fixtures / "server-hisilicon.cdx.json")
    assert len(bom) == 9
    assert bom.roots == [0] and bom.parts[0].name == "RX-9000 rack server"
    assert (
        "RX-9000 rack server",
        "25GbE network card",
        "Ethernet controller Hi1822",
    ) in names_by_path(bom)
    chip = next(p for p in bom.parts if p.ref == "nic-chip")
    assert chip.manufacturer == "HiSilicon Technologies Co., Ltd."
    assert chip.properties["cdx:device:function"] == "network"
    nic = next(p for p in bom.parts if p.ref == "nic")
    assert nic.supplier == "Acme Servers K.K."
    dimm = next(p for p in bom.parts if p.ref == "dimm")
    assert dimm.quantity == 16
    assert bom.parts[0].part_number == "RX9000-2U"  # cdx:device:sku


def test_cyclonedx_nesting_to_any_depth(tmp_path: Path) -> None:
    depth = 300  # deeper than Python's comfortable recursion for naive readers
    node = device("leaf", "leaf chip", "HiSilicon")
    for i in range(depth):
        node = device(f"n{i}", f"level {i}", "Acme", children=[node])
    bom = read_bom(write_cdx(tmp_path / "deep.json", None, [node]))
    assert len(bom) == depth + 1
    leaf = next(i for i, p in enumerate(bom.parts) if p.ref == "leaf")
    assert len(bom.path(leaf)) == depth + 1


def test_cyclonedx_dependencies_reparent_top_level_components(tmp_path: Path) -> None:
    root = device("box", "Box", "Acme")
    comps = [device("board", "Board", "Acme"), device("chip", "Chip", "ZTE Corporation")]
    deps = [{"ref": "box", "dependsOn": ["board"]}, {"ref": "board", "dependsOn": ["chip"]}]
    bom = read_bom(write_cdx(tmp_path / "b.json", root, comps, dependencies=deps))
    assert names_by_path(bom) == {("Box",), ("Box", "Board"), ("Box", "Board", "Chip")}


def test_shared_part_appears_under_each_parent(tmp_path: Path) -> None:
    root = device("box", "Box", "Acme")
    comps = [
        device("a", "Board A", "Acme"),
        device("b", "Board B", "Acme"),
        device("chip", "Chip", "Acme"),
    ]
    deps = [{"ref": "a", "dependsOn": ["chip"]}, {"ref": "b", "dependsOn": ["chip"]}]
    bom = read_bom(write_cdx(tmp_path / "b.json", root, comps, dependencies=deps))
    paths = names_by_path(bom)
    assert ("Box", "Board A", "Chip") in paths and ("Box", "Board B", "Chip") in paths
    assert len(bom) == 5


def test_cyclonedx_legacy_author_and_brand_properties(tmp_path: Path) -> None:
    comp = {
        "type": "device",
        "name": "cam",
        "author": "Dahua",
        "publisher": "OtherBrand",
        "properties": [
            {"name": "sekisho:oem", "value": "大华"},
            {"name": "cdx:device:prodTimestamp", "value": "2019-05-01T10:00:00Z"},
        ],
    }
    bom = read_bom(write_cdx(tmp_path / "b.json", None, [comp]))
    p = bom.parts[0]
    assert p.manufacturer == "Dahua"
    assert p.other_names == ("OtherBrand", "大华")
    assert p.produced == "2019-05-01"
    assert p.ref == "components[0]"  # no bom-ref: named by its place


def test_cyclonedx_cycle_is_an_error_naming_the_refs(procure_fixtures: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_bom(procure_fixtures / "cyclic-deps.cdx.json")
    msg = str(exc.value)
    assert "cyclic BOM" in msg and "board-a" in msg and "board-b" in msg
    assert "cyclic-deps.cdx.json" in msg


def test_cyclonedx_malformed_json_names_file_and_line(procure_fixtures: Path) -> None:
    with pytest.raises(FormatError) as exc:
        read_bom(procure_fixtures / "malformed.cdx.json")
    assert exc.value.line == 5
    assert "malformed.cdx.json:5" in str(exc.value)


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({"bomFormat": "SPDX"}, "not a CycloneDX BOM"),
        ({"bomFormat": "CycloneDX", "specVersion": "2.0"}, "specVersion"),
        (
            {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "device"}]},
            "components[0]",
        ),
        (
            {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {"a": 1}},
            "components must be an array",
        ),
        (
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "components": [{"name": "x", "bom-ref": "a"}, {"name": "y", "bom-ref": "a"}],
            },
            "duplicate reference 'a'",
        ),
        (
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "components": [{"name": "x", "bom-ref": "a"}],
                "dependencies": [{"ref": "ghost", "dependsOn": ["a"]}],
            },
            "parent 'ghost' is not a part",
        ),
        (
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "components": [{"name": "x", "bom-ref": "a"}],
                "dependencies": [{"ref": "a", "dependsOn": ["a"]}],
            },
            "depends on itself",
        ),
        (
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "components": [
                    {
                        "name": "x",
                        "bom-ref": "a",
                        "properties": [{"name": "sekisho:essential", "value": "maybe"}],
                    }
                ],
            },
            "sekisho:essential must be true or false",
        ),
        ({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}, "no component"),
    ],
)
def test_cyclonedx_bad_input(tmp_path: Path, doc: dict, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as exc:
        read_bom(path)
    assert needle in str(exc.value)
    assert str(path) in str(exc.value)


def test_csv_flat_bom(procure_fixtures: Path) -> None:
    bom = read_bom(procure_fixtures / "server-hisilicon.csv")
    assert len(bom) == 8
    assert (
        "RX-9000 rack server",
        "25GbE network card",
        "Ethernet controller Hi1822",
    ) in names_by_path(bom)
    chip = next(p for p in bom.parts if p.ref == "Hi1822")
    assert chip.manufacturer == "HiSilicon Technologies Co., Ltd." and chip.quantity == 1
    assert chip.where.endswith("server-hisilicon.csv:7")


def test_csv_flexible_headers_and_flags(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text(
        "Parent Part,PN,Mfr,Desc,Qty,Essential,Exception,Brand,Purpose\n"
        ",SYS,Acme,System,1,,,,office\n"
        "SYS,CAM,Zhejiang Dahua Technology Co. Ltd.,Camera module,4,yes,889-waiver,SecureVision,\n",
        encoding="utf-8",
    )
    bom = read_bom(path)
    cam = bom.parts[1]
    assert (
        cam.essential is True
        and cam.exceptions == ("889-waiver",)
        and cam.other_names == ("SecureVision",)
    )
    assert cam.quantity == 4
    assert bom.parts[0].purposes == ("office",)


def test_csv_part_under_two_parents(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text(
        "parent,part number,manufacturer,description,quantity\n,SYS,Acme,System,1\nSYS,A,Acme,Board A,1\n"
        "SYS,B,Acme,Board B,1\nA,X,Acme,Chip,1\nB,X,Acme,Chip,2\n"
    )
    bom = read_bom(path)
    assert {("System", "Board A", "Chip"), ("System", "Board B", "Chip")} <= names_by_path(bom)


@pytest.mark.parametrize(
    ("name", "text", "needle", "line"),
    [
        ("missing-parent.csv", None, "parent 'BRD-9' is not a part", 4),
        ("cyclic.csv", None, "cyclic BOM", None),
        ("self.csv", "parent,part number,manufacturer\nA,A,Acme\n", "its own parent", 2),
        ("qty.csv", "parent,part number,manufacturer,quantity\n,A,Acme,two\n", "quantity 'two'", 2),
        ("nomfr.csv", "parent,part number,description\n,A,x\n", "no 'manufacturer' column", 1),
        ("nopn.csv", "parent,manufacturer\n,Acme\n", "no 'part number'", 1),
        (
            "conflict.csv",
            "parent,part number,manufacturer\n,S,Acme\nS,A,Intel\nS,A,AMD\n",
            "another manufacturer",
            4,
        ),
        ("wide.csv", "parent,part number,manufacturer\n,A,Acme,extra\n", "4 fields", 2),
        ("empty.csv", "", "empty file", None),
    ],
)
def test_csv_bad_input(
    tmp_path: Path,
    procure_fixtures: Path,
    name: str,
    text: str | None,
    needle: str,
    line: int | None,
) -> None:
    path = procure_fixtures / name if text is None else tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(InputError) as exc:
        read_bom(path)
    assert needle in str(exc.value)
    assert name in str(exc.value)
    if line is not None:
        assert exc.value.line == line


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "bom.xml").write_text("<bom/>")
    with pytest.raises(FormatError):
        read_bom(tmp_path / "bom.xml")
    with pytest.raises(InputError, match="not found"):
        read_bom(tmp_path / "nope.json")


def test_csv_in_shift_jis(tmp_path: Path, catalogue) -> None:
    from datetime import date

    from sekisho.procure import check

    path = tmp_path / "sjis.csv"
    path.write_bytes(
        (
            "親品番,品番,メーカー,品名,数量\n,CAM-SYS,株式会社セキュア,監視カメラシステム,1\n"
            "CAM-SYS,MOD-1,海康威視,カメラモジュール,4\n"
        ).encode("cp932")
    )
    bom = read_bom(path)
    assert bom.parts[1].manufacturer == "海康威視" and bom.parts[1].name == "カメラモジュール"
    r = check(bom, catalogue.select(["us-fcc-covered-list"]), "us-usf-recipient", date(2024, 1, 1))
    assert [f.vendor for f in r.findings] == ["hikvision"]


def test_cyclonedx_services_are_parts_with_their_provider(tmp_path: Path) -> None:
    root = device("gw", "Branch gateway", "Acme")
    services = [
        {
            "bom-ref": "wan",
            "name": "International transit",
            "provider": {"name": "China Telecom (Americas) Corp."},
            "services": [{"bom-ref": "dns", "name": "DNS", "provider": {"name": "Acme"}}],
        }
    ]
    deps = [{"ref": "gw", "dependsOn": ["wan"]}]
    bom = read_bom(write_cdx(tmp_path / "s.json", root, [], services=services, dependencies=deps))
    assert names_by_path(bom) == {
        ("Branch gateway",),
        ("Branch gateway", "International transit"),
        ("Branch gateway", "International transit", "DNS"),
    }
    assert bom.parts[1].manufacturer == "China Telecom (Americas) Corp."
