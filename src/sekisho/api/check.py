"""Transactions: `POST /check` decides (and records) one transaction; `POST /check/batch`
decides the good ones of many and reports the bad ones; decisions can be listed, read,
replayed and reviewed; the audit trail can be read and its hash chain verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from sekisho.api.auth import Principal, reader, reviewer
from sekisho.api.reviews import latest_reviews, record_review, reviews_of
from sekisho.api.services import Services, services
from sekisho.errors import InputError, StoreError
from sekisho.screen.replay import decision_json, replay_decision, same_answer
from sekisho.screen.txinput import transaction_from_dict

router = APIRouter(tags=["transactions"])
MAX_BATCH = 1000

_EXAMPLE = {"id": "tx-1", "exporter": {"name": "Formosa Chips Ltd.", "country": "TW"},
            "parties": [{"role": "end_user", "name": "Tokyo University", "country": "JP"}],
            "items": [{"description": "laptop", "eccn": "EAR99", "quantity": 2,
                       "unit_value": 1500}],
            "ship_to": "JP"}


@router.post("/check", summary="Decide one transaction before export approval")
def check(tx: dict[str, Any] = Body(..., examples=[_EXAMPLE]),
          record: bool = Query(True, description="Record the decision and audit it"),
          who: Principal = Depends(reader), svc: Services = Depends(services)) -> dict[str, Any]:
    """Outcome clear, review, licence_required or block, with every reason, the snapshots
    and the policy version. Bad input: 422 naming the field path (e.g. parties[0].country)."""
    transaction = transaction_from_dict(tx)
    screener = svc.transaction_screener()
    result = screener.decide(transaction)
    if record:
        svc.records.save_decisions([result], screener.policy, actor=who.name)
    return {**decision_json(result.decision), "recorded": record}


@router.post("/check/batch", summary="Decide many transactions; bad ones are reported")
def check_batch(txs: list[Any] = Body(..., max_length=MAX_BATCH),
                record: bool = Query(True),
                who: Principal = Depends(reader),
                svc: Services = Depends(services)) -> dict[str, Any]:
    """Every good transaction is decided (and recorded together, all or nothing); every bad
    one is reported with its index and field."""
    good, bad = [], []
    for i, raw in enumerate(txs):
        try:
            good.append(transaction_from_dict(raw, prefix=f"[{i}]."))
        except InputError as exc:
            bad.append({"index": i, "field": exc.field, "detail": exc.detail})
    screener = svc.transaction_screener()
    results = [screener.decide(tx) for tx in good]
    if record and results:
        svc.records.save_decisions(results, screener.policy, actor=who.name)
    return {"decisions": [decision_json(r.decision) for r in results], "rejected": bad,
            "recorded": record and bool(results)}


@router.post("/check/csv", summary="Decide the transactions of a CSV file (issue 7 layout)",
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {
                 "type": "string"}}}, "required": True}})
async def check_csv(request: Request, record: bool = Query(True),
                    who: Principal = Depends(reader),
                    svc: Services = Depends(services)) -> dict[str, Any]:
    """One row per party or item, grouped by tx_id (see sekisho.screen.txinput). Bad rows are
    reported with their line and field; the good transactions are still decided."""
    from fastapi.concurrency import run_in_threadpool

    from sekisho.screen.txinput import read_batch

    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 (byte {exc.start})", file="request.csv") from None
    good, bad = read_batch(Path("request.csv"), text=text)

    def decide() -> list[Any]:
        screener = svc.transaction_screener()
        results = [screener.decide(tx) for tx in good]
        if record and results:
            svc.records.save_decisions(results, screener.policy, actor=who.name)
        return results

    results = await run_in_threadpool(decide)
    return {"decisions": [decision_json(r.decision) for r in results],
            "rejected": [{"index": b.index, "line": b.error.line, "field": b.error.field,
                          "detail": b.error.detail} for b in bad],
            "recorded": record and bool(results)}


@router.get("/decisions", summary="Most recent decisions", dependencies=[Depends(reader)])
def decisions(limit: int = Query(50, ge=1, le=1000),
              svc: Services = Depends(services)) -> dict[str, Any]:
    reviews = latest_reviews(svc.records)
    out = []
    for d in svc.records.decisions(limit):
        item = decision_json(d)
        r = reviews.get(d.id)
        item["review"] = r.to_dict() if r else None
        out.append(item)
    return {"decisions": out}


@router.get("/decisions/{decision_id}", summary="One decision with its transaction, context "
            "and reviews", dependencies=[Depends(reader)])
def decision(decision_id: str, svc: Services = Depends(services)) -> dict[str, Any]:
    stored = svc.records.decision(decision_id)
    return {**decision_json(stored.decision), "transaction": stored.transaction,
            "context": stored.context,
            "reviews": [r.to_dict() for r in reviews_of(svc.records, decision_id)]}


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["approve", "escalate", "reject"]
    comment: str = Field(min_length=1, max_length=4000)


@router.post("/decisions/{decision_id}/review", status_code=201,
             summary="Record a reviewer's action (audit trail)")
def review(decision_id: str, body: ReviewIn, who: Principal = Depends(reviewer),
           svc: Services = Depends(services)) -> dict[str, Any]:
    return record_review(svc.records, decision_id, actor=who.name, action=body.action,
                         comment=body.comment).to_dict()


@router.post("/decisions/{decision_id}/replay", summary="Re-decide against the recorded "
             "snapshots and policy")
def replay(decision_id: str, who: Principal = Depends(reader),
           svc: Services = Depends(services)) -> dict[str, Any]:
    original, result = replay_decision(svc.records, decision_id, svc.store)
    replayed = result.decision
    same = same_answer(original, replayed)
    svc.records.audit(actor=who.name, action="decision.replay", subject=decision_id,
                      payload={"same": same, "outcome": replayed.outcome.value})
    return {"decision_id": decision_id, "same": same, "original": decision_json(original),
            "replayed": decision_json(replayed)}


@router.get("/audit", summary="The audit trail (hash-chained) and its verification",
            dependencies=[Depends(reader)])
def audit(limit: int = Query(200, ge=1, le=100_000), svc: Services = Depends(services)
          ) -> dict[str, Any]:
    entries = svc.records.audit_entries()
    try:
        checked, chain_ok, problem = svc.records.verify_audit(), True, None
    except StoreError as exc:
        checked, chain_ok, problem = 0, False, str(exc)
    return {
        "chain_ok": chain_ok,
        "checked": checked,
        "problem": problem,
        "total": len(entries),
        "entries": [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
                     "subject": e.subject, "payload": e.payload, "prev_hash": e.prev_hash,
                     "hash": e.hash} for e in reversed(entries[-limit:])],
    }
