"""Reading transactions: JSON (one object, an array, or JSON Lines) and CSV, strictly validated.

Every problem is an InputError naming the file, the line (or array index) and the field path
("parties[2].country"), so that a person can fix the row. In a batch, a bad transaction is
reported and skipped; the good ones are still decided (see `read_batch`).

CSV form (one row per party or item, grouped by `tx_id`; see docs in transaction.schema.json):
  tx_id, record (exporter|party|item), role, name, country, address, parent, parent_country,
  headquarters, kind, registered_on, description, hs, eccn, quantity, unit_value, currency, tpp,
  performance_density, die_area_mm2, datacenter, ship_from, ship_to, route (";"-separated),
  end_use, payment_origin, date.
Transaction-level columns may be given on any row of the transaction; when given on several
rows they must agree.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sekisho.countries import to_iso2
from sekisho.errors import InputError
from sekisho.model import Identifier, Item, PartyRole, Route, Transaction, TransactionParty

_PARTY_KEYS = {"role", "name", "country", "address", "parent", "parent_country", "headquarters",
               "kind", "registered_on", "identifiers", "id"}
_ITEM_KEYS = {"description", "hs", "eccn", "quantity", "unit_value", "currency", "tpp",
              "performance_density", "die_area_mm2", "datacenter"}
_TX_KEYS = {"id", "exporter", "parties", "items", "ship_from", "ship_to", "route", "end_use",
            "payment_origin", "date"}
_CSV_TX_FIELDS = ("ship_from", "ship_to", "route", "end_use", "payment_origin", "date")


@dataclass(frozen=True)
class BadRecord:
    """One transaction that could not be read, and why."""

    index: int  # position in the batch (0-based)
    error: InputError


class _Ctx:
    """Where we are, for error messages."""

    def __init__(self, file: str | None, line: int | None, prefix: str = "") -> None:
        self.file, self.line, self.prefix = file, line, prefix

    def err(self, field: str, message: str) -> InputError:
        return InputError(message, file=self.file, line=self.line, field=self.prefix + field)


def _str(d: dict, key: str, ctx: _Ctx, path: str, *, required: bool = False) -> str | None:
    value = d.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ctx.err(path + key, "is required")
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ctx.err(path + key, f"must be text, not {type(value).__name__}")
    return str(value).strip()


def _country(d: dict, key: str, ctx: _Ctx, path: str, *, required: bool = False) -> str | None:
    value = _str(d, key, ctx, path, required=required)
    if value is None:
        return None
    code = to_iso2(value)
    if code is None:
        raise ctx.err(path + key, f"unknown country {value!r} (use an ISO 3166 code such as 'SG')")
    return code


def _number(d: dict, key: str, ctx: _Ctx, path: str, *, minimum: float = 0.0,
            positive: bool = False) -> float | None:
    value = d.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value.replace(",", ""))
        except ValueError:
            raise ctx.err(path + key, f"must be a number, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ctx.err(path + key, f"must be a number, not {value!r}")
    if value < minimum or (positive and value <= 0):
        raise ctx.err(path + key, f"must be {'> 0' if positive else f'>= {minimum:g}'}, not {value:g}")
    return float(value) if not float(value).is_integer() else int(value)


def _bool(d: dict, key: str, ctx: _Ctx, path: str) -> bool | None:
    value = d.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise ctx.err(path + key, f"must be true or false, not {value!r}")


def _date(d: dict, key: str, ctx: _Ctx, path: str) -> str | None:
    value = _str(d, key, ctx, path)
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise ctx.err(path + key, f"must be an ISO date (YYYY-MM-DD), not {value!r}") from None


def _unknown(d: dict, allowed: set[str], ctx: _Ctx, path: str) -> None:
    for key in d:
        if key not in allowed and not str(key).startswith(("x_", "_")):
            raise ctx.err(path + str(key), f"unknown field (known: {', '.join(sorted(allowed))})")


def _party(d: Any, ctx: _Ctx, path: str, role: PartyRole | None = None) -> TransactionParty:
    if not isinstance(d, dict):
        raise ctx.err(path.rstrip("."), "must be an object")
    _unknown(d, _PARTY_KEYS, ctx, path)
    if role is None:
        raw = _str(d, "role", ctx, path, required=True)
        try:
            role = PartyRole(raw.lower().replace(" ", "_").replace("-", "_"))
        except ValueError:
            roles = ", ".join(r.value for r in PartyRole)
            raise ctx.err(path + "role", f"unknown role {raw!r} (one of {roles})") from None
    idents = []
    raw_ids = d.get("identifiers") or []
    if not isinstance(raw_ids, list):
        raise ctx.err(path + "identifiers", "must be a list of {type, value} objects")
    for i, ident in enumerate(raw_ids):
        if not isinstance(ident, dict) or not ident.get("type") or not ident.get("value"):
            raise ctx.err(f"{path}identifiers[{i}]", "must be an object with type and value")
        idents.append(Identifier(str(ident["type"]), str(ident["value"]), ident.get("country")))
    return TransactionParty(
        role=role,
        name=_str(d, "name", ctx, path, required=True),  # type: ignore[arg-type]
        country=_country(d, "country", ctx, path, required=role is PartyRole.EXPORTER),
        address=_str(d, "address", ctx, path),
        parent=_str(d, "parent", ctx, path),
        parent_country=_country(d, "parent_country", ctx, path),
        headquarters=_country(d, "headquarters", ctx, path),
        kind=(_str(d, "kind", ctx, path) or "").lower().replace(" ", "_") or None,
        registered_on=_date(d, "registered_on", ctx, path),
        identifiers=tuple(idents),
    )


def _item(d: Any, ctx: _Ctx, path: str) -> Item:
    if not isinstance(d, dict):
        raise ctx.err(path.rstrip("."), "must be an object")
    _unknown(d, _ITEM_KEYS, ctx, path)
    description = _str(d, "description", ctx, path)
    hs = _str(d, "hs", ctx, path)
    eccn = _str(d, "eccn", ctx, path)
    if description is None and hs is None and eccn is None:
        raise ctx.err(path + "description", "an item needs a description, hs or eccn")
    if hs is not None:
        hs = hs.replace(".", "").replace(" ", "")
        if not hs.isdigit() or not 2 <= len(hs) <= 12:
            raise ctx.err(path + "hs", f"must be an HS code of 2 to 12 digits, not {d['hs']!r}")
    quantity = _number(d, "quantity", ctx, path, positive=True)
    currency = (_str(d, "currency", ctx, path) or "USD").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ctx.err(path + "currency", f"must be an ISO 4217 code such as USD, not {currency!r}")
    return Item(
        description=description or eccn or hs or "",
        hs=hs,
        eccn=eccn,
        quantity=1 if quantity is None else quantity,
        unit_value=_number(d, "unit_value", ctx, path),
        currency=currency,
        tpp=_number(d, "tpp", ctx, path),
        performance_density=_number(d, "performance_density", ctx, path),
        die_area_mm2=_number(d, "die_area_mm2", ctx, path, positive=True),
        datacenter=_bool(d, "datacenter", ctx, path),
    )


def transaction_from_dict(d: Any, *, file: str | None = None, line: int | None = None,
                          prefix: str = "") -> Transaction:
    """Validate and normalise one transaction in the JSON shape of issue 7."""
    try:
        return _transaction(d, _Ctx(file, line, prefix))
    except InputError:
        raise
    except (TypeError, ValueError, AttributeError) as exc:  # a shape we did not foresee
        raise InputError(f"unreadable transaction: {exc}", file=file, line=line,
                         field=prefix.rstrip(".") or "transaction") from exc


def _transaction(d: Any, ctx: _Ctx) -> Transaction:
    if not isinstance(d, dict):
        raise ctx.err("", "a transaction must be a JSON object")
    _unknown(d, _TX_KEYS, ctx, "")
    tx_id = _str(d, "id", ctx, "", required=True)
    exporter_raw = d.get("exporter")
    if exporter_raw is None:
        raise ctx.err("exporter", "is required")
    exporter = _party(exporter_raw, ctx, "exporter.", PartyRole.EXPORTER)
    parties_raw = d.get("parties")
    if not isinstance(parties_raw, list) or not parties_raw:
        raise ctx.err("parties", "must be a non-empty list")
    parties = tuple(_party(p, ctx, f"parties[{i}].") for i, p in enumerate(parties_raw))
    items_raw = d.get("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise ctx.err("items", "must be a non-empty list")
    items = tuple(_item(it, ctx, f"items[{i}].") for i, it in enumerate(items_raw))
    route_raw = d.get("route") or []
    if isinstance(route_raw, str):
        route_raw = [c for c in route_raw.replace(",", ";").split(";") if c.strip()]
    if not isinstance(route_raw, list):
        raise ctx.err("route", "must be a list of transit countries")
    transit = tuple(
        _country({f"route[{i}]": c}, f"route[{i}]", ctx, "", required=True)
        for i, c in enumerate(route_raw)
    )
    ship_to = _country(d, "ship_to", ctx, "")
    if ship_to is None:
        for role in (PartyRole.END_USER, PartyRole.CONSIGNEE, PartyRole.BUYER):
            ship_to = next((p.country for p in parties if p.role is role and p.country), None)
            if ship_to:
                break
    if ship_to is None:
        raise ctx.err("ship_to", "is required (or give the end user's or consignee's country)")
    return Transaction(
        id=tx_id,  # type: ignore[arg-type]
        exporter=exporter,
        parties=parties,
        items=items,
        route=Route(_country(d, "ship_from", ctx, "") or exporter.country, ship_to, transit),  # type: ignore[arg-type]
        end_use=_str(d, "end_use", ctx, ""),
        payment_origin=_country(d, "payment_origin", ctx, ""),
        date=_date(d, "date", ctx, ""),
    )


# -- files ---------------------------------------------------------------------------------


def read_batch(path: Path | str, text: str | None = None) -> tuple[list[Transaction], list[BadRecord]]:
    """Read every transaction of a file; bad ones are returned, not raised.

    Raises InputError only when the file as a whole cannot be read (not JSON / CSV at all)."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", file=path) from exc
    if path.suffix.lower() in (".csv", ".tsv"):
        return _read_csv(path, text)
    return _read_json(path, text)


