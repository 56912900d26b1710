"""Lists: freshness of every source, history, diffs between snapshots, one listed entity."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query

from sekisho.api.auth import reader
from sekisho.api.services import Services, services
from sekisho.errors import NotFoundError

router = APIRouter(tags=["lists"], dependencies=[Depends(reader)])


@router.get("/lists", summary="Freshness of every list source")
def list_status(svc: Services = Depends(services)) -> dict[str, Any]:
    """Every catalogue source and every loaded one: fresh, stale or missing. `complete` is
    true only when no loaded source is stale and at least one is loaded."""
    rows = [s.to_dict() for s in svc.store.status()]
    loaded = [r for r in rows if r["state"] != "missing"]
    complete = bool(loaded) and all(r["state"] == "fresh" for r in loaded)
    return {"complete": complete, "sources": rows}


@router.get("/lists/{source}", summary="One source: status and snapshot history")
def source_detail(source: str, svc: Services = Depends(services)) -> dict[str, Any]:
    status = next((s for s in svc.store.status() if s.source == source), None)
    if status is None:
        raise NotFoundError(f"no list source {source!r} (see GET /lists)")
    return {**status.to_dict(),
            "history": [snap.to_dict() for snap in svc.store.history(source)]}


@router.get("/lists/{source}/diff", summary="Added, removed and changed entities")
def source_diff(source: str, old: str | None = Query(None, description="Old snapshot id"),
                new: str | None = Query(None, description="New snapshot id"),
                svc: Services = Depends(services)) -> dict[str, Any]:
    return svc.store.diff(source, old, new).to_dict()


@router.get("/entities/{entity_id}", summary="One listed entity of a current snapshot")
def entity(entity_id: str,
           format: Literal["sekisho", "ftm"] = Query("sekisho", description=(
               "sekisho: our full record; ftm: yente's entity shape (id, caption, schema, "
               "properties, datasets)")),
           svc: Services = Depends(services)) -> dict[str, Any]:
    e = svc.store.entity(entity_id)
    if format == "ftm":
        from sekisho.api.screen import ftm_properties

        return {"id": e.id, "caption": e.name, "schema": e.schema.value,
                "properties": ftm_properties(e), "datasets": [e.source], "referents": [],
                "target": True}
    return e.to_dict()
