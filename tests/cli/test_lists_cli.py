"""`sekisho lists ...` end to end, in-process: exit codes, messages, an unchanged store on error."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from sekisho.lists.formats import _modules, detect
from sekisho.lists.store import clear_memory_cache, is_non_list_file

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "store"


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    clear_memory_cache()


def copy(tmp_path: Path, name: str, as_name: str | None = None, folder: str = "in") -> Path:
    dest = tmp_path / folder / (as_name or name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIX / name, dest)
    return dest


def store_state(home: Path) -> list[tuple[str, bytes]]:
    root = home / "store"
    if not root.exists():
        return []
    return sorted(
        (str(p.relative_to(root)), p.read_bytes())
        for p in root.rglob("*")
        if p.is_file() and p.name != ".lock"
    )


def test_load_status_show_diff(cli, home: Path, tmp_path: Path) -> None:
    r = cli("lists", "load", copy(tmp_path, "csl_v1.csv"))
    assert r.code == 0, r.stderr
    assert "us_trade_csl" in r.stdout and "EL 1" in r.stdout
    r = cli("lists", "load", copy(tmp_path, "csl_v2.csv"), "--json")
    assert r.code == 0
    [report] = json.loads(r.stdout)["loaded"]
    assert report["became_current"] and report["snapshot"]["entity_count"] == 4

    r = cli("lists", "status", "--json")
    assert r.code == 0
    rows = {s["source"]: s for s in json.loads(r.stdout)}
    # a file without publisher date is as old as its newest listing (2020-12-23 here)
    assert rows["us_trade_csl"]["state"] == "stale" and rows["un_sc"]["state"] == "missing"
    assert rows["us_trade_csl"]["basis"] == "latest listing"
    r = cli("lists", "status")
    assert r.code == 0 and "us_trade_csl" in r.stdout and "missing" in r.stdout

    r = cli("lists", "show", "us_trade_csl:306")
    assert (
        r.code == 0 and "BANCO NACIONAL DE CUBA" in r.stdout and "NATIONAL BANK OF CUBA" in r.stdout
    )
    r = cli("lists", "show", "us_trade_csl:306", "--json")
    assert json.loads(r.stdout)["names"][0]["value"] == "BANCO NACIONAL DE CUBA"

    r = cli("lists", "history", "us_trade_csl")
    assert r.code == 0 and "(current)" in r.stdout and "csl_v2.csv" in r.stdout
    hist = json.loads(cli("lists", "history", "us_trade_csl", "--json").stdout)
    assert [h["files"][0]["name"] for h in hist] == ["csl_v1.csv", "csl_v2.csv"]
    assert cli("lists", "history", "un_sc").code == 2

    r = cli("lists", "diff", "us_trade_csl")
    assert r.code == 0
    assert "added 1  removed 1  changed 1  unchanged 2" in r.stdout
    assert "licence_policy" in r.stdout and "John Doe Exports" in r.stdout
    r = cli("lists", "diff", "us_trade_csl", "--json")
    d = json.loads(r.stdout)
    assert (d["added"], d["removed"], d["changed"]) == (1, 1, 1)
    assert d["changed_entities"][0]["fields"] == ["names", "licence_policy"]
    r = cli("lists", "diff", "us_trade_csl", d["new"][:8], d["old"][:8], "--json")
    assert json.loads(r.stdout)["removed_entities"][0]["id"].endswith("f1f1f1f1")


def test_verify(cli, home: Path, tmp_path: Path) -> None:
    assert cli("lists", "load", copy(tmp_path, "csl_v1.csv")).code == 0
    r = cli("lists", "verify")
    assert r.code == 0 and "ok: 1 snapshot" in r.stdout
    for f in (home / "store" / "snapshots").rglob("entities.jsonl.gz"):
        f.write_bytes(b"broken")
    r = cli("lists", "verify")
    assert r.code == 3 and "does not match its checksum" in r.stderr


def test_reload_reports_unchanged(cli, tmp_path: Path) -> None:
    assert cli("lists", "load", copy(tmp_path, "csl_v1.csv")).code == 0
    r = cli("lists", "load", copy(tmp_path, "csl_v1_reordered.csv"))
    assert r.code == 0 and "unchanged" in r.stdout


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda t: copy(t, "junk.dat"), "junk.dat: no known list format"),
        (lambda t: copy(t, "csl_malformed.csv"), "csl_malformed.csv:3: expected 29 fields"),
        (lambda t: copy(t, "junk.dat", folder="junkdir").parent, "junk.dat: no known list format"),
        (lambda t: _empty(t), "empty.csv: empty file"),
        (lambda t: t / "does-not-exist.csv", "does-not-exist.csv: no such file"),
        (lambda t: _latin1(t), "cp.csv:2"),
    ],
    ids=["junk", "malformed-row", "junk-folder", "empty", "missing", "wrong-encoding"],
)
def test_bad_input_exit_2_store_unchanged(cli, home: Path, tmp_path: Path, make, needle) -> None:
    assert cli("lists", "load", copy(tmp_path, "csl_v1.csv", folder="good")).code == 0
    before = store_state(home)
    r = cli("lists", "load", make(tmp_path))
    assert r.code == 2, (r.stdout, r.stderr)
    assert needle in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1  # one line, no traceback
    assert store_state(home) == before


def _empty(tmp_path: Path) -> Path:
    p = tmp_path / "e" / "empty.csv"
    p.parent.mkdir()
    p.write_bytes(b"")
    return p


def _latin1(tmp_path: Path) -> Path:
    """A CSL file saved in Latin-1 instead of UTF-8."""
    p = tmp_path / "l" / "cp.csv"
    p.parent.mkdir()
    text = (FIX / "csl_v1.csv").read_text().replace("John Doe Exports", "Jöhn Döe Exports")
    lines = text.splitlines(keepends=True)
    lines = [lines[0], lines[3], *lines[1:3], *lines[4:]]  # the non-UTF-8 row on line 2
    p.write_bytes("".join(lines).encode("latin-1"))
    return p


def test_unknown_format_and_source(cli, tmp_path: Path) -> None:
    path = copy(tmp_path, "csl_v1.csv")
    r = cli("lists", "load", path, "--format", "nope")
    assert r.code == 2 and "unknown format 'nope'" in r.stderr
    r = cli("lists", "load", path, "--source", "nonsense")
    assert r.code == 2 and "unknown source 'nonsense'" in r.stderr
    r = cli("lists", "load", path, "--source", "custom_feed")
    assert r.code == 0 and "custom_feed" in r.stdout


def test_skipped_non_list_files_are_noted(cli, tmp_path: Path) -> None:
    path = copy(tmp_path, "csl_v1.csv")
    (path.parent / "PROVENANCE.md").write_text("notes")
    r = cli("lists", "load", path.parent)
    assert r.code == 0 and "skipped (not a list file)" in r.stdout and "PROVENANCE.md" in r.stdout


def test_show_and_diff_errors(cli) -> None:
    r = cli("lists", "show", "us_trade_csl:1")
    assert r.code == 2 and "not loaded" in r.stderr
    r = cli("lists", "diff", "us_trade_csl")
    assert r.code == 2 and "no snapshot" in r.stderr


def test_sources(cli) -> None:
    r = cli("lists", "sources", "--json")
    assert r.code == 0
    ids = {s["id"] for s in json.loads(r.stdout)}
    assert {"us_ofac_sdn", "un_sc", "jp_meti_eul", "tw_shtc"} <= ids
    r = cli("lists", "sources")
    assert r.code == 0 and "scsanctions.un.org" in r.stdout


def test_update_from_mirror(cli, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    copy(tmp_path, "csl_v1.csv", "consolidated.csv", folder="mirror")
    r = cli("lists", "update", "--mirror", mirror, "--source", "us_trade_csl")
    assert r.code == 0, r.stdout + r.stderr
    assert "updated" in r.stdout
    (mirror / "consolidated.csv").write_bytes(b"garbage\x00")
    r = cli("lists", "update", "--mirror", mirror, "--source", "us_trade_csl", "--json")
    assert r.code == 1
    [res] = json.loads(r.stdout)
    assert res["state"] == "failed" and "previous snapshot kept" in res["message"]
    r = cli("lists", "update", "--source", "jp_meti_eul")
    assert r.code == 1 and "no stable download URL" in r.stdout


# ---------------------------------------------------------------------------------------------
# the real lists

# PROVENANCE.md counts per source (entities after grouping rows into parties where a format
# has one row per name or address). Only sources whose parser exists are checked.
EXPECTED = {
    "us_ofac_sdn": 8976,
    "us_ofac_cons": 442,
    "un_sc": 1003,
    "jp_meti_eul": 835,
    "jp_meti_ru": 561,
    "jp_meti_3c": 56,
    "jp_meti_by": 27,
    "uk_ofsi": 41,
    "us_bis_mieu": 13,
    "us_ndaa_889": 5,
}


@pytest.mark.integration
@pytest.mark.slow
def test_load_every_shared_list(cli, shared_data: Path) -> None:
    lists = shared_data / "lists"
    available = {m.NAME for m in _modules()}
    # Folders holding a file no parser claims yet are left out (parsers land one by one).
    folders, missing = [], []
    for folder in sorted(p for p in lists.iterdir() if p.is_dir()):
        _, unclaimed = detect([folder])
        (missing if any(not is_non_list_file(p) for p in unclaimed) else folders).append(folder)
    if missing:
        warnings.warn(f"no parser yet for: {[f.name for f in missing]}", stacklevel=1)
    r = cli("lists", "load", *folders, lists / "PROVENANCE.md", "--json")
    if r.code != 0:
        pytest.fail(f"load failed (formats available: {sorted(available)}): {r.stderr}")
    out = json.loads(r.stdout)
    by_source: dict[str, list[dict]] = {}
    for rep in out["loaded"]:
        by_source.setdefault(rep["source"], []).append(rep)
    for source, count in EXPECTED.items():
        if source in by_source:
            assert by_source[source][-1]["snapshot"]["entity_count"] == count, source
    # The three CSL editions become three snapshots of one source.
    csl = {
        rep["snapshot"]["files"][0]["name"]: rep["snapshot"]["entity_count"]
        for rep in by_source.get("us_trade_csl", [])
    }
    if csl:
        assert csl["csl.csv"] == 4226
        assert csl["consolidated.csv"] == 13
        # 14,160 rows, one a verbatim repeat (CAP 15268) merged by the parser
        assert csl["consolidated.csv.gz"] in (14159, 14160)
        assert sum(n for k, n in by_source["us_trade_csl"][0]["counts"].items() if k) <= 14160
        # editions ordered by newest listing date: 2022-04-21, 2023-07-19 (the 13-row 2025
        # sample), 2023-11-16 (csl.csv, which becomes current)
        assert [r["snapshot"]["files"][0]["name"] for r in by_source["us_trade_csl"]] == [
            "consolidated.csv.gz",
            "consolidated.csv",
            "csl.csv",
        ]
    skipped = {Path(p).name for p in out["skipped"]}
    assert "PROVENANCE.md" in skipped and "20250929_2.pdf" in skipped
    status = {s["source"]: s for s in json.loads(cli("lists", "status", "--json").stdout)}
    for source in by_source:
        assert status[source]["state"] in ("fresh", "stale")
    # OFAC 2021 carries no date (age from the load); the UN file says 2026-02-27.
    if "un_sc" in by_source:
        assert status["un_sc"]["basis"] == "published"
