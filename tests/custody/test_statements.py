"""Canonical JSON (RFC 8785), statements, signatures, commitments, the logging rules."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st_

from sekisho.custody import devices, note
from sekisho.custody import statements as st
from sekisho.custody.devices import RejectedError, attest, commissioning_statement, party_statement
from sekisho.custody.ledger import Ledger

DEV = "urn:epc:id:sgtin:0614141.107346.2017"
MAKER = "urn:epc:id:pgln:0614141.00001"
SHIPPER = "urn:epc:id:pgln:0614141.00002"


def test_rfc8785_examples() -> None:
    # RFC 8785 §3.2.2 / appendix examples
    assert st.canonical(
        {"numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001]}
    ) == (b'{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}')
    assert st.canonical({"string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/"}) == (
        '{"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'.encode()
    )
    assert st.canonical({"literals": [None, True, False]}) == b'{"literals":[null,true,false]}'
    # sorting by UTF-16 code units (RFC 8785 §3.2.3 example)
    sample = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = [k for k in json.loads(st.canonical(sample))]
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


json_values = st_.recursive(
    st_.none()
    | st_.booleans()
    | st_.integers(-(2**60), 2**60)
    | st_.text(max_size=8)
    | st_.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st_.lists(children, max_size=4)
        | st_.dictionaries(st_.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_fast_path_equals_rfc8785(value: object) -> None:
    try:
        want = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(st.StatementError):
            st.canonical(value)
        return
    assert st.canonical(value) == want


def _event(step: str, when: str = "2026-03-01T10:00:00Z", **kw: object) -> dict:
    ev = {
        "type": "ObjectEvent",
        "eventTime": when,
        "eventTimeZoneOffset": "+00:00",
        "epcList": [DEV],
        "action": "OBSERVE",
        "bizStep": step,
    }
    ev.update(kw)
    return ev


@pytest.fixture
def world(tmp_path: Path):
    operator = note.generate_signer("example.com/custody")
    maker = note.generate_signer("maker.example")
    shipper = note.generate_signer("shipper.example")
    device_key = note.generate_signer("device.example")
    ledger = Ledger.create(tmp_path / "log", operator)
    ledger.record(party_statement(operator, MAKER, "Maker Inc", maker.verifier, "US"))
    ledger.record(party_statement(operator, SHIPPER, "Shipper Ltd", shipper.verifier, "SG"))
    ledger.record(
        commissioning_statement(
            maker, MAKER, DEV, "2017", "G1", "3A090.a", device_key.verifier, "2026-03-01T00:00:00Z"
        )
    )
    yield ledger, operator, maker, shipper, device_key
    ledger.close()


def test_statement_roundtrip_and_signature(world) -> None:
    ledger, _, maker, shipper, _ = world
    head = ledger.registry.heads[DEV]
    s = st.event_statement(_event("shipping"), DEV, head, shipper)
    parsed = st.parse(s.entry)
    assert parsed.entry == s.entry and parsed.hash == s.hash
    assert parsed.event["eventID"].startswith("ni:///sha-256;")
    st.verify_sig(parsed, shipper.verifier)
    with pytest.raises(Exception, match="signer"):
        st.verify_sig(parsed, maker.verifier)
    idx = ledger.record(s)
    assert ledger.log.index_of(s.entry) == idx
    assert ledger.record(s) == idx  # duplicate: same index, nothing appended
    assert ledger.registry.heads[DEV] == s.hash


def test_commitments() -> None:
    c, salt = st.commit("PO-1234")
    assert st.open_commitment(c, salt, "PO-1234")
    assert not st.open_commitment(c, salt, "PO-1235")
    c2, _ = st.commit("PO-1234")
    assert c2 != c  # salted


def test_rejections_append_nothing(world) -> None:
    ledger, operator, maker, shipper, _ = world
    size = ledger.log.size
    head = ledger.registry.heads[DEV]
    stranger = note.generate_signer("stranger.example")
    cases = [
        (st.event_statement(_event("shipping"), DEV, head, stranger), "unknown signer"),
        (
            st.event_statement(
                _event("shipping", epcList=["urn:x:other"]), "urn:x:other", None, shipper
            ),
            "unknown device",
        ),
        (st.event_statement(_event("shipping"), DEV, "0" * 64, shipper), "prev"),
        (party_statement(maker, "urn:p", "P", stranger.verifier), "operator"),
    ]
    good = st.event_statement(_event("shipping"), DEV, head, shipper)
    forged = dict(good.body, sig=base64.b64encode(bytes(64)).decode())
    cases.append((st.from_body(forged), "bad signature"))
    tampered = dict(good.body, device=DEV)
    tampered["event"] = dict(good.event, bizStep="receiving")
    cases.append((st.from_body(tampered), "bad signature"))
    for stmt, msg in cases:
        with pytest.raises(RejectedError, match=msg):
            ledger.record(stmt)
    with pytest.raises(st.StatementError, match="eventTime"):
        st.event_statement(_event("shipping", when="yesterday"), DEV, head, shipper)
    with pytest.raises(st.StatementError, match="type"):
        st.event_statement(dict(_event("shipping"), type="Nope"), DEV, head, shipper)
    with pytest.raises(st.StatementError, match="canonical"):
        st.parse(good.entry.replace(b'{"device"', b'{ "device"', 1))
    # a batch with one bad statement appends nothing at all
    with pytest.raises(RejectedError):
        ledger.record_batch([good, cases[0][0]])
    assert ledger.log.size == size


def test_device_attestation(world) -> None:
    ledger, _, _, shipper, device_key = world
    size, root = ledger.log.size, ledger.log.root_hash
    att = attest(DEV, device_key, size, root)
    s = st.event_statement(
        _event("inspecting"), DEV, ledger.registry.heads[DEV], shipper, attestation=att
    )
    ledger.record(s)
    # an attestation over a root the log never published is rejected
    bad = attest(DEV, device_key, size, b"\x01" * 32)
    s2 = st.event_statement(
        _event("inspecting"), DEV, ledger.registry.heads[DEV], shipper, attestation=bad
    )
    with pytest.raises(RejectedError, match="never published"):
        ledger.record(s2)
    # a signature that does not verify under the stated key is rejected
    broken = dict(att, sig=base64.b64encode(bytes(64)).decode())
    s3 = st.event_statement(
        _event("inspecting"), DEV, ledger.registry.heads[DEV], shipper, attestation=broken
    )
    with pytest.raises(RejectedError, match="device signature"):
        ledger.record(s3)
    assert devices.attestation_message(DEV, 3, b"\0" * 32).startswith(devices.ATTESTATION_DOMAIN)


def test_reopen_rebuilds_registry(world, tmp_path: Path) -> None:
    ledger, *_ = world
    heads, parties = dict(ledger.registry.heads), set(ledger.registry.parties)
    ledger.close()
    again = Ledger.open(tmp_path / "log")
    assert again.registry.heads == heads and set(again.registry.parties) == parties
    assert again.registry.twin(DEV).serial == "2017"
    again.close()
    ledger.log = Ledger.open(tmp_path / "log").log  # let the fixture close a live handle


def test_key_rotation_retires_old_key(world) -> None:
    ledger, operator, _, shipper, _ = world
    new_key = note.generate_signer("shipper2.example")
    ledger.record(party_statement(operator, SHIPPER, "Shipper Ltd", new_key.verifier, "SG"))
    head = ledger.registry.heads[DEV]
    with pytest.raises(RejectedError, match="unknown signer"):
        ledger.record(st.event_statement(_event("shipping"), DEV, head, shipper))
    ledger.record(st.event_statement(_event("shipping"), DEV, head, new_key))
