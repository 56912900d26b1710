"""Custody statements: one GS1 EPCIS 2.0 event (or a party registration) in RFC 8785 canonical
JSON, chained per device by `prev`, signed by the acting party's Ed25519 key.

Why canonical JSON: the log entry *is* the canonical bytes, so the statement hash, the leaf hash
and the signature all cover exactly one byte string that anyone can recompute. Corrections are
new events carrying an EPCIS `errorDeclaration`; nothing is ever edited.

Statement fields (all strings unless noted):
  v            "sekisho.custody/statement@v1"
  kind         "event" | "party"
  device       device id (EPC URI) the event is about (event)
  prev         hex SHA-256 of that device's previous statement, null for its first (event)
  event        the EPCIS 2.0 event object (event)
  twin         device twin, required on a commissioning event: serial, model, eccn,
               manufacturer (party id), key (the device's own vkey)
  export       optional: eccn, licence, endUser, consignees [party ids], sites [location ids]
  commitments  optional: name -> hex SHA-256(salt || value) for secrets (PO numbers, prices)
  attestation  optional: device challenge-response over a checkpoint (see devices.py)
  party        party registration: id, name, country, key (vkey), sites (party)
  signer       "<key name>+<hex key id>" of the signing key
  sig          base64 Ed25519 signature over DOMAIN || canonical(statement without sig)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sekisho.custody import note
from sekisho.errors import InputError, VerificationError

VERSION = "sekisho.custody/statement@v1"
DOMAIN = (VERSION + "\n").encode()
EVENT_TYPES = {"ObjectEvent", "AggregationEvent", "TransactionEvent"}
ACTIONS = {"ADD", "OBSERVE", "DELETE"}
CBV_BIZSTEP = "https://ref.gs1.org/cbv/BizStep-"
CBV_DISP = "https://ref.gs1.org/cbv/Disp-"
BIZ_STEPS = {
    "accepting",
    "arriving",
    "assembling",
    "collecting",
    "commissioning",
    "consigning",
    "creating_class_instance",
    "cycle_counting",
    "decommissioning",
    "departing",
    "destroying",
    "disassembling",
    "dispensing",
    "encoding",
    "entering_exiting",
    "holding",
    "inspecting",
    "installing",
    "killing",
    "loading",
    "other",
    "packing",
    "picking",
    "receiving",
    "removing",
    "repackaging",
    "repairing",
    "replacing",
    "reserving",
    "retail_selling",
    "sampling",
    "sensor_reporting",
    "shipping",
    "staging_outbound",
    "stock_taking",
    "stocking",
    "storing",
    "transporting",
    "unloading",
    "unpacking",
    "void_shipping",
}
SOURCE_DEST_TYPES = {"owning_party", "possessing_party", "location"}
HEX64 = re.compile(r"^[0-9a-f]{64}$")
_MAX_SAFE = 2**53 - 1


class StatementError(InputError):
    """A statement or event is malformed; names the field."""


def canonical(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes. Fast path through the stdlib when it provably gives the same
    bytes (no floats, safe integers, ASCII keys); otherwise the rfc8785 package."""
    if _simple(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise StatementError(f"cannot be canonicalised (RFC 8785): {exc}") from exc


def _simple(value: Any) -> bool:
    """True when json.dumps(sort_keys) already equals RFC 8785 for this value: no floats,
    integers within +-(2**53 - 1), ASCII keys (UTF-16 and code-point order agree), no lone
    surrogates. Iterative with exact type checks because it runs on every statement."""
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is str:
            if not v.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in v):
                return False
        elif t is dict:
            for k, item in v.items():
                if type(k) is not str or not k.isascii():
                    return False
                stack.append(item)
        elif t is list or t is tuple:
            stack.extend(v)
        elif t is int:
            if not -_MAX_SAFE <= v <= _MAX_SAFE:
                return False
        elif not (t is bool or v is None):
            return False  # floats and anything else: the full algorithm
    return True


def statement_hash(entry: bytes) -> str:
    """Hex SHA-256 of a statement's canonical bytes: what `prev` refers to."""
    return hashlib.sha256(entry).hexdigest()


