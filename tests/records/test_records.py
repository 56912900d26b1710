"""Records: migrations on open, decisions with policy texts and context, counterparties,
append-only hash-chained audit log, atomic batches; SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

import socket
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from sekisho.errors import NotFoundError, StoreError
from sekisho.records.repo import Records, StoredCounterparty
from sekisho.screen.policy import Policy
from sekisho.screen.transaction import TransactionScreener

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "transactions"))
from txworld import ALL_SOURCES, build, entities  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def records(request, tmp_path):
    if request.param == "sqlite":
        r = Records.open(url=f"sqlite:///{tmp_path / 'rec.db'}")
        yield r
        r.close()
        return
    if not _pg_reachable():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    r = Records.open(url=url)
    yield r
    r.close()
    with admin.begin() as c:
        c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="module")
def screener():
    return TransactionScreener.from_entities(entities(), ALL_SOURCES)


DE = {"role": "end_user", "name": "Rheinland Maschinenbau GmbH", "country": "DE", "address": "Industriestrasse 5, Koeln"}
LAPTOP = {"description": "Laptop", "eccn": "EAR99", "quantity": 3, "unit_value": 1000}


def test_migrations_create_tables_and_reopen_is_idempotent(records):
    names = set(inspect(records.engine).get_table_names())
    assert {"decisions", "policies", "counterparties", "review_cases", "audit_log",
            "monitor_state", "sekisho_records_version"} <= names
    again = Records(records.engine)
    assert again.count_counterparties() == 0


def test_save_and_read_decision(records, screener):
    r = screener.decide(build([DE], [LAPTOP], id="tx-a"))
    records.save_decisions([r], screener.policy)
    stored = records.decision(r.decision.id)
    assert stored.decision == r.decision
    assert stored.transaction == r.transaction.to_dict()
    assert stored.context["sources"] == ALL_SOURCES
    assert records.policy_texts(screener.policy.version) == screener.policy.texts
    assert Policy.from_texts(records.policy_texts(screener.policy.version)).version == screener.policy.version
    assert records.count_counterparties() == 2  # exporter + end user
    assert records.decisions_for("DE:rheinland maschinenbau gmbh") == [r.decision.id]
    assert records.parties_at_address("industriestrasse 5 koeln") == 1
    assert records.max_quantity("DE:rheinland maschinenbau gmbh", "other") == 3
    with pytest.raises(NotFoundError):
        records.decision("dec_nope")


def test_audit_log_is_chained_and_append_only(records, screener):
    r = screener.decide(build([DE], [LAPTOP], id="tx-b"))
    records.save_decisions([r], screener.policy)
    records.audit(actor="t", action="note", subject="x", payload={"n": 1})
    assert records.verify_audit() == 3  # policy.add, decision.add, note
    for stmt in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log",
                 "UPDATE decisions SET outcome = 'clear'", "DELETE FROM decisions"):
        with pytest.raises(SQLAlchemyError), records.engine.begin() as c:
            c.execute(text(stmt))
    assert records.verify_audit() == 3


def test_tampering_is_detected(tmp_path, screener):
    url = f"sqlite:///{tmp_path / 'rec.db'}"
    records = Records.open(url=url)
    records.audit(actor="t", action="a", subject="s", payload={"n": 1})
    records.audit(actor="t", action="b", subject="s", payload={"n": 2})
    with records.engine.begin() as c:  # an attacker with file access drops the trigger
        c.execute(text("DROP TRIGGER audit_log_no_update"))
        c.execute(text("UPDATE audit_log SET payload = :p WHERE seq = 1"), {"p": '{"n":3}'})
    with pytest.raises(StoreError, match="entry 1"):
        records.verify_audit()


def test_batch_is_atomic(records, screener):
    a = screener.decide(build([DE], [LAPTOP], id="tx-c"))
    b = screener.decide(build([DE], [LAPTOP], id="tx-d"))
    records.save_decisions([a], screener.policy)
    before = (len(records.decisions(100)), len(records.audit_entries()), records.count_counterparties())
    with pytest.raises(StoreError, match="nothing was recorded"):
        records.save_decisions([b, a], screener.policy)  # a again: duplicate key at the end
    after = (len(records.decisions(100)), len(records.audit_entries()), records.count_counterparties())
    assert before == after


def test_held_decision_opens_a_case(records, screener):
    r = screener.decide(build([DE], [LAPTOP], id="tx-held", end_use="resale"))
    assert r.decision.outcome.value == "review"
    records.save_decisions([r], screener.policy)
    cases = records.cases()
    assert [c["decision_id"] for c in cases] == [r.decision.id]
    assert "END_USE_MISSING" in cases[0]["message"]


def test_counterparty_bulk_and_pagination(records):
    rows = [StoredCounterparty(f"XX:party {i:05d}", f"Party {i}", "XX", None) for i in range(1234)]
    assert records.add_counterparties(rows) == 1234
    seen = [cp.key for batch in records.counterparties(batch=500) for cp in batch]
    assert len(seen) == 1234 and seen == sorted(seen)


def test_monitor_state_and_cases(records):
    ids = records.save_monitor_run({"us_trade_csl": "s1"}, [{
        "kind": "monitor", "counterparty_key": "CN:x", "decision_id": None, "source": "us_trade_csl",
        "snapshot_id": "s1", "entity_id": "us_trade_csl:1", "score": 0.9, "message": "m"}])
    assert records.monitor_state() == {"us_trade_csl": "s1"}
    records.save_monitor_run({"us_trade_csl": "s2"}, [])
    assert records.monitor_state() == {"us_trade_csl": "s2"}
    assert [c["id"] for c in records.cases()] == ids
    assert records.verify_audit() == 3
