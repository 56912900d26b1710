"""`sekisho check`, `decisions show|replay|list`, `monitor run` end to end: real store (the small
official CSL extract in ../shared/data), real records database, exit codes, bad input."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "transactions"
CETC = "China Electronics Technology Group Corporation 13th Research Institute"


FIXTURE_EL = ("Sekisho Fixture Listing Ltd", "Entity List (EL) - Bureau of Industry and Security")
RHEINLAND_EL = ("Rheinland Maschinenbau GmbH", "Entity List (EL) - Bureau of Industry and Security")


def tx(tid, parties, items=None, **kw):
    return {"id": tid, "exporter": {"name": "Acme Instruments Inc.", "country": "US"},
            "parties": parties, "items": items or [{"description": "Laptop", "hs": "847130",
                                                    "eccn": "EAR99", "unit_value": 900}],
            "end_use": "office IT", **kw}


DE = {"role": "end_user", "name": "Rheinland Maschinenbau GmbH", "country": "DE",
      "address": "Industriestrasse 5, Koeln"}


@pytest.fixture
def loaded(cli, shared_data, tmp_path):
    """A home with the 13-record official CSL extract loaded as us_trade_csl, plus one listing
    of today that we add (the extract alone dates from 2023 and is rightly stale)."""
    src = _csl_with(shared_data, tmp_path, [("Sekisho Fixture Listing Ltd", "Entity List (EL) - Bureau of Industry and Security")])
    r = cli("lists", "load", str(src), "--source", "us_trade_csl")
    assert r.code == 0, r.stderr
    return tmp_path


def write(tmp_path: Path, name: str, value) -> Path:
    p = tmp_path / name
    p.write_text(value if isinstance(value, str) else json.dumps(value))
    return p


def test_clear_exit_0_and_json_shape(cli, loaded):
    r = cli("check", str(write(loaded, "t.json", tx("t-clear", [DE]))), "--json")
    assert r.code == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["outcome"] == "clear"
    assert {"outcome", "reasons", "snapshots", "policy_version"} <= set(out)
    assert len(out["snapshots"]) == 1 and out["reasons"][0]["code"] == "SCREENED"


def test_entity_list_exit_11_with_evidence(cli, loaded):
    r = cli("check", str(write(loaded, "t.json", tx("t-el", [
        {"role": "end_user", "name": CETC, "country": "CN"}]))), "--json")
    assert r.code == 11
    out = json.loads(r.stdout)
    el = next(x for x in out["reasons"] if x["code"] == "BIS_ENTITY_LIST")
    assert "744.21" in el["evidence"]["licence_requirement"]
    assert el["evidence"]["federal_register"]


def test_denied_person_exit_12(cli, loaded):
    r = cli("check", str(write(loaded, "t.json", tx("t-dpl", [
        DE, {"role": "consignee", "name": "I. ASH", "country": "US",
             "address": "605 Trail Lake Drive, Richardson, TX"}]))), "--json")
    assert r.code == 12, r.stdout
    assert "BIS_DENIED_PERSON" in {x["code"] for x in json.loads(r.stdout)["reasons"]}


def test_no_eccn_exit_10(cli, loaded):
    r = cli("check", str(write(loaded, "t.json", tx("t-rev", [DE], [
        {"description": "processor", "hs": "854231"}]))))
    assert r.code == 10
    assert "ECCN_MISSING" in r.stdout


def test_stale_list_fails_closed(cli, shared_data, tmp_path):
    """The official extract alone is years old: its snapshot is stale, so nothing is clear."""
    src = shared_data / "lists" / "us-trade-csl" / "consolidated.csv"
    assert cli("lists", "load", str(src), "--source", "us_trade_csl").code == 0
    r = cli("check", str(write(tmp_path, "t.json", tx("t-stale", [DE]))), "--json")
    assert r.code == 10
    problems = [x for x in json.loads(r.stdout)["reasons"] if x["code"] == "LISTS_PROBLEM"]
    assert problems and "stale" in problems[0]["message"]


def test_no_lists_fails_closed(cli, tmp_path):
    r = cli("check", str(write(tmp_path, "t.json", tx("t-nolists", [DE]))), "--json")
    assert r.code == 10
    codes = {x["code"] for x in json.loads(r.stdout)["reasons"]}
    assert "LIST_MISSING" in codes or "LISTS_PROBLEM" in codes


def test_malformed_json_exit_2_names_file_and_line(cli, tmp_path):
    p = write(tmp_path, "bad.json", '{"id": "x",\n "parties": [\n')
    r = cli("check", str(p))
    assert r.code == 2
    assert "bad.json:" in r.stderr and "not valid JSON" in r.stderr


def test_bad_field_exit_2(cli, tmp_path):
    bad = tx("t-bad", [{**DE, "country": "Atlantis"}])
    r = cli("check", str(write(tmp_path, "bad.json", bad)))
    assert r.code == 2 and "parties[0].country" in r.stderr


def test_batch_decides_good_reports_bad_records_nothing_half_way(cli, loaded):
    good1, good2 = tx("b-1", [DE]), tx("b-2", [{"role": "end_user", "name": CETC, "country": "CN"}])
    bad = tx("b-3", [DE], [{"description": "x", "quantity": -4}])
    p = loaded / "batch.jsonl"
    p.write_text("\n".join(json.dumps(x) for x in (good1, bad, good2)) + "\n")
    r = cli("check", str(p), "--json")
    assert r.code == 2
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["transaction_id"] for x in lines] == ["b-1", "b-2"]
    assert "batch.jsonl:2" in r.stderr and "items[0].quantity" in r.stderr
    listed = cli("decisions", "list", "--json")
    assert sorted(json.loads(x)["transaction_id"] for x in listed.stdout.splitlines()) == ["b-1", "b-2"]


def test_csv_input(cli, loaded):
    r = cli("check", str(FIX / "batch.csv"), "--json")
    assert r.code == 2  # the fixture holds two bad transactions
    ids = [json.loads(x)["transaction_id"] for x in r.stdout.splitlines()]
    assert sorted(ids) == ["csv-1", "csv-2"]
    assert "batch.csv:10" in r.stderr and "quantity" in r.stderr


def test_show_and_replay(cli, loaded):
    r = cli("check", str(write(loaded, "t.json", tx("t-replay", [
        {"role": "end_user", "name": CETC, "country": "CN"}]))), "--json")
    did = json.loads(r.stdout)["decision_id"]
    shown = cli("decisions", "show", did, "--json")
    assert shown.code == 0
    body = json.loads(shown.stdout)
    assert body["transaction"]["id"] == "t-replay" and body["context"]["sources"]
    replay = cli("decisions", "replay", did, "--json")
    assert replay.code == 0, replay.stdout
    out = json.loads(replay.stdout)
    assert out["same"] is True
    assert out["replayed"]["outcome"] == "licence_required"
    assert cli("decisions", "show", "dec_missing").code == 2


def test_replay_uses_recorded_snapshot_after_list_update(cli, loaded, shared_data):
    r = cli("check", str(write(loaded, "t.json", tx("t-old", [DE]))), "--json")
    did = json.loads(r.stdout)["decision_id"]
    # A new CSL lists the German end user: a new check blocks it, the replay still says clear.
    newer = _csl_with(shared_data, loaded, [FIXTURE_EL, RHEINLAND_EL])
    assert cli("lists", "load", str(newer), "--source", "us_trade_csl").code == 0
    again = cli("check", str(write(loaded, "t2.json", tx("t-new", [DE]))), "--json")
    assert again.code == 11
    replay = cli("decisions", "replay", did, "--json")
    assert replay.code == 0 and json.loads(replay.stdout)["replayed"]["outcome"] == "clear"


def _csl_with(shared_data: Path, tmp: Path, extra: list[tuple[str, str]]) -> Path:
    """The official 13-row extract plus rows we add (new listings dated today)."""
    src = (shared_data / "lists" / "us-trade-csl" / "consolidated.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(src)))
    today = date.today().isoformat()
    for i, (name, source) in enumerate(extra):
        new = dict(rows[-2])  # shape of an EL row
        new.update({"_id": f"sekisho-test-listing-{i}", "source": source, "name": name,
                    "alt_names": "", "addresses": "Industriestrasse 5, Koeln, DE",
                    "start_date": today, "federal_register_notice": "91 FR 99999"})
        rows.append(new)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0].keys()), quoting=csv.QUOTE_ALL)
    w.writeheader()
    w.writerows(rows)
    p = tmp / f"csl-{len(extra)}.csv"
    p.write_text(out.getvalue(), encoding="utf-8")
    return p


def test_monitor_finds_new_listing_of_remembered_counterparty(cli, loaded, shared_data):
    assert cli("check", str(write(loaded, "t.json", tx("t-mon", [DE])))).code == 0
    first = cli("monitor", "run", "--json")  # first run: baseline against everything
    assert first.code == 0 and json.loads(first.stdout)["hits"] == []
    quiet = cli("monitor", "run", "--json")  # nothing changed: nothing compared
    assert json.loads(quiet.stdout)["sources"] == {}
    newer = _csl_with(shared_data, loaded, [FIXTURE_EL, RHEINLAND_EL])
    assert cli("lists", "load", str(newer), "--source", "us_trade_csl").code == 0
    run = cli("monitor", "run", "--json")
    out = json.loads(run.stdout)
    assert out["sources"]["us_trade_csl"]["changed_records"] == 1
    assert [h["name"] for h in out["hits"]] == ["Rheinland Maschinenbau GmbH"]
    assert out["hits"][0]["decisions"] and len(out["new_cases"]) == 1