def read_one(path: Path | str) -> Transaction:
    """Read a file holding exactly one transaction; raise its InputError if it is bad."""
    good, bad = read_batch(path)
    if bad:
        raise bad[0].error
    if len(good) != 1:
        raise InputError(f"expected one transaction, found {len(good)}", file=path)
    return good[0]


def _collect(records: list[tuple[int | None, str, Any]], path: Path
             ) -> tuple[list[Transaction], list[BadRecord]]:
    good, bad, seen = [], [], {}
    for index, (line, prefix, raw) in enumerate(records):
        try:
            tx = transaction_from_dict(raw, file=str(path), line=line, prefix=prefix)
            if tx.id in seen:
                raise InputError(f"duplicate transaction id {tx.id!r} (first at record {seen[tx.id] + 1})",
                                 file=path, line=line, field=prefix + "id")
            seen[tx.id] = index
            good.append(tx)
        except InputError as exc:
            bad.append(BadRecord(index, exc))
    return good, bad


def _read_json(path: Path, text: str) -> tuple[list[Transaction], list[BadRecord]]:
    stripped = text.strip()
    if not stripped:
        raise InputError("file is empty", file=path)
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        if stripped.startswith("{") and "\n" in stripped:  # JSON Lines
            return _read_jsonl(path, text)
        raise InputError(f"not valid JSON: {exc.msg}", file=path, line=exc.lineno) from exc
    if isinstance(data, list):
        return _collect([(None, f"[{i}].", d) for i, d in enumerate(data)], path)
    return _collect([(None, "", data)], path)


