"""Load customs declarations from CSV or Parquet through a declared column mapping.

Every source names its columns differently; a `Mapping` says which source column feeds which
canonical field, how wide HS codes are and how dates are written. Rows that fail validation are
kept out of the frame but listed in a `LoadReport` (file, line, column, value, reason), so nothing
is dropped silently; callers decide whether any bad row is fatal (`strict`).

Canonical fields (all optional except those a mapping marks required):
declaration_id, date, hs, value, quantity, origin, departure, destination, importer_id,
declarant_id, seller_id, courier_id, office, tax_rate, label (0/1), critical (0/1/2), revenue,
party fields for entity resolution (importer_name, importer_address, importer_phone,
importer_email, importer_bank, importer_officer, exporter_name, consignee_name) and any extra
categorical columns the mapping declares.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sekisho.errors import FormatError, InputError

if TYPE_CHECKING:  # pandas is an optional dependency (the [customs] extra)
    import pandas as pd

NUMERIC = ("value", "quantity", "tax_rate", "revenue")
TEXT_IDS = ("declaration_id", "importer_id", "declarant_id", "seller_id", "courier_id", "office")
COUNTRIES = ("origin", "departure", "destination")
PARTY_FIELDS = (
    "importer_name",
    "importer_address",
    "importer_phone",
    "importer_email",
    "importer_bank",
    "importer_officer",
    "exporter_name",
    "consignee_name",
)


@dataclass(frozen=True)
class Split:
    """Date boundaries of a temporal split: train < valid_start <= valid < test_start <= test."""

    valid_start: str
    test_start: str


@dataclass(frozen=True)
class Mapping:
    """How one source's columns map onto the canonical declaration fields."""

    name: str
    columns: dict[str, str]  # canonical field -> source column
    required: tuple[str, ...] = ("declaration_id", "date", "hs")
    categoricals: dict[str, str] = field(default_factory=dict)  # extra categorical -> source col
    hs_width: int = 10
    date_format: str = "%Y-%m-%d"
    split: Split | None = None
    description: str = ""

    def source_columns(self) -> dict[str, str]:
        return {**self.columns, **{f"cat_{k}": v for k, v in self.categoricals.items()}}


KR_CUSTOMS = Mapping(
    name="kr-customs",
    description=(
        "Korean import declarations (Customs-Declaration-Datasets, Jeong et al. 2022): HS6 codes, "
        "anonymised trader IDs, Item Price in KRW, labels Fraud and Critical Fraud."
    ),
    columns={
        "declaration_id": "Declaration ID",
        "date": "Date",
        "hs": "HS6 Code",
        "value": "Item Price",
        "quantity": "Net Mass",
        "origin": "Country of Origin",
        "departure": "Country of Departure",
        "importer_id": "Importer ID",
        "declarant_id": "Declarant ID",
        "seller_id": "Seller ID",
        "courier_id": "Courier ID",
        "office": "Office ID",
        "tax_rate": "Tax Rate",
        "label": "Fraud",
        "critical": "Critical Fraud",
    },
    required=("declaration_id", "date", "hs", "value", "quantity", "origin", "departure"),
    categoricals={
        "process_type": "Process Type",
        "import_type": "Import Type",
        "import_use": "Import Use",
        "payment_type": "Payment Type",
        "transport_mode": "Mode of Transport",
        "tax_type": "Tax Type",
        "origin_indicator": "Country of Origin Indicator",
    },
    hs_width=6,
    # The authors' split (arXiv:2208.02484): train 2020, validation 2021-Q1, test 2021-Q2.
    split=Split(valid_start="2021-01-01", test_start="2021-04-01"),
)

GENERIC = Mapping(
    name="generic",
    description=(
        "Declarations that carry party names and addresses (our synthetic generator writes it): "
        "canonical field names used as column names."
    ),
    columns={
        name: name
        for name in (
            "declaration_id",
            "date",
            "hs",
            "value",
            "quantity",
            "origin",
            "departure",
            "destination",
            "importer_id",
            "declarant_id",
            "seller_id",
            "label",
            "critical",
            *PARTY_FIELDS,
        )
    },
    required=("declaration_id", "date", "hs"),
    hs_width=10,
)

MAPPINGS: dict[str, Mapping] = {m.name: m for m in (KR_CUSTOMS, GENERIC)}


