"""Spark batch screening (local[2]) gives exactly what the single-process Screener gives."""

from __future__ import annotations

import csv
import json
import pickle
from pathlib import Path

import pytest

from sekisho.lists.store import Store
from sekisho.screen.party import Screener
from sekisho.screen.partyio import make_party, result_json
from sekisho.settings import Settings

pytest.importorskip("pyspark")

from sekisho.scale import screen_job  # noqa: E402
from sekisho.scale.screen_job import run_screen, screen_partition  # noqa: E402

pytestmark = pytest.mark.slow

LIST_FILES = [
    "ofac_csv",  # the whole folder: sdn + add + alt + comments
    "un_xml/consolidated.xml",
    "us_csl/consolidated.csv.gz",
    "os_transcribed/dod_1260h.csv",
    "custom_list/suppliers_blocked.csv",
]
HEADER = ["id", "name", "country", "schema", "dob", "identifier"]
NEGATIVES = ["Totally Unrelated Bakery", "Nordic Shipping Partners", "Smith & Sons Plumbing",
             "Kyoto Ceramics Cooperative", "Maria Gonzalez"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, fixtures_dir: Path) -> Store:
    """A store holding several of our fixture lists (they are old, hence stale)."""
    home = tmp_path_factory.mktemp("home")
    store = Store.open(Settings.load(home=home))
    store.load([fixtures_dir / "lists" / f for f in LIST_FILES])
    return store


@pytest.fixture(scope="module")
def fixtures_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "fixtures"


def _parties(store: Store) -> list[dict[str, str]]:
    """Every listed name as given, reordered and upper-cased, some with evidence; negatives."""
    rows: list[dict[str, str]] = []
    for ent in store.current_entities():
        for i, n in enumerate(ent.names[:3]):
            rows.append({"name": n.value})
            words = n.value.replace(",", " ").split()
            if len(words) > 1 and i == 0:
                rows.append({"name": " ".join(reversed(words)).upper(),
                             "country": (ent.countries or [""])[0],
                             "schema": ent.schema.value})
        for ident in ent.identifiers[:1]:
            rows.append({"name": ent.name + " x", "identifier": f"{ident.type}:{ident.value}"})
        for dob in ent.birth_dates[:1]:
            rows.append({"name": ent.name, "dob": dob[:4], "schema": "Person"})
            rows.append({"name": ent.name, "dob": "1900", "schema": "Person"})
    rows += [{"name": n, "country": "JP"} for n in NEGATIVES]
    for i, r in enumerate(rows):
        r["id"] = f"p{i}"
    return rows


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in HEADER})
    return path


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _expected(screener: Screener, rows: list[dict[str, str]]) -> list[dict]:
    out = []
    for n, r in enumerate(rows, start=2):  # line 1 is the header
        exp = result_json(screener.screen(make_party(r)), r["id"])
        exp.update(row=n, error=None)
        out.append(exp)
    return out


def test_jsonl_output_equals_local_screener(spark, loaded: Store, tmp_path: Path):
    rows = _parties(loaded)
    src = _write_csv(tmp_path / "parties.csv", rows)
    screener = Screener(loaded)
    report = run_screen(spark, src, tmp_path / "out.jsonl", screener=screener, partitions=3)
    got = _read_jsonl(tmp_path / "out.jsonl")
    assert report.rows == len(rows) == len(got) and report.partitions == 3
    assert report.bad_rows == 0
    assert got == _expected(screener, rows)  # same hits, same scores, same order as the input
    assert sum(1 for g in got if g["hits"]) > len(rows) // 2  # the listed names are found
    assert not any(g["hits"] for g in got if g["name"] in NEGATIVES)
    # the fixture lists are years old: every row is review and says why
    assert report.problems and all(g["problems"] == report.problems for g in got)
    assert {g["outcome"] for g in got} == {"review"}
    assert report.snapshots == sorted(s.id for s in loaded.current_snapshots().values())
    assert not list(tmp_path.glob(".out.jsonl.tmp*"))