def _read_jsonl(path: Path, text: str) -> tuple[list[Transaction], list[BadRecord]]:
    records: list[tuple[int | None, str, Any]] = []
    bad: list[BadRecord] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((lineno, "", json.loads(line)))
        except json.JSONDecodeError as exc:
            bad.append(BadRecord(len(records) + len(bad),
                                 InputError(f"not valid JSON: {exc.msg}", file=path, line=lineno)))
    good, bad2 = _collect(records, path)
    return good, bad + bad2


def _read_csv(path: Path, text: str) -> tuple[list[Transaction], list[BadRecord]]:
    reader = csv.DictReader(io.StringIO(text), delimiter="\t" if path.suffix == ".tsv" else ",")
    if not reader.fieldnames or "tx_id" not in [f.strip() for f in reader.fieldnames]:
        raise InputError("CSV needs a header row with a tx_id column", file=path, line=1)
    groups: dict[str, dict[str, Any]] = {}
    errors: dict[str, InputError] = {}
    for row in reader:
        line = reader.line_num
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        tx_id = row.get("tx_id", "")
        if not tx_id:
            errors.setdefault(f"<line {line}>", InputError("is required", file=path, line=line, field="tx_id"))
            continue
        g = groups.setdefault(tx_id, {"id": tx_id, "parties": [], "items": [], "_lines": {}})
        if tx_id in errors:
            continue
        try:
            _csv_row(g, row, path, line)
        except InputError as exc:
            errors[tx_id] = exc
    records, bad = [], []
    for tx_id, g in groups.items():
        if tx_id in errors:
            continue
        lines = g.pop("_lines")
        records.append((lines.get("first"), "", g))
    good, bad_tx = _collect(records, path)
    # Re-point errors at the CSV line of the offending party/item.
    for b in bad_tx:
        bad.append(b)
    for i, (_key, exc) in enumerate(errors.items()):
        bad.append(BadRecord(len(records) + i, exc))
    return good, bad