def get_mapping(name_or_path: str | Mapping) -> Mapping:
    """A built-in mapping by name, or one declared in a JSON/YAML file."""
    if isinstance(name_or_path, Mapping):
        return name_or_path
    if name_or_path in MAPPINGS:
        return MAPPINGS[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise InputError(
            f"unknown mapping {name_or_path!r}; built in: {', '.join(sorted(MAPPINGS))}, "
            "or give a JSON/YAML file",
            field="mapping",
        )
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            raw = yaml.safe_load(text)
        else:
            raw = json.loads(text)
    except Exception as exc:
        raise FormatError(f"cannot read mapping: {exc}", file=path) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict):
        raise FormatError("a mapping needs a 'columns' object (canonical -> source)", file=path)
    split = raw.get("split")
    return Mapping(
        name=str(raw.get("name", path.stem)),
        columns={str(k): str(v) for k, v in raw["columns"].items()},
        # id, date and HS code are always required: features and splits depend on them
        required=tuple(dict.fromkeys(("declaration_id", "date", "hs", *raw.get("required", ())))),
        categoricals={str(k): str(v) for k, v in (raw.get("categoricals") or {}).items()},
        hs_width=int(raw.get("hs_width", 10)),
        date_format=str(raw.get("date_format", "%Y-%m-%d")),
        split=Split(**split) if split else None,
        description=str(raw.get("description", "")),
    )


@dataclass(frozen=True)
class Issue:
    """One bad cell: where it is and why it was refused."""

    file: str
    line: int  # 1-based line in a CSV (header = line 1); 1-based row number in Parquet
    column: str  # the source column name
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: column {self.column!r}: {self.reason} (value {self.value!r})"


@dataclass
class LoadReport:
    """What a load read, kept and refused."""

    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({(i.file, i.line) for i in self.issues})

    def raise_if_bad(self) -> None:
        """Strict mode: the first bad cell becomes an InputError (exit 2)."""
        if self.issues:
            first = self.issues[0]
            more = f" ({self.bad_rows} bad rows in all)" if self.bad_rows > 1 else ""
            raise InputError(
                f"{first.reason} (value {first.value!r}){more}",
                file=first.file,
                line=first.line,
                field=first.column,
            )

    def summary(self, limit: int = 10) -> str:
        lines = [
            f"read {self.rows_read} rows from {len(self.files)} file(s); loaded {self.rows_loaded};"
            f" refused {self.bad_rows} bad row(s)"
        ]
        lines += [f"  {issue}" for issue in self.issues[:limit]]
        if len(self.issues) > limit:
            lines.append(f"  ... {len(self.issues) - limit} more issue(s)")
        return "\n".join(lines)


def _read_raw(path: Path) -> tuple[pd.DataFrame, int]:
    """Source table as strings plus the line offset of its first data row."""
    import pandas as pd

    if not path.is_file():
        raise InputError("file not found", file=path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            df = pd.read_parquet(path)
            return df.astype("string").fillna(""), 1
        df = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", on_bad_lines="error"
        )
        return df, 2
    except UnicodeDecodeError as exc:
        raise FormatError(f"not valid UTF-8 text: {exc.reason}", file=path) from exc
    except pd.errors.ParserError as exc:
        raise FormatError(f"malformed CSV: {exc}", file=path) from exc
    except Exception as exc:  # pyarrow errors, empty files
        raise FormatError(f"cannot read table: {exc}", file=path) from exc


