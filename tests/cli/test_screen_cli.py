"""`sekisho screen NAME`, `sekisho screen batch IN --out OUT`, `sekisho screen clear`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

BLOCK = "# list: blocked kind: block\nid,name,country,dob\n1,Acme Rocket Works Ltd,RU,\n2,Ivan Petrov,RU,1970-01-01\n"


@pytest.fixture
def loaded(cli, home: Path, tmp_path: Path) -> Path:
    f = tmp_path / "blocked.csv"
    f.write_text(BLOCK, encoding="utf-8")
    assert cli("lists", "load", str(f)).code == 0
    return tmp_path


def test_no_lists_is_review_exit_10(cli):
    r = cli("screen", "Acme Rocket Works", "--json")
    assert r.code == 10
    out = json.loads(r.stdout)
    assert out["outcome"] == "review" and out["problems"] and out["hits"] == []


def test_single_hit_and_clear(cli, loaded):
    r = cli("screen", "ACME ROCKET WORKS LIMITED", "--country", "RU", "--json")
    assert r.code == 10, r.stderr
    out = json.loads(r.stdout)
    assert out["outcome"] == "hits"
    hit = out["hits"][0]
    assert hit["entity_id"] == "custom_blocked:1" and hit["source"] == "custom_blocked"
    assert set(hit) >= {
        "entity_id",
        "source",
        "schema",
        "name",
        "matched_name",
        "score",
        "explanation",
    }
    assert out["snapshots"]
    r = cli("screen", "Totally Unrelated Bakery")
    assert r.code == 0 and "no hits" in r.stdout


def test_person_options(cli, loaded):
    r = cli("screen", "Petrov", "Ivan", "--schema", "person", "--dob", "1970", "--json")
    assert r.code == 10
    assert json.loads(r.stdout)["hits"][0]["entity_id"] == "custom_blocked:2"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--country", "Atlantis"], "country"),
        (["--schema", "Spaceship"], "schema"),
        (["--dob", "yesterday"], "dob"),
        (["--id", "nocolon"], "identifier"),
    ],
)
def test_bad_options_exit_2(cli, loaded, args, needle):
    r = cli("screen", "Acme", *args)
    assert r.code == 2 and needle in r.stderr


def test_batch_csv_and_jsonl(cli, loaded):
    inp = loaded / "in.csv"
    inp.write_text(
        "id,name,country,schema,dob,identifier\n"
        "a,Acme Rocket Works,RU,,,\n"
        "b,Friendly Bakery GmbH,DE,Company,,\n"
        "c,Ivan Petrov,,Person,1970-01-01,passport:123\n",
        encoding="utf-8",
    )
    out = loaded / "out.jsonl"
    r = cli("screen", "batch", str(inp), "--out", str(out))
    assert r.code == 10, r.stderr
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["id"] for x in lines] == ["a", "b", "c"]
    assert lines[0]["hits"][0]["entity_id"] == "custom_blocked:1"
    assert lines[1]["hits"] == [] and lines[1]["outcome"] == "clear"
    assert all(x["snapshots"] for x in lines)
    jl = loaded / "in.jsonl"
    jl.write_text(json.dumps({"id": "z", "name": "Friendly Bakery"}) + "\n", encoding="utf-8")
    r = cli("screen", "batch", str(jl), "--out", str(loaded / "o2.jsonl"))
    assert r.code == 0


def test_batch_bad_row_names_line_and_writes_nothing(cli, loaded):
    inp = loaded / "bad.csv"
    inp.write_text("id,name,country\n1,Acme,RU\n2,,RU\n", encoding="utf-8")
    out = loaded / "out.jsonl"
    r = cli("screen", "batch", str(inp), "--out", str(out))
    assert r.code == 2 and ":3" in r.stderr and "name" in r.stderr
    assert not out.exists()
    r = cli("screen", "batch", str(inp))
    assert r.code == 2 and "--out" in r.stderr


def test_clear_pair_then_screen_is_clear(cli, loaded):
    r = cli(
        "screen",
        "clear",
        "Acme Rocket Works",
        "custom_blocked:1",
        "--reason",
        "different company, checked registry",
    )
    assert r.code == 0, r.stderr
    r = cli("screen", "Acme Rocket Works", "--json")
    out = json.loads(r.stdout)
    assert out["hits"] == [] and out["cleared"] == ["custom_blocked:1"] and r.code == 0
