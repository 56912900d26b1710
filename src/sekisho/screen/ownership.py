"""The 50 % rule: an entity owned 50 % or more, in aggregate, by listed parties is treated as
listed (OFAC guidance of 2014-08-13; the same test in UK/EU asset-freeze guidance and BIS's 2025
"affiliates" rule), transitively: an entity that counts as listed counts in turn for what it owns.

Ownership file formats (names as the parties are written; matching ignores case, punctuation
and legal forms):
  CSV:  owner,owned,share            (share in percent, 0-100; header row required)
  YAML: ownership: [{owner: ..., owned: ..., share: 60}, ...]   (or a bare list)
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sekisho.errors import InputError

THRESHOLD = 50.0
_LEGAL = {
    "co", "company", "corp", "corporation", "inc", "incorporated", "llc", "ltd", "limited",
    "plc", "gmbh", "ag", "sa", "bv", "nv", "kk", "pte", "pty", "sdn", "bhd", "jsc", "ooo",
    "oao", "pjsc", "the", "holdings", "holding", "group",
}


def name_key(name: str) -> str:
    """Comparison key for a company name: NFKC, casefold, no punctuation, no legal forms."""
    text = unicodedata.normalize("NFKC", name).casefold()
    tokens = [t for t in re.split(r"[^\w]+", text) if t and t not in _LEGAL]
    return " ".join(tokens) or text.strip()


@dataclass(frozen=True)
class Stake:
    owner: str  # display name
    owned: str
    share: float


@dataclass(frozen=True)
class Derived:
    """Why an entity counts as listed: aggregate share held by listed owners, and the path."""

    name: str
    share: float
    via: tuple[Stake, ...]
    roots: tuple[str, ...]  # the directly listed ancestors


@dataclass
class Ownership:
    """An ownership graph: owned -> stakes held in it."""

    stakes: list[Stake] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_owned: dict[str, list[Stake]] = {}
        for s in self.stakes:
            self._by_owned.setdefault(name_key(s.owned), []).append(s)

    @classmethod
    def load(cls, path: Path | str) -> Ownership:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read ownership file: {exc}", file=path) from exc
        if path.suffix.lower() == ".csv":
            return cls._from_csv(text, path)
        return cls._from_yaml(text, path)

    @classmethod
    def _from_csv(cls, text: str, path: Path) -> Ownership:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in reader.fieldnames or ()]
        for col in ("owner", "owned", "share"):
            if col not in header:
                raise InputError(f"ownership CSV needs a {col!r} column", file=path, line=1, field=col)
        stakes = []
        for row in reader:
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            stakes.append(_stake(row, path, reader.line_num))
        return cls(stakes)

    @classmethod
    def _from_yaml(cls, text: str, path: Path) -> Ownership:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            raise InputError(f"not valid YAML: {exc}", file=path,
                             line=line + 1 if line is not None else None) from exc
        rows = data.get("ownership") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise InputError("expected a list of {owner, owned, share}", file=path, field="ownership")
        return cls([_stake(r, path, None, f"ownership[{i}].") for i, r in enumerate(rows)])

    def owners(self, name: str) -> list[Stake]:
        return list(self._by_owned.get(name_key(name), ()))

    def ancestors(self, names: Iterable[str]) -> list[str]:
        """Every direct or indirect owner of `names` (display names, each once)."""
        seen: dict[str, str] = {}
        todo = list(names)
        while todo:
            for stake in self.owners(todo.pop()):
                key = name_key(stake.owner)
                if key not in seen:
                    seen[key] = stake.owner
                    todo.append(stake.owner)
        return list(seen.values())

    def derived(self, is_listed: Callable[[str], bool]) -> dict[str, Derived]:
        """Entities (by name_key) that count as listed under the 50 % rule, with the evidence.

        Fixed point over the graph: aggregate the shares of owners that are listed or already
        count as listed; >= 50 % makes the owned entity count. Cycles are safe (monotone)."""
        listed: dict[str, tuple[str, ...]] = {}
        for s in self.stakes:
            if name_key(s.owner) not in listed and is_listed(s.owner):
                listed[name_key(s.owner)] = (s.owner,)
        out: dict[str, Derived] = {}
        changed = True
        while changed:
            changed = False
            for owned_key, stakes in self._by_owned.items():
                if owned_key in out or owned_key in listed:
                    continue
                via = [s for s in stakes if name_key(s.owner) in listed or name_key(s.owner) in out]
                total = sum(s.share for s in via)
                if total >= THRESHOLD:
                    roots: list[str] = []
                    for s in via:
                        k = name_key(s.owner)
                        roots.extend(listed[k] if k in listed else out[k].roots)
                    out[owned_key] = Derived(stakes[0].owned, total, tuple(via),
                                             tuple(dict.fromkeys(roots)))
                    changed = True
        return out


def _stake(row: object, path: Path, line: int | None, prefix: str = "") -> Stake:
    if not isinstance(row, dict):
        raise InputError("must be an object with owner, owned, share", file=path, line=line,
                         field=prefix.rstrip("."))
    owner, owned = str(row.get("owner") or "").strip(), str(row.get("owned") or "").strip()
    if not owner:
        raise InputError("is required", file=path, line=line, field=prefix + "owner")
    if not owned:
        raise InputError("is required", file=path, line=line, field=prefix + "owned")
    raw = str(row.get("share", "")).strip().rstrip("%")
    try:
        share = float(raw)
    except ValueError:
        raise InputError(f"must be a percentage, not {raw!r}", file=path, line=line,
                         field=prefix + "share") from None
    if not 0 <= share <= 100:
        raise InputError(f"must be between 0 and 100, not {share:g}", file=path, line=line,
                         field=prefix + "share")
    return Stake(owner, owned, share)
