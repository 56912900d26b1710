"""Trade-flow surge detection on aggregate exports by destination (e.g. HS 8542 from Taiwan).

A hub that re-exports chips shows up as a destination whose imports grow far faster than the
exporter's total: its share of the exporter's trade jumps. Comparing shares instead of levels
also makes a partial last year (Jan-Aug) comparable with full years, since both the destination
and the total are partial. For each destination and year we compute

- growth against its own history: value / mean of the previous `base_years` years, and the
  robust z of this year's log change against the destination's own past log changes;
- growth against the exporter's total: share / mean share of the previous years (relative growth).

A destination is flagged when it is a transshipment hub, its relative growth is at least
`min_relative` and it takes at least `min_share` of the exporter's trade (tiny flows are noise).
Non-hub destinations with the same surge are reported but not flagged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sekisho.countries import to_iso2
from sekisho.customs.features import HUBS
from sekisho.errors import FormatError, InputError

if TYPE_CHECKING:
    import pandas as pd

TAIWAN_VALUE = "Export Value (USD)"


@dataclass
class Surge:
    destination: str  # ISO2 (or the name when unknown)
    name: str
    hub: bool
    flagged: bool
    years: list[int]  # years meeting the surge condition
    latest: dict[str, float]  # metrics for the last year
    reason: str


@dataclass
class FlowAnalysis:
    table: pd.DataFrame  # destination x year metrics
    series: pd.DataFrame  # value per destination (rows) and year (columns)
    totals: pd.Series  # exporter total per year
    surges: list[Surge] = field(default_factory=list)
    partial_last: bool = False

    @property
    def flagged(self) -> list[Surge]:
        return [s for s in self.surges if s.flagged]


def load_flows(path: str | Path, names: str | Path | None = None) -> pd.DataFrame:
    """Flows as (year, destination, name, value).

    Reads the Taiwan customs layout (Year, Country, HS Code, Description, Export Value (USD);
    country names in Traditional Chinese, mapped through `names` JSON or ICU) or a generic CSV
    with columns year (or period), destination (ISO2 or name) and value. Bad rows -> InputError.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except Exception as exc:
        raise FormatError(f"cannot read CSV: {exc}", file=path) from exc
    cols = {c.strip(): c for c in raw.columns}
    if TAIWAN_VALUE in cols and "Country" in cols:
        year_c, dest_c, val_c = cols["Year"], cols["Country"], cols[TAIWAN_VALUE]
    else:
        lower = {c.lower(): c for c in cols}
        year_c = lower.get("year") or lower.get("period")
        dest_c = lower.get("destination") or lower.get("partner") or lower.get("country")
        val_c = lower.get("value") or lower.get("export_value")
        if not (year_c and dest_c and val_c):
            raise FormatError(
                "flows need columns year (or period), destination and value, or the Taiwan "
                f"customs layout; found {', '.join(raw.columns)}",
                file=path,
                line=1,
            )
    mapping: dict[str, str] = {}
    if names is None and (path.parent / "country_name_map_full.json").is_file():
        names = path.parent / "country_name_map_full.json"
    if names is not None:
        mapping = json.loads(Path(names).read_text(encoding="utf-8"))
    years = pd.to_numeric(raw[year_c].str.strip().str[:4], errors="coerce")
    values = pd.to_numeric(raw[val_c].str.replace(",", "", regex=False), errors="coerce")
    for mask, column, why in (
        (years.isna(), year_c, "not a year"),
        (values.isna() | (values < 0), val_c, "not a non-negative number"),
        (raw[dest_c].str.strip() == "", dest_c, "empty destination"),
    ):
        if mask.any():
            i = int(np.flatnonzero(mask.to_numpy())[0])
            raise InputError(f"{why} (value {raw.iloc[i][column]!r})", file=path, line=i + 2, field=column)
    dest_raw = raw[dest_c].str.strip()
    english = dest_raw.map(lambda s: mapping.get(s, s))
    iso = english.map(lambda s: to_iso2(s) or (to_iso2(mapping.get(s, "")) if s in mapping else None))
    iso = iso.fillna(dest_raw.map(lambda s: to_iso2(s) or s))
    return pd.DataFrame(
        {"year": years.astype(int), "destination": iso, "name": english, "value": values.astype(float)}
    )