def test_parquet_in_and_out(spark, loaded: Store, tmp_path: Path):
    import pandas as pd

    rows = _parties(loaded)[:40]
    frame = pd.DataFrame([{**{k: r.get(k) or None for k in HEADER},
                           "identifier": [r["identifier"]] if r.get("identifier") else []}
                          for r in rows])
    frame.to_parquet(tmp_path / "in.parquet")
    screener = Screener(loaded)
    run_screen(spark, tmp_path / "in.parquet", tmp_path / "out.parquet", screener=screener)
    got = pd.read_parquet(tmp_path / "out.parquet").sort_values("row")
    assert list(got["row"]) == list(range(1, len(rows) + 1))
    for (_, g), r in zip(got.iterrows(), rows, strict=True):
        exp = result_json(screener.screen(make_party(r)), r["id"])
        assert g["id"] == exp["id"] and g["outcome"] == exp["outcome"]
        hits = [{k: h[k] for k in ("entity_id", "source", "sublist", "schema", "name",
                                   "matched_name", "score", "explanation")} for h in g["hits"]]
        assert hits == exp["hits"]
        assert list(g["problems"]) == exp["problems"]
        assert list(g["snapshots"]) == exp["snapshots"]
    # a second run replaces the dataset folder as a whole
    run_screen(spark, tmp_path / "in.parquet", tmp_path / "out.parquet", screener=screener)
    assert len(pd.read_parquet(tmp_path / "out.parquet")) == len(rows)


def test_fails_closed_without_lists(spark, tmp_path: Path):
    empty = Store.open(Settings.load(home=tmp_path / "empty"))
    src = _write_csv(tmp_path / "p.csv", [{"id": "a", "name": "Huawei Technologies"},
                                          {"id": "b", "name": "Bakery"}])
    report = run_screen(spark, src, tmp_path / "o.jsonl", screener=Screener(empty))
    got = _read_jsonl(tmp_path / "o.jsonl")
    assert [g["id"] for g in got] == ["a", "b"]
    for g in got:
        assert g["outcome"] == "review" and g["hits"] == []
        assert any("no list snapshot" in p for p in g["problems"])
    assert report.flagged == 2 and report.outcomes == {"review": 2}


def test_bad_rows_are_reported_never_dropped(spark, loaded: Store, tmp_path: Path):
    src = tmp_path / "bad.csv"
    lines = [
        "id,name,country,schema,dob,identifier",
        "ok1,ACME TRADING LLC,AE,,,",  # 2
        "e1,,,,,",  # 3 empty name
        "e2,Foo Ltd,Atlantis,,,",  # 4 unknown country
        "e3,Foo Ltd,,Spaceship,,",  # 5 unknown schema
        "e4,Foo Ltd,,,May 1970,",  # 6 bad date
        "e5,Foo Ltd,,,,passport",  # 7 identifier without a type
        "e6,Foo,Ltd,,,,,",  # 8 too many fields
        'e7,"Foo Ltd,,,,',  # 9 quote never closed
        "",  # 10 blank: not a record
        "ok2,Totally Unrelated Bakery,,,,",  # 11
    ]
    data = ("\n".join(lines) + "\n").encode() + b"e8,Caf\xe9 Ltd,,,,\n"  # 12 not UTF-8
    data += b'e9,"Two\nLine Ltd",,,,\n'  # 13-14: a value over two lines
    data += "e10,People\ufffds Army,,,,\n".encode()  # 15: U+FFFD: damaged text
    src.write_bytes(data)
    screener = Screener(loaded)
    report = run_screen(spark, src, tmp_path / "bad.jsonl", screener=screener)
    got = _read_jsonl(tmp_path / "bad.jsonl")
    assert [g["row"] for g in got] == [2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15]
    bad = {g["row"]: g for g in got if g["error"]}
    assert sorted(bad) == [3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15]
    assert report.bad_rows == 11 and [r for r, _ in report.bad_examples] == sorted(bad)
    assert "spans lines" in bad[13]["error"] and "spans lines" in bad[14]["error"]
    for row, g in bad.items():
        assert g["outcome"] == "review" and g["hits"] == []
        assert f"bad.csv:{row}" in g["error"] and g["problems"][-1].startswith(f"row {row}: ")
        assert g["problems"][:-1] == screener.problems and g["snapshots"] == screener.snapshots
    assert "'name'" in bad[3]["error"] and "Atlantis" in bad[4]["error"]
    assert "8 fields" in bad[8]["error"] and "UTF-8" in bad[12]["error"]
    assert "U+FFFD" in bad[15]["error"] and bad[15]["id"] == "15"
    assert bad[3]["id"] == "e1" and bad[12]["id"] == "12"  # undecodable row: id from row
    good = {g["id"]: g for g in got if not g["error"]}
    assert [h["entity_id"] for h in good["ok1"]["hits"]][:1] == ["us_ofac_sdn:200"]