def _csv_row(g: dict[str, Any], row: dict[str, str], path: Path, line: int) -> None:
    g["_lines"].setdefault("first", line)
    for key in _CSV_TX_FIELDS:
        value = row.get(key, "")
        if not value:
            continue
        if key == "route":
            value = [c.strip() for c in value.split(";") if c.strip()]  # type: ignore[assignment]
        if key in g and g[key] != value:
            raise InputError(f"{value!r} contradicts {g[key]!r} given on an earlier row",
                             file=path, line=line, field=key)
        g[key] = value
    record = (row.get("record") or "").lower()
    if not record:
        record = "item" if any(row.get(k) for k in ("description", "eccn", "hs")) else "party"
    ctx = _Ctx(str(path), line)
    if record == "item":
        d = {k: row[k] for k in _ITEM_KEYS if row.get(k)}
        _item(d, ctx, "")  # validate now so the error names this line
        g["items"].append(d)
    elif record in ("party", "exporter"):
        d = {k: row[k] for k in _PARTY_KEYS - {"identifiers"} if row.get(k)}
        if record == "exporter" or d.get("role", "").lower() == "exporter":
            d.pop("role", None)
            if "exporter" in g:
                raise InputError("a second exporter row", file=path, line=line, field="record")
            _party(d, ctx, "", PartyRole.EXPORTER)
            g["exporter"] = d
        else:
            _party(d, ctx, "")
            g["parties"].append(d)
    else:
        raise InputError(f"unknown record type {record!r} (exporter, party or item)",
                         file=path, line=line, field="record")
