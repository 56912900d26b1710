"""Parties, device "digital twins" and the rules a statement must pass before it is logged.

Why a registry folded from the log: the key directory and the twins are themselves statements
in the log (party registrations signed by the log operator, twins carried by manufacturer-
signed commissioning events), so an offline auditor rebuilds exactly the same state from the
entries and the log key alone.

Device challenge-response: the device signs, with its own key, the latest checkpoint root it
was shown. Roots are unpredictable before they are published, so a valid attestation proves
the device itself was present after that checkpoint.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sekisho.custody import note
from sekisho.custody import statements as st
from sekisho.custody.statements import Statement
from sekisho.errors import InputError, NotFoundError, VerificationError

ATTESTATION_DOMAIN = b"sekisho.custody/device-attestation@v1\n"


class RejectedError(InputError):
    """A statement breaks a logging rule (unknown device or signer, bad signature, wrong key);
    nothing was appended."""


@dataclass(frozen=True)
class Site:
    """A location a party registered: id (e.g. an SGLN URI), ISO country, optional lat/lon."""

    id: str
    country: str | None = None
    geo: tuple[float, float] | None = None


@dataclass(frozen=True)
class Party:
    """A registered party: its id (e.g. PGLN URI), name, country and signing key."""

    id: str
    name: str
    key: note.Verifier
    country: str | None = None
    sites: tuple[Site, ...] = ()


@dataclass(frozen=True)
class Twin:
    """A device's digital twin, as its manufacturer commissioned it."""

    device: str
    serial: str
    model: str
    eccn: str
    manufacturer: str
    key: note.Verifier
    index: int  # log index of the commissioning statement


def attestation_message(device: str, size: int, root: bytes) -> bytes:
    """What a device signs: domain, its id, and the checkpoint (size, root) it was shown."""
    return ATTESTATION_DOMAIN + f"{device}\n{size}\n{base64.b64encode(root).decode()}\n".encode()


def attest(device: str, device_key: note.Signer, size: int, root: bytes) -> dict[str, Any]:
    """The device side of the challenge-response: an `attestation` field for a statement."""
    sig = device_key.sign(attestation_message(device, size, root))
    return {
        "size": size,
        "root": base64.b64encode(root).decode(),
        "key": device_key.verifier.vkey,
        "sig": base64.b64encode(sig).decode(),
    }


