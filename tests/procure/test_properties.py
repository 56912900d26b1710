"""Property tests: random BOM trees never crash check(), and every finding's path is a real
root-to-node path of the BOM; reports render for any result."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sekisho.procure import check, read_bom, report

MAKERS = [
    "Acme Ltd.",
    "Intel Corporation",
    "HiSilicon",
    "海康威视",
    "HIKVISION",
    "Zhejiang Dahua Technology Co., Ltd.",
    "Micron Technology, Inc.",
    "美光",
    "Nedayeh Micron Electronics",
    "ZTE",
    "unknown",
    "",
    "Honor",
    "Yangtze Memory Technologies Co., Ltd.",
    "Kaspersky Lab",
    "Texas Instruments",
    "Hikvision Europe B.V.",
]
BUYERS = [
    "jp-central-government",
    "cn-cii-operator",
    "us-federal-agency",
    "us-federal-contractor",
    "us-usf-recipient",
    "private",
]


@st.composite
def trees(draw) -> dict:
    """A nested CycloneDX component tree of up to ~40 nodes, up to 8 levels deep."""
    counter = iter(range(10_000))

    def node(depth: int) -> dict:
        n = next(counter)
        comp = {"type": "device", "bom-ref": f"c{n}", "name": f"part {n}"}
        maker = draw(st.sampled_from(MAKERS))
        if maker:
            comp["manufacturer"] = {"name": maker}
        props = []
        if draw(st.booleans()):
            props.append(
                {"name": "sekisho:essential", "value": draw(st.sampled_from(["true", "false"]))}
            )
        if draw(st.integers(0, 9)) == 0:
            props.append({"name": "sekisho:exception", "value": "889-waiver"})
        if draw(st.integers(0, 6)) == 0:
            props.append(
                {
                    "name": "sekisho:purpose",
                    "value": draw(st.sampled_from(["office", "public-safety"])),
                }
            )
        if draw(st.integers(0, 5)) == 0:
            props.append(
                {
                    "name": "sekisho:produced",
                    "value": draw(st.sampled_from(["2019-01-01", "2022-06-30"])),
                }
            )
        if props:
            comp["properties"] = props
        if depth < 8:
            kids = draw(st.integers(0, 3 if depth < 3 else 1))
            if kids:
                comp["components"] = [node(depth + 1) for _ in range(kids)]
        return comp

    roots = [node(0) for _ in range(draw(st.integers(1, 3)))]
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": roots}


def _write_csv(path: Path, doc: dict) -> None:
    """Flatten a nested CycloneDX tree into the CSV form (parent, part number, manufacturer...)."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "parent",
                "part number",
                "manufacturer",
                "description",
                "quantity",
                "essential",
                "exception",
                "produced",
                "purpose",
            ]
        )
        stack = [(c, "") for c in reversed(doc["components"])]
        while stack:
            c, parent = stack.pop()
            props = {p["name"]: p["value"] for p in c.get("properties", [])}
            w.writerow(
                [
                    parent,
                    c["bom-ref"],
                    c.get("manufacturer", {}).get("name", ""),
                    c["name"],
                    "1",
                    props.get("sekisho:essential", ""),
                    props.get("sekisho:exception", ""),
                    props.get("sekisho:produced", ""),
                    props.get("sekisho:purpose", ""),
                ]
            )
            stack.extend((k, c["bom-ref"]) for k in reversed(c.get("components", [])))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    doc=trees(), buyer=st.sampled_from(BUYERS), on=st.dates(date(2017, 1, 1), date(2030, 12, 31))
)
def test_random_trees(catalogue, doc: dict, buyer: str, on: date) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bom.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        bom = read_bom(path)
        result = check(bom, catalogue.select(None), buyer, on)
        real_paths = {tuple(bom.parts[j].ref for j in bom.path(i)): i for i in range(len(bom))}
        for f in result.findings:
            assert f.path_refs in real_paths
            node = real_paths[f.path_refs]
            assert f.node == node and f.path_refs[0] in {bom.parts[r].ref for r in bom.roots}
            assert f.path == tuple(bom.parts[j].name for j in bom.path(node))
            assert f.verdict in ("prohibited", "needs_review", "allowed_by_exception")
        for u in result.unchecked:
            assert u.path == tuple(bom.parts[j].name for j in bom.path(u.node))
        if result.verdict == "no_prohibited_content":
            assert not result.unchecked
            assert all(f.verdict == "allowed_by_exception" for f in result.findings)
        assert result.exit_code in (0, 10, 12)
        # the same tree as a flat CSV gives the same findings
        csv_path = Path(tmp) / "bom.csv"
        _write_csv(csv_path, doc)
        via_csv = check(read_bom(csv_path), catalogue.select(None), buyer, on)
        key = lambda r: sorted((f.regime, f.vendor, f.path_refs, f.verdict) for f in r.findings)  # noqa: E731
        assert key(via_csv) == key(result)
        assert via_csv.verdict == result.verdict
        assert report.markdown(result, bom, catalogue.select(None))
        assert "</html>" in report.html_report(result, bom, catalogue.select(None))


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 12),
    edges=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=30),
)
def test_random_dependency_graphs_are_trees_or_clear_errors(
    n: int, edges: list[tuple[int, int]]
) -> None:
    """Any dependency graph either expands to a forest whose paths are real edges, or fails
    with an InputError (cycle) naming the file: never a crash, never a silent loop."""
    from sekisho.errors import InputError

    comps = [
        {"type": "device", "bom-ref": f"r{i}", "name": f"n{i}", "manufacturer": {"name": "Acme"}}
        for i in range(n)
    ]
    deps: dict[str, list[str]] = {}
    for a, b in edges:
        if a < n and b < n and a != b:
            deps.setdefault(f"r{a}", []).append(f"r{b}")
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": comps,
        "dependencies": [{"ref": k, "dependsOn": sorted(set(v))} for k, v in deps.items()],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.json"
        path.write_text(json.dumps(doc))
        try:
            bom = read_bom(path)
        except InputError as exc:
            assert "cyclic BOM" in str(exc) and "g.json" in str(exc)
            return
        edge_set = {(a, b) for a, bs in deps.items() for b in bs}
        for i in range(len(bom)):
            refs = [bom.parts[j].ref for j in bom.path(i)]
            assert all((refs[k], refs[k + 1]) in edge_set for k in range(len(refs) - 1))
        assert {bom.parts[i].ref for i in range(len(bom))} == {f"r{i}" for i in range(n)}
