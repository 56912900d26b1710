"""Diversion detectors: the demo scenario gives exactly its alerts; each detector on its own."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sekisho.custody import demo, diversion, note, verify
from sekisho.custody import statements as st
from sekisho.custody.devices import attest, commissioning_statement, party_statement
from sekisho.custody.ledger import Ledger


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> demo.DemoResult:
    return demo.build(tmp_path_factory.mktemp("demo") / "log", 200)


def test_scenario_gives_exactly_its_alerts(demo_log: demo.DemoResult) -> None:
    with Ledger.open(demo_log.root) as ledger:
        screen = diversion.name_screener(demo_log.restricted)
        alerts = diversion.detect(ledger.registry, ledger.statements, screen=screen)
        twins = sum(len(t) for t in ledger.registry.twins.values())
    got = Counter((a.kind, a.device) for a in alerts)
    assert got == Counter(
        {
            ("receipt_mismatch", demo_log.diverted): 1,
            ("outside_licence", demo_log.diverted): 2,  # the shell company, then the end holder
            ("restricted_holder", demo_log.diverted): 1,
            ("duplicate_commissioning", demo_log.cloned): 1,
            ("device_dark", demo_log.dark): 1,
        }
    )
    assert twins == 201
    for a in alerts:
        assert a.evidence and all(len(e.hash) == 64 for e in a.evidence)
    # without a screener the restricted-holder alert is not produced (and nothing claims clear)
    with Ledger.open(demo_log.root) as ledger:
        kinds = {a.kind for a in diversion.detect(ledger.registry, ledger.statements)}
    assert "restricted_holder" not in kinds


def test_scenario_log_audits_and_is_reproducible(demo_log: demo.DemoResult, tmp_path: Path) -> None:
    report = verify.audit_custody(demo_log.root, note.parse_vkey(demo_log.vkey))
    assert report.entries == demo_log.statements
    again = demo.build(tmp_path / "again", 200)
    assert (tmp_path / "again" / "checkpoint").read_bytes() == (
        demo_log.root / "checkpoint"
    ).read_bytes()
    assert again.vkey == demo_log.vkey


def test_screening_failure_is_reported_not_cleared(demo_log: demo.DemoResult) -> None:
    def broken(name: str) -> list[str]:
        raise RuntimeError("no list snapshot is loaded")

    with Ledger.open(demo_log.root) as ledger:
        alerts = diversion.detect(ledger.registry, ledger.statements, screen=broken)
    incomplete = [a for a in alerts if a.kind == "screening_incomplete"]
    assert incomplete and all(a.severity == "review" for a in incomplete)


# ------------------------------------------------------------------ single detectors

T0 = datetime(2026, 5, 1, tzinfo=UTC)
DEV = "urn:epc:id:sgtin:1.2.X1"
A, B, C = "urn:p:a", "urn:p:b", "urn:p:c"


def _ev(step: str, days: float, loc: str | None = None, dest: str | None = None, **kw) -> dict:
    ev = {
        "type": "ObjectEvent",
        "eventTime": (T0 + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventTimeZoneOffset": "+00:00",
        "epcList": [DEV],
        "action": "OBSERVE",
        "bizStep": step,
    }
    if loc:
        ev["readPoint"] = {"id": loc}
    if dest:
        ev["destinationList"] = [{"type": "possessing_party", "destination": dest}]
    ev.update(kw)
    return ev


@pytest.fixture
def small(tmp_path: Path):
    op = note.generate_signer("example.com/log")
    keys = {p: note.generate_signer(f"{p[-1]}.example") for p in (A, B, C)}
    dev_key = note.generate_signer("dev.example")
    ledger = Ledger.create(tmp_path / "log", op)
    ledger.record_batch(
        [party_statement(op, p, f"Party {p[-1].upper()}", k.verifier) for p, k in keys.items()]
    )
    ledger.record(
        commissioning_statement(
            keys[A],
            A,
            DEV,
            "X1",
            "M",
            "3A090.a",
            dev_key.verifier,
            T0.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "geo:35.68,139.69",
        )
    )
    yield ledger, keys, dev_key
    ledger.close()


def _add(ledger: Ledger, key: note.Signer, ev: dict, **kw) -> st.Statement:
    s = st.event_statement(ev, DEV, ledger.registry.heads[DEV], key, **kw)
    ledger.record(s)
    return s


def _kinds(ledger: Ledger, **cfg) -> list[str]:
    return [
        a.kind
        for a in diversion.detect(ledger.registry, ledger.statements, diversion.Settings(**cfg))
    ]


def test_fork(small) -> None:
    ledger, keys, _ = small
    head = ledger.registry.heads[DEV]
    a = st.event_statement(_ev("inspecting", 1), DEV, head, keys[A])
    b = st.event_statement(_ev("inspecting", 1.5), DEV, head, keys[B])
    ledger.record(a)
    with pytest.raises(Exception, match="prev"):
        ledger.record(b)  # the recorder refuses a stale prev...
    ledger.record(b, strict_prev=False)  # ...but a log may still hold one (e.g. replicated)
    alerts = diversion.detect(ledger.registry, ledger.statements)
    fork = [x for x in alerts if x.kind == "fork"]
    assert len(fork) == 1 and {e.hash for e in fork[0].evidence} == {a.hash, b.hash}


def test_foreign_key_and_dark(small) -> None:
    ledger, keys, dev_key = small
    other = note.generate_signer("impostor.example")
    _add(
        ledger,
        keys[A],
        _ev("inspecting", 1),
        attestation=attest(DEV, dev_key, ledger.log.size, ledger.log.root_hash),
    )
    _add(
        ledger,
        keys[A],
        _ev("inspecting", 2),
        attestation=attest(DEV, other, ledger.log.size, ledger.log.root_hash),
    )
    kinds = _kinds(ledger, now=T0 + timedelta(days=3))
    assert kinds == ["foreign_key"]
    assert "device_dark" in _kinds(ledger, now=T0 + timedelta(days=40))


def test_unreceived_shipment_and_mismatch(small) -> None:
    ledger, keys, _ = small
    _add(ledger, keys[A], _ev("shipping", 1, dest=B))
    assert "shipment_unreceived" in _kinds(ledger, now=T0 + timedelta(days=20))
    assert "shipment_unreceived" not in _kinds(ledger, now=T0 + timedelta(days=10))
    _add(ledger, keys[C], _ev("receiving", 3, dest=C))
    kinds = _kinds(ledger, now=T0 + timedelta(days=20))
    assert "receipt_mismatch" in kinds and "shipment_unreceived" not in kinds


def test_outside_licence_site(small) -> None:
    ledger, keys, _ = small
    export = {"eccn": "3A090.a", "licence": "L1", "endUser": B, "sites": ["geo:1.29,103.85"]}
    _add(ledger, keys[A], _ev("shipping", 1, dest=B), export=export)
    _add(ledger, keys[B], _ev("receiving", 2, loc="geo:1.29,103.85", dest=B))
    assert "outside_licence" not in _kinds(ledger)
    _add(ledger, keys[B], _ev("installing", 3, loc="geo:22.3,114.17"))
    alerts = [
        a
        for a in diversion.detect(ledger.registry, ledger.statements)
        if a.kind == "outside_licence"
    ]
    assert len(alerts) == 1 and "site geo:22.3,114.17" in alerts[0].message


def test_impossible_travel(small) -> None:
    ledger, keys, _ = small
    _add(ledger, keys[A], _ev("inspecting", 0.1, loc="geo:35.68,139.69"))  # Tokyo
    _add(ledger, keys[A], _ev("inspecting", 0.2, loc="geo:51.5,-0.12"))  # London 2.4 h later
    alerts = [
        a
        for a in diversion.detect(ledger.registry, ledger.statements)
        if a.kind == "impossible_travel"
    ]
    assert len(alerts) == 1 and alerts[0].data["km"] > 9000


def test_error_declaration_retracts_event(small) -> None:
    ledger, keys, _ = small
    wrong = _add(ledger, keys[A], _ev("inspecting", 0.1, loc="geo:51.5,-0.12"))  # mistyped site
    assert "impossible_travel" in _kinds(ledger)
    declared = dict(
        wrong.event,
        errorDeclaration={"declarationTime": "2026-05-02T00:00:00Z", "reason": "incorrect_data"},
    )
    _add(ledger, keys[A], declared)
    assert "impossible_travel" not in _kinds(ledger)
    assert wrong.entry in {s.entry for s in ledger.statements}  # nothing was edited


def test_name_screener_uses_match_engine() -> None:
    screen = diversion.name_screener(["Orion Vanguard Research Institute"])
    assert screen("ORION VANGUARD RESEARCH INSTITUTE")
    assert not screen("Sakura Compute K.K.")


def test_store_screener_without_lists_fails_closed(demo_log: demo.DemoResult, home: Path) -> None:
    """With no list snapshot loaded the real Screener reports a problem; holders are flagged
    `screening_incomplete` for review instead of being treated as clean."""
    screen = diversion.store_screener()
    with Ledger.open(demo_log.root, readonly=True) as ledger:
        alerts = diversion.detect(ledger.registry, ledger.statements, screen=screen)
    incomplete = [a for a in alerts if a.kind == "screening_incomplete"]
    assert incomplete and "no list snapshot" in incomplete[0].message
    assert not [a for a in alerts if a.kind == "restricted_holder"]
