"""Transaction input (JSON, JSON Lines, CSV; errors with line and field) and decisions
(digest, determinism, fail closed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sekisho.errors import InputError
from sekisho.model import Outcome
from sekisho.screen.policy import Policy
from sekisho.screen.transaction import TransactionScreener
from sekisho.screen.txinput import read_batch, read_one, transaction_from_dict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "transactions"))
from txworld import ALL_SOURCES, entities  # noqa: E402

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "transactions"

ISSUE_SHAPE = {
    "id": "tx-1", "exporter": {"name": "Formosa Chips", "country": "TW"},
    "parties": [{"role": "buyer", "name": "Lion City Compute", "country": "SG",
                 "address": "1 Fusionopolis Way", "parent": "Dragon Compute"}],
    "items": [{"description": "GPU board", "hs": "847180", "eccn": "4A090.a", "quantity": 8,
               "unit_value": 30000, "currency": "USD", "tpp": 5000}],
    "ship_from": "TW", "ship_to": "SG", "route": ["MY"], "end_use": "AI training",
    "payment_origin": "HK",
}


@pytest.fixture(scope="module")
def screener():
    return TransactionScreener.from_entities(entities(), ALL_SOURCES)


def test_issue_shape_is_accepted_and_normalised():
    tx = transaction_from_dict(ISSUE_SHAPE)
    assert tx.route.transit == ("MY",) and tx.parties[0].role.value == "buyer"
    again = transaction_from_dict(tx.to_dict())
    assert again == tx and again.digest == tx.digest


def test_country_names_are_normalised_and_digest_follows():
    d = json.loads(json.dumps(ISSUE_SHAPE))
    d["ship_to"] = "Singapore"
    d["parties"][0]["country"] = "singapore"
    assert transaction_from_dict(d).digest == transaction_from_dict(ISSUE_SHAPE).digest


@pytest.mark.parametrize("mutate,field", [
    (lambda d: d.pop("id"), "id"),
    (lambda d: d.pop("exporter"), "exporter"),
    (lambda d: d["exporter"].pop("country"), "exporter.country"),
    (lambda d: d.update(parties=[]), "parties"),
    (lambda d: d["parties"][0].update(role="boss"), "parties[0].role"),
    (lambda d: d["parties"][0].update(country="Atlantis"), "parties[0].country"),
    (lambda d: d["parties"][0].pop("name"), "parties[0].name"),
    (lambda d: d["items"][0].update(quantity=-1), "items[0].quantity"),
    (lambda d: d["items"][0].update(quantity="many"), "items[0].quantity"),
    (lambda d: d["items"][0].update(unit_value=float("nan")), "items[0].unit_value"),
    (lambda d: d["items"][0].update(hs="84x"), "items[0].hs"),
    (lambda d: d["items"][0].update(currency="dollars"), "items[0].currency"),
    (lambda d: d["items"][0].update(datacenter="maybe"), "items[0].datacenter"),
    (lambda d: d["items"][0].update(ecn="4A090"), "items[0].ecn"),
    (lambda d: d.update(route=["MY", "Narnia"]), "route[1]"),
    (lambda d: d.update(date="22/11/2026"), "date"),
    (lambda d: d.update(shipto="SG"), "shipto"),
])
def test_bad_fields_are_named(mutate, field):
    d = json.loads(json.dumps(ISSUE_SHAPE))
    mutate(d)
    with pytest.raises(InputError) as e:
        transaction_from_dict(d)
    assert e.value.field == field, e.value


def test_batch_json_array_reports_bad_and_keeps_good(tmp_path):
    bad = json.loads(json.dumps(ISSUE_SHAPE))
    bad["id"] = "tx-bad"
    bad["items"][0]["quantity"] = 0
    good2 = {**ISSUE_SHAPE, "id": "tx-2"}
    p = tmp_path / "b.json"
    p.write_text(json.dumps([ISSUE_SHAPE, bad, good2]))
    good, errors = read_batch(p)
    assert [t.id for t in good] == ["tx-1", "tx-2"]
    assert len(errors) == 1 and errors[0].index == 1
    assert errors[0].error.field == "[1].items[0].quantity"


def test_jsonl_names_lines(tmp_path):
    p = tmp_path / "b.jsonl"
    p.write_text(json.dumps(ISSUE_SHAPE) + "\n{not json\n"
                 + json.dumps({**ISSUE_SHAPE, "id": "tx-1"}) + "\n")
    good, errors = read_batch(p)
    assert len(good) == 1
    assert {(e.error.line, e.error.field) for e in errors} == {(2, None), (3, "id")}  # bad JSON, duplicate id


def test_csv_transactions_and_bad_rows():
    good, errors = read_batch(FIX / "batch.csv")
    assert sorted(t.id for t in good) == ["csv-1", "csv-2"]
    csv1 = next(t for t in good if t.id == "csv-1")
    assert csv1.exporter.country == "JP" and len(csv1.items) == 2 and csv1.route.transit == ("SG",)
    assert {(e.error.line, e.error.field) for e in errors} == {(10, "quantity"), (11, "ship_to")}


def test_read_one_raises_the_first_error(tmp_path):
    p = tmp_path / "t.json"
    p.write_text('{"id": "x"')
    with pytest.raises(InputError) as e:
        read_one(p)
    assert e.value.file == str(p) and e.value.line == 1


def test_decision_records_what_it_used(screener):
    tx = transaction_from_dict(ISSUE_SHAPE)
    r = screener.decide(tx)
    d = r.decision
    assert d.input_digest == tx.digest and d.policy_version == Policy.default().version
    assert set(d.snapshots) == set(ALL_SOURCES.values())
    assert r.context.sources == ALL_SOURCES
    assert d.outcome is Outcome.LICENCE_REQUIRED


def test_same_input_same_answer(screener):
    tx = transaction_from_dict(ISSUE_SHAPE)
    a, b = screener.decide(tx).decision, screener.decide(tx).decision
    assert [r.to_dict() for r in a.reasons] == [r.to_dict() for r in b.reasons]
    assert a.id != b.id


def test_policy_error_fails_closed():
    texts = dict(Policy.default().texts)
    texts["ear/eccns.yaml"] = texts["ear/eccns.yaml"].replace(
        '"4A090":\n    heading: "Computers, electronic assemblies and components containing 3A090 ICs"\n    reasons: [RS, AT]\n    controls:\n      - {reason: RS, applies: [a], destinations: worldwide}',
        '"4A090":\n    heading: "broken"\n    reasons: [RS, AT]\n    controls:\n      - {reason: RS, applies: [a], destinations: nowhere}')
    broken = Policy.from_texts(texts)
    s = TransactionScreener.from_entities(entities(), ALL_SOURCES, policy=broken)
    d = s.decide(transaction_from_dict(ISSUE_SHAPE)).decision
    assert d.outcome is not Outcome.CLEAR
    assert "SCREENING_ERROR" in {r.code for r in d.reasons}


def test_weak_match_is_review_not_block(screener):
    """A hit below the policy's confirm score is a possible match: review, never block."""
    d = screener.decide(transaction_from_dict({**ISSUE_SHAPE, "parties": [
        {"role": "end_user", "name": "Rosoboronexport Trading", "country": "DE"}]})).decision
    assert "POSSIBLE_MATCH" in {r.code for r in d.reasons}
    assert "OFAC_SDN" not in {r.code for r in d.reasons}