def analyse(
    flows: pd.DataFrame,
    *,
    hubs: frozenset[str] | set[str] = HUBS,
    base_years: int = 3,
    min_relative: float = 1.3,
    min_share: float = 0.005,
    window: int = 3,
    partial_last: bool | None = None,
) -> FlowAnalysis:
    """Surge metrics per destination and year, and the flagged hubs (see module docstring)."""
    import pandas as pd

    if flows.empty:
        raise InputError("no flows to analyse")
    series = flows.pivot_table(index="destination", columns="year", values="value", aggfunc="sum", fill_value=0.0)
    names = flows.groupby("destination")["name"].first()
    totals = series.sum(axis=0)
    share = series / totals
    years = list(series.columns)
    if partial_last is None:
        # a last year far below the previous one for the exporter as a whole is a partial year
        partial_last = len(years) > 1 and totals.iloc[-1] < 0.85 * totals.iloc[-2]
    rows = []
    logv = np.log(series.clip(lower=1.0))
    yoy = logv.diff(axis=1)
    for idx, y in enumerate(years):
        if idx < base_years:
            continue
        prev = years[idx - base_years : idx]
        base_val = series[prev].mean(axis=1)
        base_share = share[prev].mean(axis=1)
        own = series[y] / base_val.replace(0, np.nan)
        if partial_last and idx == len(years) - 1:
            own = own * (totals[prev].mean() / totals[y])  # annualise by the exporter's total
        rel = share[y] / base_share.replace(0, np.nan)
        hist = yoy[years[1:idx]] if idx > 1 else None
        if hist is not None and hist.shape[1] >= 3:
            med = hist.median(axis=1)
            mad = (hist.sub(med, axis=0)).abs().median(axis=1) * 1.4826
            z = (logv[y] - logv[years[idx - 1]] - med) / mad.clip(lower=0.05)
        else:
            z = pd.Series(np.nan, index=series.index)
        rows.append(pd.DataFrame({
            "destination": series.index, "year": y, "value": series[y].to_numpy(),
            "share": share[y].to_numpy(), "own_growth": own.to_numpy(),
            "relative_growth": rel.to_numpy(), "yoy_z": z.to_numpy(),
        }))
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    surges: list[Surge] = []
    if not table.empty:
        recent = set(years[-window:])
        table["hub"] = table["destination"].isin(hubs)
        table["surge"] = (table["relative_growth"] >= min_relative) & (table["share"] >= min_share)
        for dest, part in table.groupby("destination"):
            hit = part[part["surge"] & part["year"].isin(recent)]
            if hit.empty:
                continue
            last = part.iloc[-1]
            hub = bool(last["hub"])
            yrs = [int(v) for v in hit["year"]]
            worst = hit.loc[hit["relative_growth"].idxmax()]
            reason = (
                f"{'hub ' if hub else ''}{names.get(dest, dest)}: share of exports "
                f"{worst['share']:.1%} in {int(worst['year'])}, {worst['relative_growth']:.1f}x its "
                f"{base_years}-year average share; own growth {worst['own_growth']:.1f}x"
            )
            surges.append(Surge(
                destination=str(dest), name=str(names.get(dest, dest)), hub=hub, flagged=hub,
                years=yrs, latest={k: float(last[k]) for k in ("value", "share", "own_growth", "relative_growth", "yoy_z")},
                reason=reason,
            ))
        surges.sort(key=lambda s: (not s.flagged, -s.latest["share"]))
    return FlowAnalysis(table, series, totals, surges, bool(partial_last))
