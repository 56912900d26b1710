"""The review UI: server-rendered pages (Jinja2) with htmx for in-place results.

Pages: dashboard (list freshness, stale/missing in red), screen a name (hits with their
explanations), check a transaction, decisions and one decision (reasons, snapshots, policy
version, reviewer action), audit trail. Each handler calls the same capability functions as
the JSON API and renders the result; every page also works without JavaScript.

Authentication: the same API keys; the login form stores the key in an HttpOnly, SameSite
cookie. Reviewer actions need the reviewer role.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from sekisho.api.auth import COOKIE, Principal, principal_of
from sekisho.api.reviews import ACTIONS, latest_reviews, record_review, reviews_of
from sekisho.api.screen import clear_hit, result_json, screen_party
from sekisho.api.services import Services, services
from sekisho.errors import InputError, NotFoundError, SekishoError, StoreError

HERE = Path(__file__).resolve().parent
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                          trim_blocks=True, lstrip_blocks=True)
_env.filters["short"] = lambda s, n=12: (s or "")[:n]
_env.filters["pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=2)


def _when(value: str | None) -> str:
    """ISO timestamp -> "2026-11-22 01:04:19 UTC" (what a reviewer reads)."""
    if not value:
        return ""
    text = value.replace("T", " ", 1)
    return text[:-6] + " UTC" if text.endswith("+00:00") else text


_env.filters["when"] = _when
templates = Jinja2Templates(env=_env)

router = APIRouter(prefix="/ui", include_in_schema=False)
EXAMPLE_TX = {
    "id": "tx-demo-1",
    "exporter": {"name": "Formosa Chip Distribution Ltd.", "country": "TW"},
    "parties": [{"role": "buyer", "name": "Lion City Components Pte. Ltd.", "country": "SG"},
                {"role": "end_user", "name": "Huawei Technologies Co., Ltd.", "country": "CN"}],
    "items": [{"description": "GPU accelerator board", "hs": "847330", "eccn": "4A090.a",
               "quantity": 8, "unit_value": 30000, "tpp": 5000}],
    "ship_from": "TW", "ship_to": "CN", "route": ["SG"], "end_use": "data centre",
}


class LoginRequired(Exception):
    """Raised by `user` when the browser has no valid key; answered with a redirect."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def user(request: Request) -> Principal:
    who = principal_of(request)
    if who is None:
        raise LoginRequired(request.url.path)
    return who


def _page(request: Request, name: str, who: Principal | None, status: int = 200,
          **ctx: Any) -> HTMLResponse:
    ring = request.app.state.keys
    return templates.TemplateResponse(request, name, {"who": who, "auth": ring.enabled, **ctx},
                                      status_code=status)


# ------------------------------------------------------------------------------ login


@router.get("/login")
def login_form(request: Request, next: str = "/ui/") -> HTMLResponse:
    return _page(request, "login.html", None, next=next, error=None)


