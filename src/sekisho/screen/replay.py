"""Decisions as the outside sees them, and their replay against what they were made from.

Shared by the CLI, the API and the review UI, so that "the same answer" means one thing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sekisho.model import Decision
from sekisho.records.repo import Records
from sekisho.screen.policy import Policy
from sekisho.screen.transaction import Context, DecisionResult, TransactionScreener
from sekisho.screen.txinput import transaction_from_dict


def decision_json(d: Decision) -> dict[str, Any]:
    """The `--json` shape of issue 7 (outcome, reasons, snapshots, policy_version) plus ids."""
    return {
        "outcome": d.outcome.value,
        "reasons": [r.to_dict() for r in d.reasons],
        "snapshots": list(d.snapshots),
        "policy_version": d.policy_version,
        "decision_id": d.id,
        "transaction_id": d.transaction_id,
        "input_digest": d.input_digest,
        "decided_at": d.decided_at,
    }


def replay_decision(records: Records, decision_id: str, store: Any) -> tuple[Decision, DecisionResult]:
    """Re-run a recorded decision against its recorded snapshots, policy text and context."""
    stored = records.decision(decision_id)
    original = stored.decision
    policy = Policy.from_texts(records.policy_texts(original.policy_version))
    context = Context.from_dict(stored.context)
    entities = []
    for sid in sorted(set(context.sources.values())):
        entities.extend(store.entities(sid))
    screener = TransactionScreener.from_entities(entities, context.sources, policy=policy)
    tx = transaction_from_dict(stored.transaction)
    result = screener.decide(tx, now=datetime.fromisoformat(original.decided_at), context=context)
    return original, result


def same_answer(a: Decision, b: Decision) -> bool:
    """True when two decisions agree on everything but their id and time."""
    return _comparable(a) == _comparable(b)


def _comparable(d: Decision) -> list[Any]:
    return [d.outcome.value, d.input_digest, d.policy_version, list(d.snapshots),
            [r.to_dict() for r in d.reasons]]
