"""`sekisho custody ...`: the verifiable chain-of-custody log.

Thin: each command calls one function of `sekisho.custody` and prints the result. Keys are read
and printed in the C2SP signed-note forms (vkey `name+id+base64`, skey `PRIVATE+KEY+...`).
Bad input (malformed JSON, unknown device or signer, bad signature, wrong key) exits 2 and
appends nothing; a receipt or log that fails verification exits 3.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer

from sekisho.custody import demo as demo_mod
from sekisho.custody import diversion, note, verify
from sekisho.custody import statements as st
from sekisho.custody.devices import commissioning_statement, party_statement
from sekisho.custody.ledger import Ledger
from sekisho.errors import InputError, NotFoundError
from sekisho.settings import Settings

app = typer.Typer(
    help="Chain-of-custody log: init, keygen, register, record, proof, verify, audit, alerts, demo.",
    no_args_is_help=True,
)

LogOpt = typer.Option(None, "--log", help="Log directory (default: $SEKISHO_HOME/custody).")


def _log_dir(log: Path | None) -> Path:
    return log if log is not None else Settings.load().home / "custody"


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError("file not found", file=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", file=path) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", file=path, line=exc.lineno) from exc


def _read_key_text(value: str) -> str:
    """A key given inline or as a file holding it."""
    path = Path(value)
    if len(value) < 4096 and path.is_file():
        return path.read_text().strip()
    return value.strip()


def _signer(value: str, what: str = "--key") -> note.Signer:
    try:
        return note.parse_skey(_read_key_text(value))
    except note.NoteError as exc:
        raise InputError(f"{exc}", field=what) from exc


def _verifier(value: str, what: str = "--key") -> note.Verifier:
    try:
        return note.parse_vkey(_read_key_text(value))
    except note.NoteError as exc:
        raise InputError(f"{exc}", field=what) from exc


def _open(log: Path | None, *, readonly: bool = False) -> Ledger:
    root = _log_dir(log)
    if not (root / "checkpoint").exists():
        raise NotFoundError(f"no custody log at {root}: run `sekisho custody init` first")
    return Ledger.open(root, readonly=readonly)


@app.command()
def init(
    log: Path | None = LogOpt,
    name: str = typer.Option("sekisho.local/custody", "--name", help="Log origin and key name."),
    key: str | None = typer.Option(None, "--key", help="Use this signer key (skey or file)."),
) -> None:
    """Create an empty log with its own Ed25519 key; prints the log's verifier key."""
    root = _log_dir(log)
    signer = _signer(key) if key else note.generate_signer(name)
    Ledger.create(root, signer, name if key is None else signer.name).close()
    typer.echo(signer.verifier.vkey)