def test_jsonl_input_line_numbers(spark, loaded: Store, tmp_path: Path):
    src = tmp_path / "p.jsonl"
    src.write_text('{"id": "a", "name": "Sea Star", "schema": "Vessel"}\n'
                   "\n"
                   "not json\n"
                   '["a list"]\n'
                   '{"name": "Ivan Testov", "identifier": ["passport:AB1234567"]}\n',
                   encoding="utf-8")
    screener = Screener(loaded)
    run_screen(spark, src, tmp_path / "o.jsonl", screener=screener)
    got = _read_jsonl(tmp_path / "o.jsonl")
    assert [(g["row"], g["error"] is not None) for g in got] == \
        [(1, False), (3, True), (4, True), (5, False)]
    assert "not JSON" in got[1]["error"] and "JSON object" in got[2]["error"]
    assert got[3]["id"] == "5"  # no id column: the line number, as `screen batch` does
    exp = result_json(screener.screen(make_party(
        {"name": "Ivan Testov", "identifier": ["passport:AB1234567"]})), "5")
    assert {k: got[3][k] for k in exp} == exp
    assert got[3]["hits"][0]["entity_id"] == "custom_acme_blocked:B-002"


def test_input_errors_fail_before_any_output(spark, loaded: Store, tmp_path: Path):
    from sekisho.errors import InputError

    bad_header = tmp_path / "h.csv"
    bad_header.write_text("id,nom\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="'name' column"):
        run_screen(spark, bad_header, tmp_path / "o.jsonl", screener=Screener(loaded))
    with pytest.raises(InputError, match="not found"):
        run_screen(spark, tmp_path / "nope.csv", tmp_path / "o.jsonl")
    with pytest.raises(InputError, match="output must end"):
        run_screen(spark, bad_header, tmp_path / "o.txt")
    assert not (tmp_path / "o.jsonl").exists()


def test_partition_without_screener_is_all_review():
    """An executor that cannot get the screener reports every row, never drops them."""

    class Corrupt:  # stands in for a Broadcast whose bytes were damaged
        value = pickle.dumps("not the screener")

    screen_job._SCREENERS.clear()
    rows = [(2, "a,Huawei"), (3, "b,Acme")]
    out = list(screen_partition(rows, key="0" * 64, payload=Corrupt(), fmt="csv",
                                header=["id", "name"], file="x.csv", limit=10, threshold=None))
    assert [o["row"] for o in out] == [2, 3]
    assert all(o["outcome"] == "review" and "digest mismatch" in o["error"] for o in out)


def test_partition_with_other_code_is_all_review(loaded: Store):
    """A worker running other matching code than the driver must not score differently."""

    class Payload:
        value = pickle.dumps(Screener(loaded))

    screen_job._SCREENERS.clear()
    out = list(screen_partition([(2, "a,Huawei")], key="k", payload=Payload(), fmt="csv",
                                header=["id", "name"], file="x.csv", limit=10, threshold=None,
                                fingerprint="0" * 64))
    assert out[0]["outcome"] == "review" and "different sekisho" in out[0]["error"]


def test_cli_spark_screen_fails_closed_on_empty_home(spark, cli, tmp_path: Path):
    src = _write_csv(tmp_path / "p.csv", [{"id": "a", "name": "Acme"}, {"id": "b", "name": ""}])
    res = cli("spark", "screen", src, "--out", tmp_path / "o.jsonl", "--master", "local[2]",
              "--json")
    assert res.code == 10, res.stderr
    report = json.loads(res.stdout)
    assert report["rows"] == 2 and report["bad_rows"] == 1
    assert report["bad_examples"][0]["row"] == 3
    got = _read_jsonl(tmp_path / "o.jsonl")
    assert all(g["outcome"] == "review" for g in got)
    assert "bad row 3" in res.stderr
