"""Reviewer actions on decisions, kept in the records' hash-chained audit log.

Why not a table of our own: a review is an event that must be as tamper-evident as the
decision it judges, and records/ already has an append-only, hash-chained log. A review is an
audit entry with action "decision.review", subject the decision id, and payload
{"action": approve|escalate|reject, "comment", "outcome"}; a decision's review state is its
latest such entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sekisho.errors import InputError
from sekisho.records.repo import Records

REVIEW_ACTION = "decision.review"
ACTIONS = ("approve", "escalate", "reject")


@dataclass(frozen=True)
class Review:
    seq: int
    at: str
    actor: str
    decision_id: str
    action: str
    comment: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "actor": self.actor,
                "decision_id": self.decision_id, "action": self.action,
                "comment": self.comment, "hash": self.hash}


def record_review(records: Records, decision_id: str, *, actor: str, action: str,
                  comment: str) -> Review:
    """Append one review of an existing decision to the audit log."""
    if action not in ACTIONS:
        raise InputError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}",
                         field="action")
    comment = comment.strip()
    if not comment:
        raise InputError("a comment is required", field="comment")
    stored = records.decision(decision_id)  # NotFoundError when unknown
    records.audit(actor=actor, action=REVIEW_ACTION, subject=decision_id,
                  payload={"action": action, "comment": comment,
                           "outcome": stored.decision.outcome.value})
    return reviews_of(records, decision_id)[-1]


def all_reviews(records: Records) -> list[Review]:
    out = []
    for e in records.audit_entries():
        if e.action != REVIEW_ACTION:
            continue
        payload = json.loads(e.payload)
        out.append(Review(e.seq, e.at, e.actor, e.subject, payload.get("action", ""),
                          payload.get("comment", ""), e.hash))
    return out


def reviews_of(records: Records, decision_id: str) -> list[Review]:
    """Reviews of one decision, oldest first."""
    return [r for r in all_reviews(records) if r.decision_id == decision_id]


def latest_reviews(records: Records) -> dict[str, Review]:
    """The latest review of every reviewed decision."""
    return {r.decision_id: r for r in all_reviews(records)}