def parse_geo(value: Any) -> tuple[float, float] | None:
    """[lat, lon] list or a 'geo:lat,lon' URI."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return float(value[0]), float(value[1])
    if isinstance(value, str) and value.startswith("geo:"):
        lat, _, rest = value[4:].partition(",")
        lon = rest.split(";")[0].split(",")[0]
        return float(lat), float(lon)
    return None


@dataclass
class Registry:
    """Custody state rebuilt from the log: key directory, twins, device chains."""

    operator: note.Verifier
    parties: dict[str, Party] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # "name+keyid" -> party id
    twins: dict[str, list[Twin]] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)  # device -> hash of last statement
    sites: dict[str, Site] = field(default_factory=dict)

    # ---------------------------------------------------------------- queries

    def party_by_signer(self, signer: str) -> Party | None:
        pid = self.keys.get(signer)
        return self.parties.get(pid) if pid else None

    def twin(self, device: str) -> Twin:
        twins = self.twins.get(device)
        if not twins:
            raise NotFoundError(f"unknown device {device!r}: it was never commissioned")
        return twins[0]

    def location(self, loc_id: str | None) -> Site | None:
        if loc_id is None:
            return None
        if loc_id in self.sites:
            return self.sites[loc_id]
        geo = parse_geo(loc_id)
        return Site(loc_id, None, geo) if geo else None

    # ---------------------------------------------------------------- rules

    def check(
        self,
        stmt: Statement,
        *,
        root_at: Callable[[int], bytes | None] | None = None,
        strict_prev: bool = True,
        where: str = "statement",
    ) -> None:
        """Raise RejectedError unless `stmt` may be logged now."""
        if stmt.kind == "party":
            self._check_party(stmt, where)
            return
        party = self.party_by_signer(stmt.signer)
        if party is None:
            raise RejectedError(
                f"unknown signer {stmt.signer}: register the party first",
                file=where,
                field="signer",
            )
        self._verify(stmt, party.key, where)
        device = stmt.device or ""
        if stmt.biz_step == "commissioning":
            self._check_commissioning(stmt, party, where)
        else:
            if device not in self.twins:
                raise RejectedError(
                    f"unknown device {device!r}: it was never commissioned",
                    file=where,
                    field="device",
                )
            if strict_prev and stmt.prev != self.heads.get(device):
                raise RejectedError(
                    f"prev does not match the device's last statement {self.heads.get(device)}",
                    file=where,
                    field="prev",
                )
        self._check_fields(stmt, where)
        att = stmt.body.get("attestation")
        if att is not None:
            self._check_attestation(stmt, att, root_at, where)

    def _verify(self, stmt: Statement, key: note.Verifier, where: str) -> None:
        try:
            st.verify_sig(stmt, key)
        except VerificationError as exc:
            raise RejectedError(str(exc), file=where, field="sig") from exc

    def _check_party(self, stmt: Statement, where: str) -> None:
        if stmt.signer != f"{self.operator.name}+{self.operator.key_id.hex()}":
            raise RejectedError(
                "parties are registered by the log operator's key", file=where, field="signer"
            )
        self._verify(stmt, self.operator, where)
        try:
            note.parse_vkey(stmt.body["party"]["key"])
        except note.NoteError as exc:
            raise RejectedError(str(exc), file=where, field="party.key") from exc

    def _check_commissioning(self, stmt: Statement, party: Party, where: str) -> None:
        twin = stmt.body.get("twin")
        if not isinstance(twin, dict):
            raise RejectedError(
                "a commissioning event must carry the device twin", file=where, field="twin"
            )
        for key in ("serial", "model", "eccn", "manufacturer", "key"):
            if not isinstance(twin.get(key), str) or not twin[key]:
                raise RejectedError("missing", file=where, field=f"twin.{key}")
        if twin["manufacturer"] != party.id:
            raise RejectedError(
                "the twin must be signed by its manufacturer", file=where, field="twin.manufacturer"
            )
        if stmt.prev is not None:
            raise RejectedError(
                "a commissioning statement starts a chain (prev must be null)",
                file=where,
                field="prev",
            )
        try:
            note.parse_vkey(twin["key"])
        except note.NoteError as exc:
            raise RejectedError(str(exc), file=where, field="twin.key") from exc

    def _check_fields(self, stmt: Statement, where: str) -> None:
        export = stmt.body.get("export")
        if export is not None:
            if not isinstance(export, dict):
                raise RejectedError("must be an object", file=where, field="export")
            for key in ("eccn", "licence", "endUser"):
                if key in export and not isinstance(export[key], str):
                    raise RejectedError("must be a string", file=where, field=f"export.{key}")
            for key in ("consignees", "sites"):
                if key in export and not (
                    isinstance(export[key], list) and all(isinstance(x, str) for x in export[key])
                ):
                    raise RejectedError("must be a list of ids", file=where, field=f"export.{key}")
        commitments = stmt.body.get("commitments")
        if commitments is not None and (
            not isinstance(commitments, dict)
            or not all(isinstance(v, str) and st.HEX64.match(v) for v in commitments.values())
        ):
            raise RejectedError(
                "values must be 64-hex SHA-256 commitments", file=where, field="commitments"
            )

    def _check_attestation(
        self, stmt: Statement, att: Any, root_at: Callable[[int], bytes | None] | None, where: str
    ) -> None:
        try:
            key = note.parse_vkey(att["key"])
            size, root = int(att["size"]), base64.b64decode(att["root"], validate=True)
            sig = base64.b64decode(att["sig"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error, note.NoteError) as exc:
            raise RejectedError(
                f"malformed attestation: {exc}", file=where, field="attestation"
            ) from exc
        try:
            Ed25519PublicKey.from_public_bytes(key.public).verify(
                sig, attestation_message(stmt.device or "", size, root)
            )
        except InvalidSignature as exc:
            raise RejectedError(
                "bad device signature", file=where, field="attestation.sig"
            ) from exc
        if root_at is not None and root_at(size) != root:
            raise RejectedError(
                f"attestation names a checkpoint (size {size}) this log never published",
                file=where,
                field="attestation.root",
            )

    # ---------------------------------------------------------------- state

    def apply(self, stmt: Statement, index: int) -> None:
        """Fold a logged statement into the state (no checks: the log already holds it)."""
        if stmt.kind == "party":
            p = stmt.body["party"]
            sites = tuple(
                Site(s["id"], s.get("country"), parse_geo(s.get("geo")))
                for s in p.get("sites", [])
                if isinstance(s, dict) and isinstance(s.get("id"), str)
            )
            party = Party(p["id"], p["name"], note.parse_vkey(p["key"]), p.get("country"), sites)
            self.parties[party.id] = party
            # a re-registration rotates the key: the old one stops being accepted
            self.keys = {k: v for k, v in self.keys.items() if v != party.id}
            self.keys[f"{party.key.name}+{party.key.key_id.hex()}"] = party.id
            for s in sites:
                self.sites[s.id] = s
            return
        device = stmt.device or ""
        if stmt.biz_step == "commissioning" and isinstance(stmt.body.get("twin"), dict):
            t = stmt.body["twin"]
            try:
                key = note.parse_vkey(t["key"])
            except (KeyError, note.NoteError):
                key = None
            if key is not None:
                self.twins.setdefault(device, []).append(
                    Twin(device, t["serial"], t["model"], t["eccn"], t["manufacturer"], key, index)
                )
        self.heads[device] = stmt.hash


def party_statement(
    operator: note.Signer,
    party_id: str,
    name: str,
    key: note.Verifier,
    country: str | None = None,
    sites: list[dict[str, Any]] | None = None,
) -> Statement:
    """A key-directory entry, signed by the log operator."""
    party: dict[str, Any] = {"id": party_id, "name": name, "key": key.vkey}
    if country:
        party["country"] = country
    if sites:
        party["sites"] = sites
    return st.build({"kind": "party", "party": party}, operator)


def commissioning_statement(
    manufacturer: note.Signer,
    manufacturer_id: str,
    device: str,
    serial: str,
    model: str,
    eccn: str,
    device_key: note.Verifier,
    event_time: str,
    location: str | None = None,
) -> Statement:
    """The manufacturer-signed commissioning event that registers a device twin."""
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": event_time,
        "eventTimeZoneOffset": "+00:00",
        "epcList": [device],
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "sourceList": [],
        "destinationList": [
            {"type": "owning_party", "destination": manufacturer_id},
            {"type": "possessing_party", "destination": manufacturer_id},
        ],
    }
    if location:
        event["readPoint"] = {"id": location}
        event["bizLocation"] = {"id": location}
    twin = {
        "serial": serial,
        "model": model,
        "eccn": eccn,
        "manufacturer": manufacturer_id,
        "key": device_key.vkey,
    }
    return st.event_statement(event, device, None, manufacturer, twin=twin)
