"""Diversion detectors over the custody log; every alert carries its evidence (log indexes,
statement hashes, the facts compared).

Why over the log and not at write time: the log must accept what parties assert (a clone's
commissioning, a receipt by the wrong party) so that the evidence is preserved and provable;
the detectors read it afterwards, offline, from the same entries an auditor has.

Events retracted with an EPCIS errorDeclaration (same eventID re-captured with the
declaration) are ignored; their corrective events are used instead.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sekisho.custody.devices import Registry
from sekisho.custody.statements import Statement, party_of

Screen = Callable[[str], Sequence[Any]]  # party name -> hits (empty when clean)


@dataclass(frozen=True)
class Evidence:
    index: int
    hash: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "hash": self.hash, "detail": self.detail}


@dataclass(frozen=True)
class Alert:
    kind: str
    device: str | None
    message: str
    evidence: tuple[Evidence, ...] = ()
    severity: str = "high"
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "device": self.device,
            "severity": self.severity,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            **({"data": self.data} if self.data else {}),
        }


@dataclass(frozen=True)
class Settings:
    receipt_deadline: timedelta = timedelta(days=14)
    dark_interval: timedelta = timedelta(days=30)
    max_speed_kmh: float = 1000.0  # faster than an airliner between two observations
    now: datetime | None = None  # default: time of the latest event in the log


def _ev(idx: int, s: Statement, detail: str) -> Evidence:
    return Evidence(idx, s.hash, detail)


def _holder(s: Statement) -> str | None:
    """Who took possession in a receiving event (destination possessing/owning party)."""
    dest = s.event.get("destinationList")
    return party_of(dest, "destination", "possessing_party") or party_of(
        dest, "destination", "owning_party"
    )


def _location(s: Statement) -> str | None:
    for key in ("bizLocation", "readPoint"):
        v = s.event.get(key)
        if isinstance(v, dict) and isinstance(v.get("id"), str):
            return v["id"]
    return None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def effective(statements: Sequence[Statement]) -> list[tuple[int, Statement]]:
    """Event statements minus those whose eventID was declared in error."""
    retracted = {
        s.event.get("eventID")
        for s in statements
        if s.kind == "event" and s.event.get("errorDeclaration") is not None
    }
    return [
        (i, s)
        for i, s in enumerate(statements)
        if s.kind == "event" and s.event.get("eventID") not in retracted
    ]


def detect(
    registry: Registry,
    statements: Sequence[Statement],
    settings: Settings | None = None,
    screen: Screen | None = None,
) -> list[Alert]:
    """Run every detector; alerts are sorted by the log index of their first evidence."""
    cfg = settings or Settings()
    events = effective(statements)
    now = cfg.now or max((s.time for _, s in events), default=None)
    by_device: dict[str, list[tuple[int, Statement]]] = defaultdict(list)
    for i, s in events:
        by_device[s.device or ""].append((i, s))
    alerts: list[Alert] = []
    alerts += duplicate_commissioning(events)
    alerts += forks(events)
    alerts += foreign_keys(registry, events)
    for device, chain in by_device.items():
        chain.sort(key=lambda p: (p[1].time, p[0]))
        if now is not None:
            alerts += unreceived_shipments(device, chain, cfg.receipt_deadline, now)
        alerts += receipt_mismatches(device, chain)
        alerts += outside_licence(registry, device, chain)
        alerts += impossible_travel(registry, device, chain, cfg.max_speed_kmh)
        if now is not None:
            alerts += dark(device, chain, cfg.dark_interval, now)
    if screen is not None:
        alerts += restricted_holders(registry, events, screen)
    alerts.sort(key=lambda a: (a.evidence[0].index if a.evidence else -1, a.kind))
    return alerts


def duplicate_commissioning(events: Iterable[tuple[int, Statement]]) -> list[Alert]:
    """Two commissionings of one serial: a cloned or re-used identity."""
    seen: dict[str, list[tuple[int, Statement]]] = defaultdict(list)
    for i, s in events:
        if s.biz_step == "commissioning":
            twin = s.body.get("twin") or {}
            seen[str(twin.get("serial") or s.device)].append((i, s))
    out = []
    for serial, group in seen.items():
        if len(group) > 1:
            ev = tuple(_ev(i, s, f"commissioned by {s.signer} as {s.device}") for i, s in group)
            out.append(
                Alert(
                    "duplicate_commissioning",
                    group[0][1].device,
                    f"serial {serial} was commissioned {len(group)} times",
                    ev,
                )
            )
    return out


def forks(events: Iterable[tuple[int, Statement]]) -> list[Alert]:
    """Two statements naming the same prev: the device's history split in two."""
    seen: dict[tuple[str, str], list[tuple[int, Statement]]] = defaultdict(list)
    for i, s in events:
        if s.prev:
            seen[(s.device or "", s.prev)].append((i, s))
    out = []
    for (device, prev), group in seen.items():
        if len(group) > 1:
            ev = tuple(_ev(i, s, f"{s.biz_step} signed by {s.signer}") for i, s in group)
            out.append(Alert("fork", device, f"{len(group)} statements follow {prev[:16]}…", ev))
    return out