@router.post("/login")
def login(request: Request, key: str = Form(""), next: str = Form("/ui/")) -> Response:
    ring = request.app.state.keys
    who = ring.lookup(key.strip()) if ring.enabled else None
    if ring.enabled and who is None:
        return _page(request, "login.html", None, status=401, next=next,
                     error="That key is not valid.")
    target = next if next.startswith("/ui") else "/ui/"
    resp = RedirectResponse(target, status_code=303)
    if ring.enabled:
        resp.set_cookie(COOKIE, key.strip(), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return resp


@router.get("/logout")
def logout() -> Response:
    resp = RedirectResponse("/ui/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


# ------------------------------------------------------------------------------ dashboard


@router.get("/")
def dashboard(request: Request, who: Principal = Depends(user),
              svc: Services = Depends(services)) -> HTMLResponse:
    rows = svc.store.status()
    counts = {s: sum(1 for r in rows if r.state == s) for s in ("fresh", "stale", "missing")}
    loaded = [r for r in rows if r.state != "missing"]
    rows = sorted(rows, key=lambda r: ({"stale": 0, "fresh": 1, "missing": 2}[r.state], r.source))
    try:
        decisions = svc.records.decisions(8)
        reviews = latest_reviews(svc.records)
        cases = svc.records.cases("open")
        db_error = None
    except StoreError as exc:
        decisions, reviews, cases, db_error = [], {}, [], str(exc)
    complete = bool(loaded) and counts["stale"] == 0
    return _page(request, "dashboard.html", who, rows=rows, counts=counts, complete=complete,
                 decisions=decisions, reviews=reviews, cases=cases, db_error=db_error)


# ------------------------------------------------------------------------------ screen


@router.get("/screen")
def screen_form(request: Request, who: Principal = Depends(user)) -> HTMLResponse:
    return _page(request, "screen.html", who, form={}, result=None, error=None)


@router.post("/screen")
def screen(request: Request, name: str = Form(""), country: str = Form(""),
           schema_: str = Form("", alias="schema"), dob: str = Form(""),
           who: Principal = Depends(user),
           svc: Services = Depends(services)) -> HTMLResponse:
    from sekisho.screen.partyio import make_party

    form = {"name": name, "country": country, "schema": schema_, "dob": dob}
    partial = request.headers.get("hx-request") == "true"
    template = "_screen_results.html" if partial else "screen.html"
    try:
        party = make_party(form)
        result = result_json(screen_party(svc, party, limit=20))
    except InputError as exc:
        # htmx swaps only 2xx responses: the partial carries the error with a 200
        return _page(request, template, who, status=200 if partial else 422, form=form,
                     result=None, error=exc)
    return _page(request, template, who, form=form, result=result, error=None)


@router.post("/screen/clear")
def screen_clear(request: Request, name: str = Form(""), country: str = Form(""),
                 schema_: str = Form("", alias="schema"), dob: str = Form(""),
                 entity_id: str = Form(""), reason: str = Form(""),
                 who: Principal = Depends(user), svc: Services = Depends(services)) -> Response:
    """A reviewer clears one hit as not this party, then sees the screen again."""
    from sekisho.screen.partyio import make_party

    form = {"name": name, "country": country, "schema": schema_, "dob": dob}
    partial = request.headers.get("hx-request") == "true"
    template = "_screen_results.html" if partial else "screen.html"
    error: Exception | None = None
    if not who.may("reviewer"):
        error = PermissionError("only reviewers may clear hits")
    else:
        try:
            clear_hit(svc, who, name, entity_id, reason)
        except (InputError, NotFoundError) as exc:
            error = exc
    try:
        result = result_json(screen_party(svc, make_party(form), limit=20))
    except InputError as exc:
        result, error = None, exc
    status = 200 if partial or error is None else 422
    return _page(request, template, who, status=status, form=form, result=result,
                 error=error)


# ------------------------------------------------------------------------------ check


@router.get("/check")
def check_form(request: Request, who: Principal = Depends(user)) -> HTMLResponse:
    return _page(request, "check.html", who,
                 text=json.dumps(EXAMPLE_TX, ensure_ascii=False, indent=2), error=None)


@router.post("/check")
def check(request: Request, transaction: str = Form(""), who: Principal = Depends(user),
          svc: Services = Depends(services)) -> Response:
    from sekisho.screen.txinput import transaction_from_dict

    try:
        try:
            raw = json.loads(transaction)
        except ValueError as exc:
            raise InputError(f"not JSON: {exc}", field="transaction") from None
        tx = transaction_from_dict(raw)
    except InputError as exc:
        return _page(request, "check.html", who, status=422, text=transaction, error=exc)
    screener = svc.transaction_screener()
    result = screener.decide(tx)
    svc.records.save_decisions([result], screener.policy, actor=who.name)
    return RedirectResponse(f"/ui/decisions/{quote(result.decision.id)}", status_code=303)


# ------------------------------------------------------------------------------ decisions


@router.get("/decisions")
def decisions(request: Request, who: Principal = Depends(user),
              svc: Services = Depends(services)) -> HTMLResponse:
    return _page(request, "decisions.html", who, decisions=svc.records.decisions(200),
                 reviews=latest_reviews(svc.records))


@router.get("/decisions/{decision_id}")
def decision(request: Request, decision_id: str, who: Principal = Depends(user),
             svc: Services = Depends(services)) -> HTMLResponse:
    return _decision_page(request, decision_id, who, svc)


def _decision_page(request: Request, decision_id: str, who: Principal, svc: Services,
                   *, status: int = 200, error: Exception | None = None,
                   comment: str = "", replayed: dict[str, Any] | None = None) -> HTMLResponse:
    try:
        stored = svc.records.decision(decision_id)
    except NotFoundError as exc:
        return _page(request, "error.html", who, status=404, error=exc)
    return _page(request, "decision.html", who, status=status, d=stored.decision,
                 tx=stored.transaction, context=stored.context,
                 reviews=reviews_of(svc.records, decision_id), actions=ACTIONS, error=error,
                 comment=comment, replayed=replayed)


@router.post("/decisions/{decision_id}/review")
def review(request: Request, decision_id: str, action: str = Form(""), comment: str = Form(""),
           who: Principal = Depends(user), svc: Services = Depends(services)) -> Response:
    if not who.may("reviewer"):
        return _decision_page(request, decision_id, who, svc, status=403, comment=comment,
                              error=PermissionError(f"{who.name} has the {who.role} role; "
                                                    "only reviewers may record actions"))
    try:
        record_review(svc.records, decision_id, actor=who.name, action=action, comment=comment)
    except InputError as exc:
        return _decision_page(request, decision_id, who, svc, status=422, error=exc,
                              comment=comment)
    return RedirectResponse(f"/ui/decisions/{quote(decision_id)}#reviews", status_code=303)


@router.post("/decisions/{decision_id}/replay")
def replay(request: Request, decision_id: str, who: Principal = Depends(user),
           svc: Services = Depends(services)) -> HTMLResponse:
    """Re-decide against the recorded snapshots and policy; say whether the answer is the
    same (and write the replay to the audit trail)."""
    from sekisho.screen.replay import replay_decision, same_answer

    original, result = replay_decision(svc.records, decision_id, svc.store)
    same = same_answer(original, result.decision)
    svc.records.audit(actor=who.name, action="decision.replay", subject=decision_id,
                      payload={"same": same, "outcome": result.decision.outcome.value})
    replayed = {"same": same, "outcome": result.decision.outcome.value}
    return _decision_page(request, decision_id, who, svc, replayed=replayed)


# ------------------------------------------------------------------------------ audit


@router.get("/audit")
def audit(request: Request, who: Principal = Depends(user),
          svc: Services = Depends(services)) -> HTMLResponse:
    entries = list(reversed(svc.records.audit_entries()))
    try:
        checked, chain_error = svc.records.verify_audit(), None
    except StoreError as exc:
        checked, chain_error = 0, str(exc)
    rows = []
    for e in entries[:1000]:
        try:
            payload = json.loads(e.payload)
        except ValueError:
            payload = e.payload
        rows.append({"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
                     "subject": e.subject, "payload": payload, "hash": e.hash})
    return _page(request, "audit.html", who, rows=rows, total=len(entries), checked=checked,
                 chain_error=chain_error)


def mount(app: FastAPI) -> None:
    """Add the UI routes, static files and the login redirect to `app`."""
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/ui/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(SekishoError)
    async def _errors(request: Request, exc: SekishoError) -> Response:
        """Pages get an HTML error page; the JSON API keeps its problem+json."""
        from sekisho.api.problems import handle_sekisho_error

        if request.url.path.startswith("/ui/"):
            return _page(request, "error.html", principal_of(request), status=exc.http_status,
                         error=exc)
        return handle_sekisho_error(request, exc)
