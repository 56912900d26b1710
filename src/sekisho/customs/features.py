"""Time-respecting features for declaration risk.

A feature of a declaration dated d may only use rows dated strictly before d: that is what a
customs officer knows when the declaration arrives, and anything else leaks the future (and, for
target encoding, the answer). All history features here are computed with exclusive cumulative
sums over (group, day), so rows of the same day never see each other, and labels are read only
from rows flagged as labelled history.

Feature families:
- value: log value, log quantity, log unit value, robust z-score of the unit value against the
  (HS6, origin) reference as of the start of the declaration's month (median/MAD; falls back to
  HS6, then HS4, when the finer group has too few rows);
- route: origin differs from departure, departure through a transshipment hub;
- goods: controlled-electronics headings (8542, 8471, 8473, 8517, 8486), HS2/HS4/HS6 codes;
- traders: for importer, declarant, seller and their pairs, prior declarations, age in days and
  past fraud rate (smoothed target encoding, labels from strictly earlier dates only);
- codes: the source's own categorical fields (office, payment type, ...) as integer codes
  (position in the sorted values seen in training: an identity, no statistics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

# Transshipment hubs named in BIS/FinCEN diversion guidance for controlled electronics (2022-2024)
# and the usual entrepots; documented so an analyst can change it.
# Large economies with their own consumption (IN, VN, TW) are deliberately not in the list.
HUBS = frozenset({"HK", "SG", "AE", "MY", "TR", "AM", "GE", "KZ", "KG", "UZ", "TH", "MO", "RS"})
CONTROLLED_HS4 = ("8542", "8471", "8473", "8517", "8486")

# group name -> canonical columns; pairs catch declarant/importer/seller combinations.
GROUPS: dict[str, tuple[str, ...]] = {
    "importer": ("importer_id",),
    "declarant": ("declarant_id",),
    "seller": ("seller_id",),
    "courier": ("courier_id",),
    "importer_declarant": ("importer_id", "declarant_id"),
    "importer_seller": ("importer_id", "seller_id"),
    "declarant_seller": ("declarant_id", "seller_id"),
    "importer_hs6": ("importer_id", "hs6"),
    "hs6": ("hs6",),
    "hs6_origin": ("hs6", "origin"),
    "origin_departure": ("origin", "departure"),
    "office": ("office",),
}
AGE_GROUPS = ("importer", "declarant", "seller")
CODE_COLUMNS = ("office", "origin", "departure", "courier_id")
SMOOTHING = 10.0  # pseudo-count pulling a sparse group's fraud rate towards the prior
MIN_REFERENCE = 5  # rows a reference group needs before its median is trusted

LABELS: dict[str, str] = {
    "log_value": "declared value (log)",
    "log_quantity": "quantity / net mass (log)",
    "log_unit_value": "unit value (log)",
    "uv_z": "unit value vs HS6/origin reference (robust z)",
    "uv_ref_n": "rows in the unit-value reference",
    "tax_rate": "tax rate",
    "origin_ne_departure": "origin differs from departure",
    "hub_route": "shipped via a transshipment hub",
    "hs_controlled": "controlled-electronics HS heading",
    "hs2": "HS chapter",
    "hs4": "HS heading",
    "hs6_code": "HS6 subheading",
}


def _label(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    for suffix, words in (
        ("_fraud_rate", "past fraud rate"),
        ("_prior_n", "prior declarations"),
        ("_age_days", "age in days"),
    ):
        if name.endswith(suffix):
            who = name[: -len(suffix)].replace("_", " + ")
            return f"{who} {words}"
    if name.startswith("code_"):
        return name[5:].replace("_", " ")
    return name.replace("_", " ")


def describe(name: str, value: float) -> str:
    """A feature and its value in words, e.g. 'importer past fraud rate 0.43'."""
    label = _label(name)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return f"{label} unknown"
    if name in ("origin_ne_departure", "hub_route", "hs_controlled"):
        return label if value >= 0.5 else f"not: {label}"
    if name.endswith("_fraud_rate"):
        return f"{label} {value:.2f}"
    if name.startswith("log_"):
        return f"{label[: -len(' (log)')]} {np.expm1(value):,.1f}"
    if name == "uv_z":
        if abs(value) < 0.05:
            return "unit value at the HS6/origin reference median"
        side = "below" if value < 0 else "above"
        return f"unit value {abs(value):.1f} robust SD {side} the HS6/origin reference"
    if name.endswith(("_prior_n", "_age_days", "_n")) or name.startswith(("hs", "code_")):
        return f"{label} {value:,.0f}"
    return f"{label} {value:.3g}"


def _day(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy().astype("datetime64[D]").astype(np.int64)


def _codes(frame: pd.DataFrame, col: str, cache: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Integer code per distinct value of one column (factorised once, cached)."""
    import pandas as pd

    if cache is not None and col in cache:
        return cache[col]
    col_values = frame[col]
    if not pd.api.types.is_string_dtype(col_values):  # avoid a million-row copy when possible
        col_values = col_values.astype(str)
    codes = pd.factorize(col_values, sort=False)[0].astype(np.int64)
    if len(codes) and codes.min() < 0:  # missing values form one group of their own
        codes[codes < 0] = codes.max() + 1
    if cache is not None:
        cache[col] = codes
    return codes