def _validate(
    raw: pd.DataFrame, mapping: Mapping, path: Path, offset: int, report: LoadReport
) -> pd.DataFrame:
    """Canonical frame of the good rows; every refused cell is added to the report."""
    import numpy as np
    import pandas as pd

    cols = mapping.source_columns()
    missing = [
        f"{canon} <- {src!r}"
        for canon, src in cols.items()
        if canon in mapping.required and src not in raw.columns
    ]
    if missing:
        raise FormatError(
            f"missing required column(s) for mapping {mapping.name!r}: {', '.join(missing)}; "
            f"file has {', '.join(map(repr, raw.columns[:30]))}",
            file=path,
            line=1,
        )
    n = len(raw)
    lines = np.arange(n) + offset
    bad = np.zeros(n, dtype=bool)
    out: dict[str, Any] = {}

    def refuse(mask: np.ndarray, src: str, reason: str) -> None:
        nonlocal bad
        for i in np.flatnonzero(mask):
            report.issues.append(Issue(str(path), int(lines[i]), src, str(raw[src].iat[i]), reason))
        bad |= mask

    def text(canon: str) -> pd.Series | None:
        src = cols.get(canon)
        if src is None or src not in raw.columns:
            return None
        return raw[src].astype(str).str.strip()

    for canon, src in cols.items():
        s = text(canon)
        if s is None:
            continue
        empty = (s == "").to_numpy()
        if canon in mapping.required:
            refuse(empty, src, "required value is empty")
        if canon == "date":
            parsed = pd.to_datetime(s, format=mapping.date_format, errors="coerce")
            refuse(parsed.isna().to_numpy() & ~empty, src, f"not a date ({mapping.date_format})")
            out[canon] = parsed
        elif canon == "hs":
            digits = s.str.replace(r"[.\s]", "", regex=True)
            ok = digits.str.fullmatch(r"\d+").fillna(False).to_numpy()
            longer = digits.str.len().to_numpy() > mapping.hs_width
            refuse(~ok & ~empty, src, "HS code is not digits")
            refuse(ok & longer, src, f"HS code longer than {mapping.hs_width} digits")
            out[canon] = digits.str.zfill(mapping.hs_width)
        elif canon in NUMERIC:
            num = pd.to_numeric(s.str.replace(",", "", regex=False), errors="coerce")
            arr = num.to_numpy(dtype=float)
            refuse(np.isnan(arr) & ~empty, src, "not a number")
            refuse(~np.isfinite(arr) & ~np.isnan(arr), src, "not a finite number")
            refuse(arr < 0, src, "negative value")
            out[canon] = num.astype(float)
        elif canon in ("label", "critical"):
            allowed = {"0", "1"} if canon == "label" else {"0", "1", "2"}
            norm = s.str.replace(r"\.0$", "", regex=True)
            refuse(~norm.isin(allowed).to_numpy() & ~empty, src, f"must be one of {sorted(allowed)}")
            out[canon] = pd.to_numeric(norm.where(norm.isin(allowed)), errors="coerce")
        elif canon in COUNTRIES:
            code = s.str.upper()
            refuse(
                ~code.str.fullmatch(r"[A-Z]{2}").fillna(False).to_numpy() & ~empty,
                src,
                "not an ISO 3166 alpha-2 country code",
            )
            out[canon] = code
        else:
            out[canon] = s
    frame = pd.DataFrame(out)
    frame["source_line"] = lines
    frame["source_file"] = pd.Categorical([str(path)] * n) if n else str(path)
    return frame.loc[~bad].reset_index(drop=True)


def load(
    paths: str | Path | Sequence[str | Path],
    mapping: str | Mapping = "kr-customs",
    *,
    strict: bool = False,
) -> tuple[pd.DataFrame, LoadReport]:
    """Read one or more files into one canonical frame sorted by date (stable), plus the report.

    With `strict`, any bad row raises InputError naming file, line and column.
    """
    import pandas as pd

    m = get_mapping(mapping)
    if isinstance(paths, str | Path):
        paths = [paths]
    report = LoadReport()
    frames = []
    for p in paths:
        path = Path(p)
        raw, offset = _read_raw(path)
        report.files.append(str(path))
        report.rows_read += len(raw)
        frames.append(_validate(raw, m, path, offset, report))
    if strict:
        report.raise_if_bad()
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if "date" in frame:
        frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    report.rows_loaded = len(frame)
    frame.attrs["mapping"] = m.name
    return frame, report


def split_by_date(frame: pd.DataFrame, split: Split) -> dict[str, pd.DataFrame]:
    """The authors' temporal split: rows before valid_start train, then validation, then test."""
    import pandas as pd

    d = frame["date"]
    v, t = pd.Timestamp(split.valid_start), pd.Timestamp(split.test_start)
    return {
        "train": frame.loc[d < v].reset_index(drop=True),
        "valid": frame.loc[(d >= v) & (d < t)].reset_index(drop=True),
        "test": frame.loc[d >= t].reset_index(drop=True),
    }


def mapping_names() -> Iterable[str]:
    return MAPPINGS.keys()