def foreign_keys(registry: Registry, events: Iterable[tuple[int, Statement]]) -> list[Alert]:
    """A device attestation signed by a key that is not the device's registered key."""
    out = []
    for i, s in events:
        att = s.body.get("attestation")
        twins = registry.twins.get(s.device or "")
        if not isinstance(att, dict) or not twins:
            continue
        own = twins[0].key.vkey
        if att.get("key") != own:
            out.append(
                Alert(
                    "foreign_key",
                    s.device,
                    "device attestation signed by a key that is not the device's own",
                    (_ev(i, s, f"attested with {att.get('key')}; registered key {own}"),),
                )
            )
    return out


def unreceived_shipments(
    device: str, chain: list[tuple[int, Statement]], deadline: timedelta, now: datetime
) -> list[Alert]:
    out = []
    for pos, (i, s) in enumerate(chain):
        if s.biz_step != "shipping":
            continue
        due = s.time + deadline
        receipt = next(((j, r) for j, r in chain[pos + 1 :] if r.biz_step == "receiving"), None)
        if receipt is None and now > due:
            out.append(
                Alert(
                    "shipment_unreceived",
                    device,
                    f"shipped {s.time.isoformat()} and not received by {due.isoformat()}",
                    (_ev(i, s, f"shipped to {_holder(s)}"),),
                )
            )
        elif receipt is not None and receipt[1].time > due:
            out.append(
                Alert(
                    "shipment_unreceived",
                    device,
                    f"received {receipt[1].time - s.time} after shipping (deadline {deadline})",
                    (_ev(i, s, "shipping"), _ev(receipt[0], receipt[1], "late receipt")),
                )
            )
    return out


def receipt_mismatches(device: str, chain: list[tuple[int, Statement]]) -> list[Alert]:
    """Receipt by a party other than the shipment's destination."""
    out = []
    shipment: tuple[int, Statement] | None = None
    for i, s in chain:
        if s.biz_step == "shipping":
            shipment = (i, s)
        elif s.biz_step == "receiving" and shipment is not None:
            want, got = _holder(shipment[1]), _holder(s)
            if want and got and want != got:
                out.append(
                    Alert(
                        "receipt_mismatch",
                        device,
                        f"shipped to {want} but received by {got}",
                        (_ev(*shipment, f"destination {want}"), _ev(i, s, f"received by {got}")),
                    )
                )
            shipment = None
    return out


def outside_licence(
    registry: Registry, device: str, chain: list[tuple[int, Statement]]
) -> list[Alert]:
    """A holder or site outside the export licence in force for the device."""
    out = []
    licence: tuple[int, Statement, dict[str, Any]] | None = None
    for i, s in chain:
        export = s.body.get("export")
        if isinstance(export, dict):
            licence = (i, s, export)
        if licence is None or s.biz_step not in ("receiving", "installing"):
            continue
        li, ls, terms = licence
        issuer = registry.party_by_signer(ls.signer)
        parties = {terms.get("endUser"), *terms.get("consignees", [])}
        if issuer is not None:
            parties.add(issuer.id)
        sites = set(terms.get("sites", []))
        for pid in parties:
            p = registry.parties.get(pid or "")
            if p is not None:
                sites |= {site.id for site in p.sites}
        reasons = []
        holder = _holder(s) if s.biz_step == "receiving" else None
        if holder is not None and holder not in parties:
            reasons.append(f"holder {holder} is not authorised by licence {terms.get('licence')}")
        loc = _location(s)
        if loc is not None and (terms.get("sites") or parties) and loc not in sites:
            reasons.append(f"site {loc} is not an authorised site")
        if reasons:
            out.append(
                Alert(
                    "outside_licence",
                    device,
                    "; ".join(reasons),
                    (
                        _ev(
                            li,
                            ls,
                            f"licence {terms.get('licence')} end user {terms.get('endUser')}",
                        ),
                        _ev(i, s, "; ".join(reasons)),
                    ),
                    data={"licence": terms.get("licence"), "holder": holder, "site": loc},
                )
            )
    return out