def _group_ids(
    frame: pd.DataFrame, cols: tuple[str, ...], cache: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """Dense group id per row for a tuple of columns; integer arithmetic, no tuple hashing."""
    import pandas as pd

    gid = _codes(frame, cols[0], cache)
    for col in cols[1:]:
        c = _codes(frame, col, cache)
        gid = pd.factorize(gid * (int(c.max()) + 1) + c, sort=False)[0].astype(np.int64)
    return gid


def prior_sums(
    gid: np.ndarray, day: np.ndarray, weights: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """For each row, sums of `weights` over rows of the same group dated strictly earlier.

    Aggregates per (group, day), takes the cumulative sum within the group and subtracts the
    row's own day, so same-day rows never see each other.
    """
    d0 = day - day.min() if len(day) else day
    key = (gid << 22) | d0
    uniq, inv = np.unique(key, return_inverse=True)
    ugid = uniq >> 22
    starts = np.r_[True, ugid[1:] != ugid[:-1]]
    start_idx = np.maximum.accumulate(np.where(starts, np.arange(len(uniq)), 0))
    out = {}
    for name, w in weights.items():
        per = np.bincount(inv, weights=w, minlength=len(uniq))
        excl = np.cumsum(per) - per  # everything before this (group, day), all groups
        out[name] = (excl - excl[start_idx])[inv]
    return out


def _first_day(gid: np.ndarray, day: np.ndarray) -> np.ndarray:
    first = np.full(gid.max() + 1 if len(gid) else 0, np.iinfo(np.int64).max)
    np.minimum.at(first, gid, day)
    return first[gid]


def _unit_value_z(
    frame: pd.DataFrame, luv: np.ndarray, cache: dict[str, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Robust z of log unit value vs the reference as of the first day of the row's month.

    The reference is the median and MAD of earlier months' rows of the same (HS6, origin); groups
    with fewer than MIN_REFERENCE rows fall back to HS6, then HS4.
    """
    import pandas as pd

    n = len(frame)
    z = np.full(n, np.nan)
    ref_n = np.zeros(n)
    if n == 0 or "date" not in frame:
        return z, ref_n
    levels = [("hs6", "origin") if "origin" in frame else ("hs6",), ("hs6",), ("hs4",)]
    gids = [_group_ids(frame, cols, cache) for cols in levels]
    month = frame["date"].dt.year.to_numpy() * 12 + frame["date"].dt.month.to_numpy()
    finite = np.isfinite(luv)
    for m in np.unique(month):
        rows = np.flatnonzero(month == m)
        hist = (month < m) & finite
        if not hist.any():
            continue
        for gid in gids:  # finest group first; coarser groups fill what is left
            todo = rows[np.isnan(z[rows])]
            if len(todo) == 0:
                break
            need = hist & np.isin(gid, np.unique(gid[todo]))  # only the groups asked for
            h = pd.DataFrame({"g": gid[need], "v": luv[need]})
            med = h.groupby("g")["v"].median()
            size = h.groupby("g").size()
            h["dev"] = (h["v"] - med.reindex(h["g"]).to_numpy()).abs()
            mad = h.groupby("g")["dev"].median()
            ng = int(gid.max()) + 1
            med_a, mad_a, cnt_a = np.full(ng, np.nan), np.full(ng, np.nan), np.zeros(ng)
            med_a[med.index] = med.to_numpy()
            mad_a[mad.index] = mad.to_numpy()
            cnt_a[size.index] = size.to_numpy()
            g = gid[todo]
            ok = cnt_a[g] >= MIN_REFERENCE
            sd = np.maximum(np.nan_to_num(1.4826 * mad_a[g], nan=0.0), 0.1)  # floor: equal prices
            zz = np.clip((luv[todo] - med_a[g]) / sd, -20, 20)
            z[todo[ok]] = zz[ok]
            ref_n[todo[ok]] = cnt_a[g][ok]
    return z, ref_n


@dataclass
class FeatureBuilder:
    """Learns code vocabularies and keeps the labelled history that later rows may look back on."""

    vocab: dict[str, dict[str, int]] = field(default_factory=dict)
    history: pd.DataFrame | None = None
    columns: list[str] = field(default_factory=list)

    def fit(self, frame: pd.DataFrame) -> FeatureBuilder:
        cat_cols = [c for c in frame.columns if c.startswith("cat_")]
        for col in [*CODE_COLUMNS, *cat_cols]:
            if col in frame:
                # sorted values, not frequency ranks: a code is the value's identity and carries
                # no counts from later rows (values unseen in training become -1)
                self.vocab[col] = {v: i for i, v in enumerate(sorted(frame[col].astype(str).unique()))}
        keep = [c for c in _history_columns(frame)]
        self.history = frame[keep].copy()
        return self

    def transform(self, frame: pd.DataFrame, *, with_history: bool = True) -> pd.DataFrame:
        """Features for `frame`; history rows (with their labels) precede it in time.

        Labels of `frame` itself are never read here: scoring must not see the answer.
        """
        import pandas as pd

        own = frame[[c for c in _history_columns(frame)]].copy()
        own["label"] = np.nan
        history = self.history
        key = ["declaration_id", "date"]
        if history is not None and all(k in history and k in frame for k in key):
            # rows scored again (e.g. in-sample) must not also count as their own history;
            # id + date, since IDs of different periods may collide
            seen = pd.MultiIndex.from_frame(history[key]).isin(pd.MultiIndex.from_frame(frame[key]))
            history = history.loc[~seen]
        if with_history and history is not None and len(history):
            both = pd.concat([history, own], ignore_index=True)
            del own  # peak memory matters at a million rows
            feats = build(both, self.vocab).iloc[len(history) :].reset_index(drop=True)
        else:
            feats = build(own, self.vocab)
        return self._align(feats)

    def fit_transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Training features: each row sees earlier training rows and their labels only."""
        self.fit(frame)
        feats = build(frame[_history_columns(frame)], self.vocab)
        self.columns = list(feats.columns)
        return feats

    def extend_history(self, frame: pd.DataFrame) -> None:
        """Add labelled rows (e.g. the validation period) that later scoring may look back on."""
        import pandas as pd

        part = frame[_history_columns(frame)]
        self.history = pd.concat([self.history, part], ignore_index=True)

    def _align(self, feats: pd.DataFrame) -> pd.DataFrame:
        if not self.columns:
            return feats
        for col in self.columns:
            if col not in feats:
                feats[col] = np.nan
        return feats[self.columns]


def _history_columns(frame: pd.DataFrame) -> list[str]:
    wanted = {
        "declaration_id",
        "date",
        "hs",
        "value",
        "quantity",
        "origin",
        "departure",
        "tax_rate",
        "label",
        *CODE_COLUMNS,
        *(c for cols in GROUPS.values() for c in cols if c != "hs6"),
    }
    return [c for c in frame.columns if c in wanted or c.startswith("cat_")]


def build(frame: pd.DataFrame, vocab: dict[str, dict[str, int]]) -> pd.DataFrame:
    """Feature table for `frame` (sorted or not); each row uses only strictly earlier rows."""
    import pandas as pd

    f = frame.reset_index(drop=True)  # a new frame: the columns added below stay local
    n = len(f)
    out: dict[str, np.ndarray] = {}
    hs = f["hs"].astype(str) if "hs" in f else pd.Series([""] * n)
    f["hs6"] = hs.str[:6]
    f["hs4"] = hs.str[:4]
    value = f["value"].to_numpy(float) if "value" in f else np.full(n, np.nan)
    qty = f["quantity"].to_numpy(float) if "quantity" in f else np.full(n, np.nan)
    out["log_value"] = np.log1p(value)
    out["log_quantity"] = np.log1p(qty)
    luv = np.log1p(value) - np.log1p(qty)
    out["log_unit_value"] = luv
    cache: dict[str, np.ndarray] = {}
    z, ref_n = _unit_value_z(f, luv, cache)
    out["uv_z"] = z
    out["uv_ref_n"] = ref_n
    if "tax_rate" in f:
        out["tax_rate"] = f["tax_rate"].to_numpy(float)
    origin = f["origin"].astype(str) if "origin" in f else pd.Series([""] * n)
    departure = f["departure"].astype(str) if "departure" in f else origin
    out["origin_ne_departure"] = (origin != departure).to_numpy(float)
    out["hub_route"] = (departure.isin(HUBS) & (origin != departure)).to_numpy(float)
    out["hs_controlled"] = f["hs4"].isin(CONTROLLED_HS4).to_numpy(float)
    out["hs2"] = pd.to_numeric(hs.str[:2], errors="coerce").to_numpy(float)
    out["hs4"] = pd.to_numeric(f["hs4"], errors="coerce").to_numpy(float)
    out["hs6_code"] = pd.to_numeric(f["hs6"], errors="coerce").to_numpy(float)
    for col, codes in vocab.items():
        if col in f:
            idx, uniq = pd.factorize(f[col].astype(str), sort=False)
            lookup = np.array([codes.get(u, -1) for u in uniq] + [-1], dtype=float)
            out[f"code_{col.removeprefix('cat_')}"] = lookup[idx]  # idx -1 (missing) -> -1

    if n and "date" in f:
        day = _day(f["date"])
        y = f["label"].to_numpy(float) if "label" in f else np.full(n, np.nan)
        known = ~np.isnan(y)
        ones = np.ones(n)
        glob = prior_sums(np.zeros(n, np.int64), day, {"y": np.where(known, y, 0.0), "k": known})
        prior = (glob["y"] + 0.2 * SMOOTHING) / (glob["k"] + SMOOTHING)  # weak prior of 0.2
        for name, cols in GROUPS.items():
            if not all(c in f for c in cols):
                continue
            gid = _group_ids(f, cols, cache)
            s = prior_sums(gid, day, {"n": ones, "y": np.where(known, y, 0.0), "k": known * 1.0})
            out[f"{name}_prior_n"] = s["n"]
            out[f"{name}_fraud_rate"] = (s["y"] + prior * SMOOTHING) / (s["k"] + SMOOTHING)
            if name in AGE_GROUPS:
                first = _first_day(gid, day)
                out[f"{name}_age_days"] = np.where(first < day, day - first, 0).astype(float)
    # float32 halves the memory of a million-row table; the model is trained on float32 too
    return pd.DataFrame({k: np.asarray(v, dtype=np.float32) for k, v in out.items()})
