"""Replay: a recorded decision re-runs against the snapshots, policy text and context it used,
even after the lists and the policy have changed."""

from __future__ import annotations

from sekisho.lists.store import Store
from sekisho.records.repo import Records
from sekisho.screen.ownership import Ownership, Stake
from sekisho.screen.policy import Policy
from sekisho.screen.replay import replay_decision, same_answer
from sekisho.screen.transaction import TransactionScreener
from sekisho.screen.txinput import transaction_from_dict
from sekisho.settings import Settings

CETC = "China Electronics Technology Group Corporation 13th Research Institute"


def tx(tid, name, country="CN", **kw):
    return transaction_from_dict({
        "id": tid, "exporter": {"name": "Acme Instruments Inc.", "country": "US"},
        "parties": [{"role": "end_user", "name": name, "country": country}],
        "items": [{"description": "oscilloscope", "eccn": "EAR99"}], "end_use": "lab test", **kw})


def test_replay_uses_recorded_policy_and_snapshots(shared_data, tmp_path):
    store = Store.open(Settings.load(home=tmp_path / "home"))
    store.load([shared_data / "lists" / "us-trade-csl" / "consolidated.csv"], source="us_trade_csl")
    sources = {s: snap.id for s, snap in store.current_snapshots().items()}
    entities = [e for sid in sources.values() for e in store.entities(sid)]
    # An older, stricter policy: Entity List hits blocked.
    texts = dict(Policy.default().texts)
    texts["lists.yaml"] = texts["lists.yaml"].replace(
        "    sublist: EL\n    consequence: licence_required", "    sublist: EL\n    consequence: block")
    old_policy = Policy.from_texts(texts)
    assert old_policy.version != Policy.default().version
    screener = TransactionScreener.from_entities(entities, sources, policy=old_policy)
    ownership = Ownership([Stake("Some Holder", "Unrelated Buyer", 40)])
    result = screener.decide(tx("t-old", CETC), ownership=ownership)
    assert result.decision.outcome.value == "block"
    records = Records.open(url=f"sqlite:///{tmp_path / 'rec.db'}")
    records.save_decisions([result], old_policy)

    original, again = replay_decision(records, result.decision.id, store)
    assert same_answer(original, again.decision)
    assert again.decision.policy_version == old_policy.version
    assert again.context.ownership == result.context.ownership
    # The current policy would answer differently: the replay really used the recorded one.
    now = TransactionScreener.from_entities(entities, sources).decide(tx("t-now", CETC))
    assert now.decision.outcome.value == "licence_required"
