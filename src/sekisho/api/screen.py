"""Party screening: `POST /screen` (Sekisho's own shape) and `POST /match/{dataset}` (yente's
query-by-example shape, so existing OpenSanctions/yente clients work unchanged).

Fail closed in both: when the screen is incomplete (no list loaded, a stale list, a requested
source missing) the answer carries outcome "review" and the problems, never a bare "no hits".
yente's response has no outcome field; ours adds `outcome`, `problems` and `snapshots` to each
response and an `X-Sekisho-Outcome` header with the worst outcome of the batch.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from sekisho.api.auth import Principal, reader, reviewer
from sekisho.api.services import Services, services
from sekisho.errors import InputError, NotFoundError
from sekisho.match import DEFAULT_THRESHOLD
from sekisho.model import ListedEntity, NameKind
from sekisho.screen.party import Hit, Party, PartyResult
from sekisho.screen.partyio import make_party

router = APIRouter(tags=["screen"])

ALL_DATASETS = {"default", "sanctions", "all"}
MAX_QUERIES = 100
_OUTCOME_RANK = {"clear": 0, "hits": 1, "review": 2}
_CLEAR_LOCK = threading.Lock()  # the whitelist is one JSON file, rewritten on each clear


# ------------------------------------------------------------------------------ shared


def screen_party(svc: Services, party: Party, *, threshold: float | None = None,
                 limit: int = 10, sources: list[str] | None = None) -> PartyResult:
    """Screen one party against the current lists, optionally only some sources.

    A requested source that is not loaded is a problem (outcome review), like in the CLI."""
    result = svc.screener().screen(party, threshold=threshold,
                                   limit=limit if not sources else max(limit * 5, 50))
    if not sources:
        return result
    wanted = set(sources)
    problems = list(result.problems)
    states = {s.source: s.state for s in svc.store.status()}
    for src in sorted(wanted):
        if states.get(src, "missing") == "missing":
            problems.append(f"list {src} is not loaded")
    hits = [h for h in result.hits if h.entity.source in wanted][:limit]
    cleared = [h for h in result.cleared if h.entity.source in wanted]
    return PartyResult(result.party, hits, result.snapshots, problems, cleared)


def hit_json(hit: Hit) -> dict[str, Any]:
    d = hit.to_dict()
    e = hit.entity
    for key in ("programs", "countries"):
        value = getattr(e, key)
        if value:
            d[key] = list(value)
    for key in ("licence_requirement", "licence_policy", "listed_on"):
        value = getattr(e, key)
        if value:
            d[key] = value
    return d


def result_json(result: PartyResult) -> dict[str, Any]:
    p = result.party
    party: dict[str, Any] = {"name": p.name}
    for key in ("country", "schema", "dob", "address"):
        if getattr(p, key):
            party[key] = getattr(p, key)
    if p.identifiers:
        party["identifiers"] = [i.to_dict() for i in p.identifiers]
    return {
        "outcome": result.outcome,
        "party": party,
        "hits": [hit_json(h) for h in result.hits],
        "cleared": [h.entity.id for h in result.cleared],
        "snapshots": result.snapshots,
        "problems": result.problems,
    }


# ------------------------------------------------------------------------------ /screen


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(min_length=1, max_length=60, examples=["passport"])
    value: str = Field(min_length=1, max_length=200)


class ScreenIn(BaseModel):
    """One party to screen. Only `name` is required."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=500, examples=["Huawei Technologies Co., Ltd."])
    country: str | None = Field(None, max_length=60, examples=["CN"])
    schema_: str | None = Field(None, alias="schema", examples=["Company"])
    dob: str | None = Field(None, max_length=30, examples=["1961-05"])
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=50)
    address: str | None = Field(None, max_length=1000)
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    limit: int = Field(10, ge=1, le=500)
    sources: list[str] | None = Field(None, max_length=100)


@router.post("/screen", summary="Screen one party against the loaded lists",
             dependencies=[Depends(reader)])
def screen(body: ScreenIn, svc: Services = Depends(services)) -> dict[str, Any]:
    """Ranked hits with explanations; outcome `clear` (complete screen, no hit), `hits`, or
    `review` (the screen is incomplete: see `problems`)."""
    party = make_party({"name": body.name, "country": body.country, "schema": body.schema_,
                        "dob": body.dob, "address": body.address,
                        "identifier": [f"{i.type}:{i.value}" for i in body.identifiers]})
    result = screen_party(svc, party, threshold=body.threshold, limit=body.limit,
                          sources=body.sources)
    return result_json(result)


def clear_hit(svc: Services, who: Principal, name: str, entity_id: str,
              reason: str) -> dict[str, Any]:
    """Whitelist one reviewed (party, listed entity) pair while the listed record is
    unchanged, and write it to the audit trail."""
    if not name.strip():
        raise InputError("party name is empty", field="name")
    entity = svc.store.entity(entity_id)  # NotFoundError when not in a current snapshot
    with _CLEAR_LOCK:
        rec = svc.screener().whitelist.clear(name.strip(), entity, reason=reason, by=who.name)
    svc.records.audit(actor=who.name, action="whitelist.clear", subject=entity_id,
                      payload={"party": name.strip(), "reason": reason.strip(),
                               "content_hash": rec["content_hash"]})
    return rec


class ClearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=500, description="The screened party's name")
    entity_id: str = Field(min_length=3, max_length=300, description="The listed entity")
    reason: str = Field(min_length=1, max_length=4000, description="Why it is not a match")


@router.post("/screen/clear", status_code=201, summary="Clear a reviewed false positive "
             "(whitelist, audited)")
def clear(body: ClearIn, who: Principal = Depends(reviewer),
          svc: Services = Depends(services)) -> dict[str, Any]:
    """Later screens of this name suppress this entity (listed under `cleared`) until the
    listed record changes."""
    return clear_hit(svc, who, body.name, body.entity_id, body.reason)


# ------------------------------------------------------------------------------ yente /match

_COUNTRY_PROPS = ("country", "nationality", "jurisdiction", "citizenship", "mainCountry")
_ID_PROPS = {
    "passportNumber": "passport",
    "taxNumber": "tax_id",
    "registrationNumber": "registration",
    "imoNumber": "imo",
    "leiCode": "lei",
    "swiftBic": "swift_bic",
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "isin": "isin",
    "dunsCode": "duns",
    "idNumber": "id",
    "uscCode": "uscc",
}
FEATURE_DOCS = {
    "name": {"description": "Name similarity (Sekisho compare: script-aware, legal forms, "
                            "abbreviations)", "coefficient": 1.0, "url": ""},
    "country_match": {"description": "Query country is one of the listed countries",
                      "coefficient": 0.02, "url": ""},
    "country_conflict": {"description": "Query country differs from the listed countries",
                         "coefficient": -0.08, "url": ""},
    "dob_match": {"description": "Birth date fits a listed one", "coefficient": 0.03, "url": ""},
    "dob_conflict": {"description": "Birth date differs from the listed ones",
                     "coefficient": -0.15, "url": ""},
    "identifier_match": {"description": "A strong identifier matches", "coefficient": 1.0,
                         "url": ""},
}


class EntityExample(BaseModel):
    """yente's query example: a FollowTheMoney-like entity."""

    model_config = ConfigDict(extra="ignore")
    id: str | None = None
    schema_: str = Field(alias="schema", examples=["Company"])
    properties: dict[str, str | list[Any]] = Field(examples=[{"name": ["Huawei"]}])


class EntityMatchQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    weights: dict[str, float] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    queries: dict[str, EntityExample]


def _values(props: dict[str, Any], key: str) -> list[str]:
    raw = props.get(key)
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [str(v).strip() for v in items if v is not None and str(v).strip()]


def _example_parties(qid: str, example: EntityExample) -> list[Party]:
    """One Party per name of the example (countries, dob, ids shared)."""
    where = f"queries.{qid}"
    props = example.properties
    names = _values(props, "name") + _values(props, "alias")
    if not names:  # a person given by parts, as FtM allows
        parts = [next(iter(_values(props, k)), "") for k in
                 ("firstName", "secondName", "middleName", "fatherName", "lastName")]
        composed = " ".join(p for p in parts if p)
        names = [composed] if composed else []
    if not names:
        raise InputError("at least one name is required", field=f"{where}.properties.name")
    country = None
    for key in _COUNTRY_PROPS:
        for value in _values(props, key):
            country = value
            break
        if country:
            break
    ids = [f"{t}:{v}" for prop, t in _ID_PROPS.items() for v in _values(props, prop)]
    dob = next(iter(_values(props, "birthDate")), None)
    address = next(iter(_values(props, "address")), None)
    schema = example.schema_
    if schema in ("LegalEntity", "Thing"):
        schema = None
    parties = []
    for name in names:
        try:
            parties.append(make_party({"name": name, "country": country, "schema": schema,
                                       "dob": dob, "identifier": ids, "address": address}))
        except InputError as exc:
            field = exc.field or "name"
            prop = {"name": "name", "country": "country", "dob": "birthDate",
                    "schema": "schema", "identifier": "idNumber"}.get(field, field)
            loc = f"{where}.schema" if prop == "schema" else f"{where}.properties.{prop}"
            raise InputError(exc.detail, field=loc) from None
    return parties