def commit(value: str, salt: bytes | None = None) -> tuple[str, str]:
    """Salted commitment to a secret: returns (commitment hex, salt hex). Keep the salt private;
    reveal (salt, value) to an auditor, who checks it with `open_commitment`."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    return hashlib.sha256(salt + value.encode()).hexdigest(), salt.hex()


def open_commitment(commitment: str, salt_hex: str, value: str) -> bool:
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    return secrets.compare_digest(hashlib.sha256(salt + value.encode()).hexdigest(), commitment)


def event_id(event: dict[str, Any]) -> str:
    """A content-derived eventID (RFC 6920 ni: URI of the canonical event without eventID)."""
    body = {k: v for k, v in event.items() if k != "eventID"}
    return "ni:///sha-256;" + hashlib.sha256(canonical(body)).hexdigest() + "?ver=CBV2.0"


def short_vocab(value: str | None, prefix: str) -> str | None:
    """'https://ref.gs1.org/cbv/BizStep-shipping' or 'shipping' -> 'shipping'."""
    if value is None:
        return None
    return value[len(prefix) :] if value.startswith(prefix) else value


def parse_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise StatementError("must be an ISO 8601 date-time string", field=field)
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise StatementError(f"not an ISO 8601 date-time: {value!r}", field=field) from exc
    if t.tzinfo is None:
        raise StatementError("date-time needs a time zone (Z or +hh:mm)", field=field)
    return t


def validate_event(event: Any, where: str = "event") -> dict[str, Any]:
    """Check the EPCIS 2.0 event shape we rely on; returns it (with eventID filled in)."""
    if not isinstance(event, dict):
        raise StatementError("must be a JSON object", field=where)
    etype = event.get("type")
    if etype not in EVENT_TYPES:
        raise StatementError(
            f"type must be one of {sorted(EVENT_TYPES)}, got {etype!r}", field=f"{where}.type"
        )
    parse_time(event.get("eventTime"), f"{where}.eventTime")
    tz = event.get("eventTimeZoneOffset")
    if not isinstance(tz, str) or not re.fullmatch(r"[+-]\d\d:\d\d", tz):
        raise StatementError("must be like +09:00", field=f"{where}.eventTimeZoneOffset")
    if event.get("action") not in ACTIONS:
        raise StatementError(f"must be one of {sorted(ACTIONS)}", field=f"{where}.action")
    step = short_vocab(event.get("bizStep"), CBV_BIZSTEP)
    if step is not None and step not in BIZ_STEPS and not str(step).startswith(("http", "urn")):
        raise StatementError(f"unknown CBV bizStep {step!r}", field=f"{where}.bizStep")
    for key in ("readPoint", "bizLocation"):
        if key in event and not (
            isinstance(event[key], dict) and isinstance(event[key].get("id"), str)
        ):
            raise StatementError("must be an object with an 'id'", field=f"{where}.{key}")
    for key, inner in (("sourceList", "source"), ("destinationList", "destination")):
        items = event.get(key, [])
        if not isinstance(items, list):
            raise StatementError("must be a list", field=f"{where}.{key}")
        for i, item in enumerate(items):
            ok = isinstance(item, dict) and isinstance(item.get(inner), str)
            if (
                not ok
                or short_vocab(item.get("type"), "https://ref.gs1.org/cbv/SDT-")
                not in SOURCE_DEST_TYPES
            ):
                raise StatementError(
                    f"needs 'type' (owning_party, possessing_party, location) and '{inner}'",
                    field=f"{where}.{key}[{i}]",
                )
    if etype == "AggregationEvent" and not isinstance(event.get("parentID"), str):
        raise StatementError("an AggregationEvent needs parentID", field=f"{where}.parentID")
    if etype == "TransactionEvent" and not isinstance(event.get("bizTransactionList"), list):
        raise StatementError(
            "a TransactionEvent needs bizTransactionList", field=f"{where}.bizTransactionList"
        )
    err = event.get("errorDeclaration")
    if err is not None and not (isinstance(err, dict) and "declarationTime" in err):
        raise StatementError("needs declarationTime", field=f"{where}.errorDeclaration")
    out = dict(event)
    if "eventID" not in out:
        out["eventID"] = event_id(event)
    return out


def event_epcs(event: dict[str, Any]) -> list[str]:
    """Every EPC an event names (epcList, childEPCs, parentID)."""
    out = list(event.get("epcList") or []) + list(event.get("childEPCs") or [])
    if isinstance(event.get("parentID"), str):
        out.append(event["parentID"])
    return [e for e in out if isinstance(e, str)]


def party_of(items: list[dict[str, Any]] | None, key: str, kind: str) -> str | None:
    """The party of `kind` (owning_party/possessing_party/location) in a source/destination list."""
    for item in items or []:
        if short_vocab(item.get("type"), "https://ref.gs1.org/cbv/SDT-") == kind:
            return item.get(key)
    return None


@dataclass(frozen=True)
class Statement:
    """A parsed, canonical statement; `entry` is the exact log entry bytes."""

    body: dict[str, Any]
    entry: bytes

    @property
    def hash(self) -> str:
        return statement_hash(self.entry)

    @property
    def kind(self) -> str:
        return self.body["kind"]

    @property
    def device(self) -> str | None:
        return self.body.get("device")

    @property
    def prev(self) -> str | None:
        return self.body.get("prev")

    @property
    def event(self) -> dict[str, Any]:
        return self.body.get("event") or {}

    @property
    def signer(self) -> str:
        return self.body["signer"]

    @property
    def biz_step(self) -> str | None:
        return short_vocab(self.event.get("bizStep"), CBV_BIZSTEP)

    @property
    def time(self) -> datetime:
        return parse_time(self.event.get("eventTime"), "event.eventTime")

    def signed_message(self) -> bytes:
        return signed_message(self.body)


def signed_message(body: dict[str, Any]) -> bytes:
    return DOMAIN + canonical({k: v for k, v in body.items() if k != "sig"})


def build(body: dict[str, Any], signer: note.Signer) -> Statement:
    """Sign a statement body (without signer/sig) with `signer`; returns the canonical entry."""
    if signer.alg != note.ALG_ED25519:
        raise StatementError("statements are signed with Ed25519 (type 0x01) keys")
    out = {k: v for k, v in body.items() if k not in ("signer", "sig")}
    out["v"] = VERSION
    if out.get("kind") == "event":
        out["event"] = validate_event(out.get("event"))
    out["signer"] = f"{signer.name}+{signer.key_id.hex()}"
    out["sig"] = base64.b64encode(signer.sign(signed_message(out))).decode()
    return Statement(out, canonical(out))


def event_statement(
    event: dict[str, Any],
    device: str,
    prev: str | None,
    signer: note.Signer,
    **extra: Any,
) -> Statement:
    """Convenience: an event statement about `device` chained to `prev`."""
    body: dict[str, Any] = {"kind": "event", "device": device, "prev": prev, "event": event}
    body.update({k: v for k, v in extra.items() if v is not None})
    return build(body, signer)


def parse(entry: bytes, where: str = "statement") -> Statement:
    """Parse and structurally validate log entry bytes (no signature check: see verify_sig)."""
    try:
        body = json.loads(entry.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StatementError(f"not valid JSON: {exc}", file=where) from exc
    return from_body(body, where, entry)


def from_body(body: Any, where: str = "statement", entry: bytes | None = None) -> Statement:
    if not isinstance(body, dict):
        raise StatementError("must be a JSON object", file=where)
    if body.get("v") != VERSION:
        raise StatementError(f"must be {VERSION!r}", file=where, field="v")
    kind = body.get("kind")
    if kind not in ("event", "party"):
        raise StatementError("must be 'event' or 'party'", file=where, field="kind")
    for key in ("signer", "sig"):
        if not isinstance(body.get(key), str):
            raise StatementError("missing", file=where, field=key)
    if kind == "event":
        if not isinstance(body.get("device"), str) or not body["device"]:
            raise StatementError("missing device id", file=where, field="device")
        prev = body.get("prev")
        if prev is not None and not (isinstance(prev, str) and HEX64.match(prev)):
            raise StatementError("must be null or 64 hex digits", file=where, field="prev")
        try:
            checked = validate_event(body.get("event"))
        except StatementError as exc:
            raise StatementError(exc.detail, file=where, field=exc.field) from exc
        if checked.get("eventID") != body["event"].get("eventID"):
            raise StatementError("missing eventID", file=where, field="event.eventID")
        if body["device"] not in event_epcs(body["event"]):
            raise StatementError("the event does not name the device", file=where, field="device")
    else:
        party = body.get("party")
        if not isinstance(party, dict) or not all(
            isinstance(party.get(k), str) for k in ("id", "name", "key")
        ):
            raise StatementError("needs id, name and key", file=where, field="party")
    canon = canonical(body)
    if entry is not None and entry != canon:
        raise StatementError("entry is not in RFC 8785 canonical form", file=where)
    return Statement(body, canon)


def verify_sig(stmt: Statement, key: note.Verifier) -> None:
    """Raise VerificationError unless `key` is the signer and the signature is valid."""
    if stmt.signer != f"{key.name}+{key.key_id.hex()}":
        raise VerificationError(f"statement signer {stmt.signer} is not the key {key.name}")
    try:
        sig = base64.b64decode(stmt.body["sig"], validate=True)
        Ed25519PublicKey.from_public_bytes(key.public).verify(sig, stmt.signed_message())
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise VerificationError(f"bad signature by {stmt.signer} on the statement") from exc