@app.command()
def keygen(
    name: str = typer.Argument(..., help="Key name, e.g. example.com/party/acme."),
    out: Path | None = typer.Option(None, "--out", help="Write OUT.skey (0600) and OUT.vkey."),
    cosigner: bool = typer.Option(False, "--cosigner", help="A witness cosigner key (0x04)."),
) -> None:
    """Generate a key pair; prints the verifier key (and the signer key when not saved)."""
    try:
        signer = note.generate_signer(
            name, note.ALG_COSIGNATURE_V1 if cosigner else note.ALG_ED25519
        )
    except note.NoteError as exc:
        raise InputError(str(exc), field="name") from exc
    if out is None:
        typer.echo(signer.skey)
    else:
        skey = out.with_name(out.name + ".skey")
        fd = os.open(skey, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(signer.skey + "\n")
        out.with_name(out.name + ".vkey").write_text(signer.verifier.vkey + "\n")
    typer.echo(signer.verifier.vkey)


@app.command("register-party")
def register_party(
    party_file: Path = typer.Argument(..., help="JSON: id, name, country, key (vkey), sites."),
    log: Path | None = LogOpt,
) -> None:
    """Add a party and its key to the key directory (signed by the log operator)."""
    data = _read_json(party_file)
    if not isinstance(data, dict):
        raise InputError("must be a JSON object", file=party_file)
    for field in ("id", "name", "key"):
        if not isinstance(data.get(field), str):
            raise InputError("missing", file=party_file, field=field)
    key = _verifier(data["key"], "key")
    with _open(log) as ledger:
        stmt = party_statement(
            ledger.operator, data["id"], data["name"], key, data.get("country"), data.get("sites")
        )
        idx = ledger.record(stmt, where=str(party_file))
    typer.echo(f"party {data['id']} registered at index {idx}")


@app.command("register-device")
def register_device(
    device_file: Path = typer.Argument(
        ...,
        help="JSON: device, serial, model, eccn, manufacturer, key (device vkey), "
        "optional eventTime and location.",
    ),
    key: str = typer.Option(..., "--key", help="The manufacturer's signer key (skey or file)."),
    log: Path | None = LogOpt,
) -> None:
    """Commission a device twin with a manufacturer-signed statement."""
    data = _read_json(device_file)
    if not isinstance(data, dict):
        raise InputError("must be a JSON object", file=device_file)
    for field in ("device", "serial", "model", "eccn", "manufacturer", "key"):
        if not isinstance(data.get(field), str) or not data[field]:
            raise InputError("missing", file=device_file, field=field)
    signer = _signer(key)
    when = data.get("eventTime") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stmt = commissioning_statement(
        signer,
        data["manufacturer"],
        data["device"],
        data["serial"],
        data["model"],
        data["eccn"],
        _verifier(data["key"], "key"),
        when,
        data.get("location"),
    )
    with _open(log) as ledger:
        idx = ledger.record(stmt, where=str(device_file))
    typer.echo(f"device {data['device']} commissioned at index {idx}")


@app.command()
def record(
    event_file: Path = typer.Argument(
        ...,
        help="EPCIS event JSON, or {device, event, export, commitments, attestation}, "
        "or an already signed statement.",
    ),
    key: str | None = typer.Option(None, "--key", help="Signer key of the acting party."),
    device: str | None = typer.Option(None, "--device", help="Device id (default: the EPC)."),
    log: Path | None = LogOpt,
) -> None:
    """Sign (unless already signed), check and append one custody statement."""
    data = _read_json(event_file)
    if not isinstance(data, dict):
        raise InputError("must be a JSON object", file=event_file)
    with _open(log) as ledger:
        if "sig" in data:
            stmt = st.from_body(data, where=str(event_file))
        else:
            if key is None:
                raise InputError("an unsigned event needs --key", field="--key")
            signer = _signer(key)
            body = dict(data) if "event" in data else {"event": data}
            try:
                event = st.validate_event(body["event"])
            except st.StatementError as exc:
                raise InputError(exc.detail, file=event_file, field=exc.field) from exc
            epcs = st.event_epcs(event)
            dev = device or body.get("device") or (epcs[0] if len(epcs) == 1 else None)
            if not dev:
                raise InputError("name the device with --device", file=event_file, field="device")
            prev = body.get("prev", ledger.registry.heads.get(dev))
            extra = {
                k: body[k] for k in ("export", "commitments", "attestation", "twin") if k in body
            }
            try:
                stmt = st.event_statement(event, dev, prev, signer, **extra)
                stmt = st.from_body(stmt.body, where=str(event_file))
            except st.StatementError as exc:
                raise InputError(exc.detail, file=event_file, field=exc.field) from exc
        idx = ledger.record(stmt, where=str(event_file))
    typer.echo(json.dumps({"index": idx, "hash": stmt.hash, "device": stmt.device}))


@app.command()
def proof(
    entry: int = typer.Argument(..., help="Log index of the entry."),
    out: Path | None = typer.Option(None, "--out", help="Write the receipt here."),
    log: Path | None = LogOpt,
) -> None:
    """Write a portable receipt (C2SP tlog-proof, entry in the extra line)."""
    with _open(log, readonly=True) as ledger:
        if not 0 <= entry < ledger.log.size:
            raise InputError(f"entry {entry} does not exist (log size {ledger.log.size})")
        receipt = ledger.receipt(entry)
    if out is None:
        sys.stdout.write(receipt.decode())
    else:
        out.write_bytes(receipt)
        typer.echo(f"receipt for entry {entry} written to {out}")


@app.command("verify")
def verify_cmd(
    receipt: Path = typer.Argument(..., help="A .tlog-proof receipt."),
    key: str = typer.Option(..., "--key", help="The log's verifier key (vkey or file)."),
    witness: list[str] = typer.Option([], "--witness", help="Witness cosigner vkeys."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Verify a receipt offline with the log key alone."""
    try:
        data = receipt.read_bytes()
    except FileNotFoundError as exc:
        raise InputError("file not found", file=receipt) from exc
    result = verify.verify_receipt(
        data, _verifier(key), witnesses=[_verifier(w, "--witness") for w in witness]
    )
    summary: dict[str, Any] = {
        "ok": True,
        "index": result.index,
        "tree_size": result.size,
        "origin": result.origin,
        "witnesses": list(result.witnesses),
    }
    try:
        stmt = st.parse(result.entry or b"")
        summary.update(
            kind=stmt.kind,
            device=stmt.device,
            signer=stmt.signer,
            bizStep=stmt.biz_step,
            eventTime=stmt.event.get("eventTime"),
        )
    except st.StatementError:
        summary["entry"] = (result.entry or b"").decode("utf-8", "replace")
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(f"OK: entry {result.index} is in {result.origin} at tree size {result.size}")
        for k in ("kind", "device", "bizStep", "eventTime", "signer"):
            if summary.get(k):
                typer.echo(f"  {k}: {summary[k]}")


@app.command()
def audit(
    log: Path | None = LogOpt,
    key: str | None = typer.Option(
        None, "--key", help="Trusted log vkey (default: the log's own)."
    ),
) -> None:
    """Walk the whole log: tiles, entries, statements, every checkpoint and their consistency."""
    root = _log_dir(log)
    if key is None:
        vfile = root / "log.vkey"
        if not vfile.exists():
            raise NotFoundError(f"no custody log at {root}")
        key = vfile.read_text().strip()
    report = verify.audit_custody(root, _verifier(key))
    typer.echo(
        f"OK: {report.entries} entries, {report.checkpoints} checkpoints, "
        f"{report.tiles} tiles consistent; size {report.size}"
    )


@app.command()
def alerts(
    log: Path | None = LogOpt,
    restricted: Path | None = typer.Option(
        None, "--restricted", help="Restricted names, one per line."
    ),
    lists: bool = typer.Option(False, "--lists", help="Screen holders against the loaded lists."),
    receipt_days: float = typer.Option(14, "--receipt-days"),
    dark_days: float = typer.Option(30, "--dark-days"),
    now: str | None = typer.Option(
        None, "--now", help="Evaluate deadlines at this ISO time (default: the latest event)."
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON Lines."),
) -> None:
    """Run the diversion detectors and print each alert with its evidence."""
    screen = None
    if restricted is not None:
        try:
            names = restricted.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError as exc:
            raise InputError("file not found", file=restricted) from exc
        screen = diversion.name_screener(names)
    elif lists:
        screen = diversion.store_screener()
    at = st.parse_time(now, "--now") if now else None
    cfg = diversion.Settings(
        receipt_deadline=timedelta(days=receipt_days),
        dark_interval=timedelta(days=dark_days),
        now=at,
    )
    with _open(log, readonly=True) as ledger:
        found = diversion.detect(ledger.registry, ledger.statements, cfg, screen)
    for a in found:
        if as_json:
            typer.echo(json.dumps(a.to_dict(), ensure_ascii=False))
        else:
            typer.echo(f"[{a.severity}] {a.kind} {a.device or '-'}: {a.message}")
            for e in a.evidence:
                typer.echo(f"    entry {e.index} ({e.hash[:12]}): {e.detail}")
    if not as_json:
        typer.echo(
            f"{len(found)} alert(s)"
            + ("" if screen else "; holders not screened (use --restricted or --lists)")
        )


@app.command()
def demo(
    out: Path = typer.Argument(..., help="Directory for the demo log (must not exist)."),
    devices: int = typer.Option(200, "--devices", min=3),
) -> None:
    """Write the diversion scenario as a complete signed tlog-tiles log; prints its vkey."""
    if out.exists() and any(out.iterdir()):
        raise InputError("directory is not empty", file=out)
    result = demo_mod.build(out, devices)
    (out / "restricted.txt").write_text("\n".join(result.restricted) + "\n")
    typer.echo(result.vkey)
    typer.echo(
        f"{result.statements} statements; diverted {result.diverted}, cloned "
        f"{result.cloned}, dark {result.dark}",
        err=True,
    )
