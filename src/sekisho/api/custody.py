"""Custody: verify a portable receipt (C2SP tlog-proof) with the log's verifier key, and fetch
a receipt or the current checkpoint from the custody log in `$SEKISHO_HOME/custody` (the same
folder `sekisho custody` uses by default; `custody_dir` in config.toml overrides it).

Verification needs nothing but the receipt and the key; it never reads our own log, so an
auditor can run it against a receipt that came from anywhere.
"""

from __future__ import annotations

import base64
import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from sekisho.api.auth import reader
from sekisho.api.services import Services, services
from sekisho.errors import InputError, NotFoundError

router = APIRouter(prefix="/custody", tags=["custody"], dependencies=[Depends(reader)])
PROOF_MEDIA_TYPE = "text/plain; charset=utf-8"
_LOG_LOCK = threading.Lock()  # the log takes an exclusive file lock: one reader at a time


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    receipt: str = Field(min_length=1, max_length=1_000_000,
                         description="The receipt text (c2sp.org/tlog-proof@v1)")
    key: str = Field(min_length=1, max_length=1000, description="The log's verifier key (vkey)")
    witnesses: list[str] = Field(default_factory=list, max_length=20,
                                 description="Witness cosigner vkeys that must have signed")


def _verifier(text: str, field: str) -> Any:
    from sekisho.custody import note

    try:
        return note.parse_vkey(text.strip())
    except note.NoteError as exc:
        raise InputError(str(exc), field=field) from None


@router.post("/verify", summary="Verify a receipt offline with the log key")
def verify(body: VerifyIn) -> dict[str, Any]:
    """200 with what the receipt proves; 422 problem (verification-failed) naming the failing
    part when it does not verify."""
    from sekisho.custody import statements as st
    from sekisho.custody.verify import verify_receipt

    key = _verifier(body.key, "key")
    witnesses = [_verifier(w, f"witnesses[{i}]") for i, w in enumerate(body.witnesses)]
    result = verify_receipt(body.receipt.encode("utf-8"), key, witnesses=witnesses)
    out: dict[str, Any] = {"ok": True, "index": result.index, "tree_size": result.size,
                           "origin": result.origin,
                           "root": base64.b64encode(result.root).decode(),
                           "leaf_hash": result.leaf_hash.hex(),
                           "witnesses": list(result.witnesses)}
    try:
        stmt = st.parse(result.entry or b"")
        out["statement"] = {"kind": stmt.kind, "device": stmt.device, "signer": stmt.signer,
                            "bizStep": stmt.biz_step, "eventTime": stmt.event.get("eventTime"),
                            "hash": stmt.hash}
    except st.StatementError:
        out["entry"] = (result.entry or b"").decode("utf-8", "replace")
    return out


def log_dir(svc: Services) -> Path:
    configured = svc.settings.extra.get("custody_dir")
    return Path(configured).expanduser() if configured else Path(svc.settings.home) / "custody"


def _with_log(svc: Services, fn: Any) -> Any:
    from sekisho.custody.log import TileLog

    root = log_dir(svc)
    if not (root / "checkpoint").exists():
        raise NotFoundError(f"no custody log at {root}: run `sekisho custody init` first")
    with _LOG_LOCK:
        log = TileLog.open(root, readonly=True)  # no writer lock: readers run beside `record`
        try:
            return fn(log)
        finally:
            log.close()


@router.get("/checkpoint", summary="The log's current signed checkpoint",
            response_class=PlainTextResponse)
def checkpoint(svc: Services = Depends(services)) -> PlainTextResponse:
    data = _with_log(svc, lambda log: log.checkpoint)
    return PlainTextResponse(data.decode("utf-8"), media_type=PROOF_MEDIA_TYPE)


@router.get("/proof/{index}", summary="A portable receipt for one log entry",
            response_class=PlainTextResponse)
def proof(index: int, svc: Services = Depends(services)) -> PlainTextResponse:
    def make(log: Any) -> bytes:
        if not 0 <= index < log.size:
            raise NotFoundError(f"entry {index} does not exist (log size {log.size})")
        return log.receipt(index)

    data = _with_log(svc, make)
    return PlainTextResponse(data.decode("utf-8"), media_type=PROOF_MEDIA_TYPE,
                             headers={"content-disposition":
                                      f'attachment; filename="entry-{index}.tlog-proof"'})