def test_exact_name_confirms_even_below_confirm_score():
    texts = dict(Policy.default().texts)
    texts["lists.yaml"] = texts["lists.yaml"].replace("confirm_score: 0.93", "confirm_score: 1.01")
    s = TransactionScreener.from_entities(entities(), ALL_SOURCES, policy=Policy.from_texts(texts))
    d = s.decide(transaction_from_dict({**ISSUE_SHAPE, "parties": [
        {"role": "end_user", "name": "ROSOBORONEXPORT", "country": "RU"}]})).decision
    assert d.outcome is Outcome.BLOCK and "OFAC_SDN" in {r.code for r in d.reasons}


def test_published_schema_matches_the_reader():
    """The JSON schema names exactly the fields the reader accepts, and its example reads."""
    from importlib import resources

    from sekisho.screen import txinput

    schema = json.loads((resources.files("sekisho") / "regimes" / "schema" /
                         "transaction.schema.json").read_text())
    assert set(schema["properties"]) == txinput._TX_KEYS
    assert set(schema["$defs"]["party"]["properties"]) == txinput._PARTY_KEYS
    assert set(schema["$defs"]["item"]["properties"]) == txinput._ITEM_KEYS
    assert set(schema["required"]) == {"id", "exporter", "parties", "items"}
    for example in schema["examples"]:
        transaction_from_dict(example)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["id", "exporter", "parties", "items", "ship_to", "route", "date",
                        "payment_origin", "end_use"]), _json)
def test_any_garbage_is_an_input_error_or_a_transaction(key, value):
    """Whatever a field holds, reading either succeeds or raises InputError naming a field."""
    d = json.loads(json.dumps(ISSUE_SHAPE))
    d[key] = value
    try:
        transaction_from_dict(d)
    except InputError as exc:
        assert exc.field


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["role", "name", "country", "parent_country", "registered_on", "identifiers"]),
       st.sampled_from(["description", "hs", "eccn", "quantity", "unit_value", "tpp", "datacenter", "currency"]),
       _json, _json)
def test_garbage_in_parties_and_items(pkey, ikey, pval, ival):
    d = json.loads(json.dumps(ISSUE_SHAPE))
    d["parties"][0][pkey] = pval
    d["items"][0][ikey] = ival
    try:
        transaction_from_dict(d)
    except InputError as exc:
        assert exc.field and (exc.field.startswith("parties[0].") or exc.field.startswith("items[0]."))