def impossible_travel(
    registry: Registry, device: str, chain: list[tuple[int, Statement]], max_kmh: float
) -> list[Alert]:
    out = []
    last: tuple[int, Statement, tuple[float, float]] | None = None
    for i, s in chain:
        site = registry.location(_location(s))
        if site is None or site.geo is None:
            continue
        if last is not None:
            km = haversine_km(last[2], site.geo)
            hours = (s.time - last[1].time).total_seconds() / 3600
            speed = km / hours if hours > 0 else (math.inf if km > 1 else 0.0)
            if speed > max_kmh:
                out.append(
                    Alert(
                        "impossible_travel",
                        device,
                        f"{km:.0f} km in {hours:.1f} h ({speed:.0f} km/h)",
                        (
                            _ev(last[0], last[1], f"at {_location(last[1])}"),
                            _ev(i, s, f"at {_location(s)}"),
                        ),
                        data={"km": round(km, 1), "hours": round(hours, 2)},
                    )
                )
        last = (i, s, site.geo)
    return out


def dark(
    device: str, chain: list[tuple[int, Statement]], interval: timedelta, now: datetime
) -> list[Alert]:
    """No device-signed check-in within the interval (decommissioned devices are exempt)."""
    if any(s.biz_step == "decommissioning" for _, s in chain):
        return []
    checkins = [(i, s) for i, s in chain if "attestation" in s.body]
    ref = checkins[-1] if checkins else chain[0]
    if now - ref[1].time > interval:
        what = "last device check-in" if checkins else "commissioned, never checked in"
        return [
            Alert(
                "device_dark",
                device,
                f"{what} {ref[1].time.isoformat()}, silent for {now - ref[1].time}",
                (_ev(ref[0], ref[1], what),),
                severity="medium",
            )
        ]
    return []


def restricted_holders(
    registry: Registry, events: Iterable[tuple[int, Statement]], screen: Screen
) -> list[Alert]:
    """Holders whose registered name the screening callable reports as listed."""
    first: dict[str, list[tuple[int, Statement]]] = defaultdict(list)
    for i, s in events:
        holder = _holder(s) if s.biz_step in ("receiving", "commissioning") else None
        if holder:
            first[holder].append((i, s))
    out = []
    cache: dict[str, Sequence[Any]] = {}
    for pid, seen in first.items():
        party = registry.parties.get(pid)
        name = party.name if party else pid
        if name not in cache:
            try:
                cache[name] = screen(name)
            except Exception as exc:  # noqa: BLE001 - fail closed: an unscreened holder is reviewed
                ev = tuple(_ev(i, s, f"held by {pid}") for i, s in seen[:1])
                out.append(
                    Alert(
                        "screening_incomplete",
                        seen[0][1].device,
                        f"could not screen holder {name}: {exc}",
                        ev,
                        severity="review",
                    )
                )
                cache[name] = ()
        hits = cache[name]
        if hits:
            for i, s in seen:
                out.append(
                    Alert(
                        "restricted_holder",
                        s.device,
                        f"holder {name} ({pid}) matches a restricted list",
                        (_ev(i, s, f"received by {pid}"),),
                        data={"hits": [str(h) for h in hits][:5]},
                    )
                )
    return out


def name_screener(names: Iterable[str], threshold: float | None = None) -> Screen:
    """A screening callable over a plain list of restricted names. Uses the match engine
    (sekisho.match.compare) when available, else normalised exact matching."""
    listed = [n for n in names if n.strip()]
    try:
        from sekisho.match import DEFAULT_THRESHOLD, compare
    except ImportError:  # pragma: no cover - the match package ships with sekisho
        compare = None  # type: ignore[assignment]
        DEFAULT_THRESHOLD = 1.0  # noqa: N806

    limit = threshold if threshold is not None else DEFAULT_THRESHOLD

    def screen(name: str) -> list[str]:
        if compare is None:
            key = " ".join(name.casefold().split())
            return [n for n in listed if " ".join(n.casefold().split()) == key]
        return [n for n in listed if compare(name, n).score >= limit]

    return screen


def store_screener(threshold: float | None = None) -> Screen:
    """Screen holders with the list store's current snapshots (sekisho.screen.party.Screener).
    Raises when the screen is incomplete (no or stale lists), which the detector turns into a
    `screening_incomplete` alert instead of silently clearing the holder."""
    from sekisho.lists.store import Store
    from sekisho.screen.party import Party, Screener

    screener = Screener(Store.open(), threshold=threshold)

    def screen(name: str) -> list[str]:
        result = screener.screen(Party(name))
        if result.problems:
            raise RuntimeError("; ".join(result.problems))
        return [f"{h.entity.source}:{h.entity.name} ({h.score:.2f})" for h in result.hits]

    return screen
