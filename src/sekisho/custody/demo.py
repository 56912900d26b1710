"""The custody demo scenario, written as a real signed log (used by `sekisho custody demo`).

N GPUs are commissioned by a US manufacturer, shipped under an export licence via a Singapore
distributor to a licensed end user in Tokyo, installed, and check in (device-signed attestations
over the latest checkpoint) every 29 days. Three things go wrong:

* one GPU is received by a Hong Kong shell company instead of the end user and passed on to an
  unlicensed holder who is on the (demo) restricted list;
* a second party commissions a clone with the same serial (and its own key);
* one GPU stops checking in.

Keys are derived from a seed so the demo log is reproducible byte for byte.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sekisho.custody import note
from sekisho.custody import statements as st
from sekisho.custody.devices import attest, commissioning_statement, party_statement
from sekisho.custody.ledger import Ledger

START = datetime(2026, 1, 5, tzinfo=UTC)
ORIGIN = "demo.sekisho.example/custody"
PARTIES: dict[str, dict[str, Any]] = {
    "maker": {
        "id": "urn:epc:id:pgln:0614141.00001",
        "name": "Northvale Semiconductor Inc.",
        "country": "US",
        "site": ("urn:epc:id:sgln:0614141.00001.0", [37.35, -121.95]),
    },
    "distributor": {
        "id": "urn:epc:id:pgln:8880001.00001",
        "name": "Lion City Components Pte. Ltd.",
        "country": "SG",
        "site": ("urn:epc:id:sgln:8880001.00001.0", [1.29, 103.85]),
    },
    "enduser": {
        "id": "urn:epc:id:pgln:4500001.00001",
        "name": "Sakura Compute K.K.",
        "country": "JP",
        "site": ("urn:epc:id:sgln:4500001.00001.0", [35.68, 139.69]),
    },
    "shell": {
        "id": "urn:epc:id:pgln:4890001.00001",
        "name": "Pacific Bright Trading Limited",
        "country": "HK",
        "site": ("urn:epc:id:sgln:4890001.00001.0", [22.30, 114.17]),
    },
    "holder": {
        "id": "urn:epc:id:pgln:6990001.00001",
        "name": "Orion Vanguard Research Institute",
        "country": "XX",
        "site": ("urn:epc:id:sgln:6990001.00001.0", [43.82, 87.61]),
    },
    "cloner": {
        "id": "urn:epc:id:pgln:6930001.00001",
        "name": "Quickfix Electronics Co.",
        "country": "CN",
        "site": ("urn:epc:id:sgln:6930001.00001.0", [22.54, 114.06]),
    },
}
RESTRICTED_NAMES = ["Orion Vanguard Research Institute"]
LICENCE = "D-2026-004411"
ECCN = "3A090.a"


def _signer(seed: bytes, name: str) -> note.Signer:
    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed + name.encode()).digest())
    pub = private.public_key().public_bytes_raw()
    return note.Signer(name, note.key_id(name, note.ALG_ED25519, pub), note.ALG_ED25519, private)


def device_id(n: int) -> str:
    return f"urn:epc:id:sgtin:0614141.107346.GPU{n:06d}"


@dataclass
class DemoResult:
    root: Path
    vkey: str
    devices: int
    diverted: str
    cloned: str
    dark: str
    restricted: list[str] = field(default_factory=lambda: list(RESTRICTED_NAMES))
    statements: int = 0


def _event(
    step: str,
    device: str,
    when: datetime,
    *,
    action: str = "OBSERVE",
    disposition: str | None = None,
    location: str | None = None,
    source: str | None = None,
    dest: str | None = None,
) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventTimeZoneOffset": "+00:00",
        "epcList": [device],
        "action": action,
        "bizStep": step,
    }
    if disposition:
        ev["disposition"] = disposition
    if location:
        ev["readPoint"] = {"id": location}
        ev["bizLocation"] = {"id": location}
    if source:
        ev["sourceList"] = [
            {"type": "owning_party", "source": source},
            {"type": "possessing_party", "source": source},
        ]
    if dest:
        ev["destinationList"] = [
            {"type": "owning_party", "destination": dest},
            {"type": "possessing_party", "destination": dest},
        ]
    return ev


def build(root: Path, devices: int = 200, seed: bytes = b"sekisho-demo") -> DemoResult:
    """Write the scenario as a complete tlog-tiles log in `root`."""
    if devices < 3:
        raise ValueError("the demo needs at least 3 devices")
    operator = _signer(seed, ORIGIN)
    keys = {
        k: _signer(seed, f"{p['id'].split(':')[-1]}.parties.example") for k, p in PARTIES.items()
    }
    site = {k: p["site"][0] for k, p in PARTIES.items()}
    pid = {k: p["id"] for k, p in PARTIES.items()}
    diverted, dark, cloned = devices // 3, devices // 2, (2 * devices) // 3
    ledger = Ledger.create(root, operator, ORIGIN)
    try:
        ledger.record_batch(
            [
                party_statement(
                    operator,
                    p["id"],
                    p["name"],
                    keys[k].verifier,
                    p["country"],
                    [{"id": p["site"][0], "country": p["country"], "geo": p["site"][1]}],
                )
                for k, p in PARTIES.items()
            ]
        )
        dev_keys = {n: _signer(seed, f"gpu{n:06d}.devices.example") for n in range(devices)}
        prev: dict[int, str] = {}

        def run(batch: list[tuple[int, st.Statement]]) -> None:
            ledger.record_batch([s for _, s in batch])
            for n, s in batch:
                prev[n] = s.hash

        def stmt(n: int, key: str, ev: dict[str, Any], **extra: Any) -> tuple[int, st.Statement]:
            return n, st.event_statement(ev, device_id(n), prev.get(n), keys[key], **extra)

        day = lambda d, h=0: START + timedelta(days=d, hours=h)  # noqa: E731
        run(
            [
                (
                    n,
                    commissioning_statement(
                        keys["maker"],
                        pid["maker"],
                        device_id(n),
                        f"GPU{n:06d}",
                        "NV-H900",
                        ECCN,
                        dev_keys[n].verifier,
                        day(0).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        site["maker"],
                    ),
                )
                for n in range(devices)
            ]
        )
        export = {
            "eccn": ECCN,
            "licence": LICENCE,
            "endUser": pid["enduser"],
            "consignees": [pid["distributor"]],
            "sites": [site["enduser"]],
        }
        po, _salt = st.commit("PO-7731-2026", hashlib.sha256(seed + b"po-salt").digest()[:16])
        run(
            [
                stmt(
                    n,
                    "maker",
                    _event(
                        "shipping",
                        device_id(n),
                        day(2),
                        disposition="in_transit",
                        location=site["maker"],
                        source=pid["maker"],
                        dest=pid["distributor"],
                    ),
                    export=export,
                    commitments={"purchaseOrder": po},
                )
                for n in range(devices)
            ]
        )
        run(
            [
                stmt(
                    n,
                    "distributor",
                    _event(
                        "receiving",
                        device_id(n),
                        day(5),
                        disposition="in_progress",
                        location=site["distributor"],
                        source=pid["maker"],
                        dest=pid["distributor"],
                    ),
                )
                for n in range(devices)
            ]
        )
        run(
            [
                stmt(
                    n,
                    "distributor",
                    _event(
                        "shipping",
                        device_id(n),
                        day(7),
                        disposition="in_transit",
                        location=site["distributor"],
                        source=pid["distributor"],
                        dest=pid["enduser"],
                    ),
                )
                for n in range(devices)
            ]
        )
        holder = {n: "enduser" for n in range(devices)}
        holder[diverted] = "shell"
        run(
            [
                stmt(
                    n,
                    holder[n],
                    _event(
                        "receiving",
                        device_id(n),
                        day(10),
                        disposition="in_progress",
                        location=site[holder[n]],
                        source=pid["distributor"],
                        dest=pid[holder[n]],
                    ),
                )
                for n in range(devices)
            ]
        )
        run(
            [
                stmt(
                    n,
                    "enduser",
                    _event(
                        "installing",
                        device_id(n),
                        day(11),
                        disposition="active",
                        location=site["enduser"],
                    ),
                )
                for n in range(devices)
                if n != diverted
            ]
        )

        def checkins(d: int, who: set[int]) -> None:
            size, root_hash = ledger.log.size, ledger.log.root_hash
            run(
                [
                    stmt(
                        n,
                        holder[n],
                        _event("inspecting", device_id(n), day(d), location=site[holder[n]]),
                        attestation=attest(device_id(n), dev_keys[n], size, root_hash),
                    )
                    for n in sorted(who)
                ]
            )

        checkins(12, set(range(devices)))
        run(
            [
                stmt(
                    diverted,
                    "shell",
                    _event(
                        "shipping",
                        device_id(diverted),
                        day(15),
                        disposition="in_transit",
                        location=site["shell"],
                        source=pid["shell"],
                        dest=pid["holder"],
                    ),
                )
            ]
        )
        holder[diverted] = "holder"
        run(
            [
                stmt(
                    diverted,
                    "holder",
                    _event(
                        "receiving",
                        device_id(diverted),
                        day(18),
                        disposition="in_progress",
                        location=site["holder"],
                        source=pid["shell"],
                        dest=pid["holder"],
                    ),
                )
            ]
        )
        checkins(41, set(range(devices)) - {dark})
        checkins(70, set(range(devices)) - {dark})
        clone_key = _signer(seed, "clone.devices.example")
        ledger.record(
            commissioning_statement(
                keys["cloner"],
                pid["cloner"],
                device_id(cloned),
                f"GPU{cloned:06d}",
                "NV-H900",
                ECCN,
                clone_key.verifier,
                day(70, 6).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        )
        return DemoResult(
            root,
            operator.verifier.vkey,
            devices,
            device_id(diverted),
            device_id(cloned),
            device_id(dark),
            statements=ledger.log.size,
        )
    finally:
        ledger.close()
