"""Procurement: check a CycloneDX BOM against the procurement regimes binding a buyer, before
the order; list regimes and buyer categories."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from sekisho.api.auth import reader
from sekisho.api.services import Services, services
from sekisho.errors import InputError

router = APIRouter(prefix="/procure", tags=["procure"], dependencies=[Depends(reader)])


class ProcureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bom: dict[str, Any] = Field(description="A CycloneDX 1.0-1.6 JSON document")
    buyer: str = Field(min_length=1, examples=["jp-central-government"])
    date: dt.date | None = Field(None, description="Date of the purchase (default today, UTC)")
    regimes: list[str] = Field(default_factory=list, description="Only these regimes")
    with_lists: bool = Field(False, description="Add Entity List affiliates from the loaded "
                                                "lists")


def _api_field(exc: InputError, field: str) -> InputError:
    """The catalogue names CLI options (--buyer); the API names body fields."""
    return type(exc)(exc.detail, field=field)


@router.post("/check", response_model=None,
             summary="Which parts break which regime, through which path, and why")
def check(body: ProcureIn, report: Literal["json", "html", "md"] = Query("json"),
          svc: Services = Depends(services)) -> Response | dict[str, Any]:
    from sekisho.procure import check as run_check
    from sekisho.procure import cyclonedx, regimes
    from sekisho.procure import report as reports
    from sekisho.procure.vendors import store_affiliates

    catalogue = regimes.load()
    try:
        catalogue.buyer(body.buyer)
    except InputError as exc:
        raise _api_field(exc, "buyer") from None
    try:
        selected = catalogue.select(body.regimes)
    except InputError as exc:
        raise _api_field(exc, "regimes") from None
    try:
        bom = cyclonedx.from_document(body.bom, "request")
    except InputError as exc:
        raise _api_field(exc, f"bom.{exc.field}" if exc.field else "bom") from None
    extra, snapshots = ([], [])
    if body.with_lists:
        extra, snapshots = store_affiliates(catalogue.vendors.values(), svc.store)
    on = body.date or dt.datetime.now(dt.UTC).date()
    result = run_check(bom, selected, body.buyer, on, extra_names=extra)
    if report == "html":
        return HTMLResponse(reports.html_report(result, bom, selected))
    if report == "md":
        return PlainTextResponse(reports.markdown(result, bom, selected),
                                 media_type="text/markdown; charset=utf-8")
    d = result.to_dict()
    if snapshots:
        d["snapshots"] = snapshots
    return d


@router.get("/regimes", summary="Procurement regimes, whom they bind and from when")
def list_regimes() -> list[dict[str, Any]]:
    from sekisho.procure import regimes

    return [r.summary() for r in regimes.load().regimes.values()]


@router.get("/buyers", summary="Buyer categories")
def buyers() -> list[dict[str, Any]]:
    from sekisho.procure import regimes

    return [{"id": b.id, "name": b.name, "jurisdiction": b.jurisdiction}
            for b in regimes.load().buyers.values()]