def ftm_properties(e: ListedEntity) -> dict[str, list[str]]:
    """FollowTheMoney-style properties of a listed entity (the fields FtM has)."""
    props: dict[str, list[str]] = {"name": [e.name]}
    kinds = {NameKind.AKA: "alias", NameKind.NATIVE: "alias", NameKind.WEAK: "weakAlias",
             NameKind.FKA: "previousName"}
    for n in e.names:
        key = kinds.get(n.kind)
        if key and n.value != e.name:
            props.setdefault(key, []).append(n.value)
    if e.countries:
        props["country"] = [c.lower() for c in e.countries]
    if e.birth_dates:
        props["birthDate"] = list(e.birth_dates)
    if e.addresses:
        props["address"] = [a.text() for a in e.addresses if a.text()]
    if e.programs:
        props["program"] = list(e.programs)
    if e.remarks:
        props["notes"] = [e.remarks]
    if e.listed_on:
        props["createdAt"] = [e.listed_on]
    ids = [i.value for i in e.identifiers]
    if ids:
        props["idNumber"] = ids
    return {k: v for k, v in props.items() if v}


def _scored(hit: Hit, threshold: float) -> dict[str, Any]:
    e = hit.entity
    return {
        "id": e.id,
        "caption": e.name,
        "schema": e.schema.value,
        "properties": ftm_properties(e),
        "datasets": [e.source],
        "referents": [],
        "target": True,
        "score": hit.score,
        "match": hit.score >= threshold,
        "features": {k: float(v) for k, v in hit.features.items()},
        "explanation": hit.explanation,
        "matched_name": hit.matched_name,
    }


def _dataset_sources(svc: Services, dataset: str) -> list[str] | None:
    """None = every loaded list; else the one source the dataset names."""
    from sekisho.lists import catalog

    if dataset in ALL_DATASETS:
        return None
    known = {s.id for s in catalog.SOURCES} | set(svc.store.current_snapshots())
    if dataset in known or catalog.find(dataset) is not None:
        return [dataset]
    raise NotFoundError(f"no dataset {dataset!r}: use 'default' or a source id "
                        f"({', '.join(sorted(known))})")


@router.post("/match/{dataset}", summary="yente-compatible query-by-example matching",
             dependencies=[Depends(reader)])
def match(
    body: EntityMatchQuery,
    response: Response,
    dataset: str,
    limit: int = Query(5, ge=1, le=500, description="Results per query"),
    threshold: float = Query(DEFAULT_THRESHOLD, ge=0.0, le=1.0,
                             description="Score at which a result is a match"),
    cutoff: float = Query(0.5, ge=0.0, le=1.0, description="Lowest score returned at all "
                          "(results between cutoff and threshold have match: false)"),
    algorithm: str = Query("sekisho", description="Accepted for compatibility; ignored"),
    include_dataset: list[str] = Query([]),
    exclude_dataset: list[str] = Query([]),
    exclude_schema: list[str] = Query([]),
    exclude_entity_ids: list[str] = Query([]),
    svc: Services = Depends(services),
) -> dict[str, Any]:
    """Each query names a party; results are listed entities with score, match flag and
    features. Extra per query: `outcome` ("review" when the screen is incomplete),
    `problems`, `snapshots`."""
    if not body.queries:
        raise InputError("no queries given", field="queries")
    if len(body.queries) > MAX_QUERIES:
        raise InputError(f"too many queries in one batch (limit {MAX_QUERIES})", field="queries")
    sources = _dataset_sources(svc, dataset)
    if include_dataset:
        sources = [s for s in include_dataset if sources is None or s in sources]
    floor = min(cutoff, threshold)
    responses: dict[str, Any] = {}
    worst: Literal["clear", "hits", "review"] = "clear"
    for qid, example in body.queries.items():
        parties = _example_parties(qid, example)
        best: dict[str, Hit] = {}
        problems: list[str] = []
        snapshots: list[str] = []
        for party in parties:
            result = screen_party(svc, party, threshold=floor, limit=max(limit * 2, 20),
                                  sources=sources)
            problems += [p for p in result.problems if p not in problems]
            snapshots = result.snapshots
            for h in result.hits:
                if h.entity.id not in best or h.score > best[h.entity.id].score:
                    best[h.entity.id] = h
        hits = [h for h in best.values()
                if h.entity.source not in exclude_dataset
                and h.entity.schema.value not in exclude_schema
                and h.entity.id not in exclude_entity_ids]
        hits.sort(key=lambda h: (-h.score, h.entity.id))
        outcome = "review" if problems else ("hits" if any(h.score >= threshold for h in hits)
                                             else "clear")
        if _OUTCOME_RANK[outcome] > _OUTCOME_RANK[worst]:
            worst = outcome  # type: ignore[assignment]
        responses[qid] = {
            "status": 200,
            "results": [_scored(h, threshold) for h in hits[:limit]],
            "total": {"value": len(hits), "relation": "eq"},
            "query": {"id": example.id, "schema": example.schema_,
                      "properties": {k: (v if isinstance(v, list) else [v])
                                     for k, v in example.properties.items()}},
            "outcome": outcome,
            "problems": problems,
            "snapshots": snapshots,
        }
    response.headers["x-batch-size"] = str(len(responses))
    response.headers["x-sekisho-outcome"] = worst
    return {"responses": responses, "matcher": FEATURE_DOCS, "limit": limit}
