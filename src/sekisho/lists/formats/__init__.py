"""Parsers for the official list formats, one module per format, and format detection.

Every format module defines:

- ``NAME``: the format id used by ``--format`` (e.g. ``"ofac_csv"``);
- ``sniff(path: Path, head: bytes) -> bool``: True when ``path`` is the *primary* file of this
  format (``head`` is its first 64 KiB, already gunzipped for ``.gz`` files);
- ``companions(path: Path) -> list[Path]``: the other files that belong with a primary file
  (OFAC's add/alt/comments files); formats of one file return ``[]``;
- ``parse(paths: list[Path]) -> ParseResult``: ``paths[0]`` is the primary file. It raises
  ``FormatError`` (with file and line) on malformed input and never returns half a list, except
  for quirks a publisher is known for (a truncated last row), which go into ``warnings``.

Parsers know nothing of the store, of matching or of policy.
"""

from __future__ import annotations

import gzip
import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from sekisho.errors import FormatError, InputError
from sekisho.model import ListedEntity

HEAD_BYTES = 65536

# Order matters only for detection: the first module whose sniff() says yes wins.
FORMAT_MODULES: tuple[str, ...] = (
    "ofac_csv",
    "us_csl",
    "un_xml",
    "bis_dpl",
    "jp_meti_eul",
    "jp_meti_designated",
    "uk_ofsi",
    "eu_fsf",
    "tw_shtc",
    "ftm_json",
    "os_transcribed",
    "kaist_json",
    "custom_list",
)


@dataclass
class ParseResult:
    """What a parser read from one set of files."""

    format: str
    source: str  # catalog source id, e.g. "us_ofac_sdn"
    entities: list[ListedEntity]
    files: list[Path]
    published_at: str | None = None  # the publisher's date of the list, ISO 8601
    warnings: list[str] = field(default_factory=list)


def _modules() -> list[ModuleType]:
    mods = []
    for name in FORMAT_MODULES:
        try:
            mods.append(importlib.import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    return mods


def get_format(name: str) -> ModuleType:
    """The format module called `name`, or a clear error listing the known ones."""
    for mod in _modules():
        if name == mod.NAME:
            return mod
    known = ", ".join(sorted(m.NAME for m in _modules()))
    raise InputError(f"unknown format {name!r}; known formats: {known}", field="--format")


def format_names() -> list[str]:
    return sorted(m.NAME for m in _modules())


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """First bytes of a file, gunzipped when it is gzip; errors name the file."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(size)
        if raw[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as gz:
                return gz.read(size)
        return raw
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read file: {exc}", file=path) from exc


def open_bytes(path: Path) -> bytes:
    """Whole content of a file, gunzipped when it is gzip; errors name the file."""
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            return gzip.decompress(raw)
        return raw
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise FormatError(f"cannot read file (corrupt or truncated gzip?): {exc}", file=path) from exc


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named, with folders expanded to their files (sorted, hidden files skipped)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(
                sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
            )
        elif p.is_file():
            out.append(p)
        else:
            raise InputError("no such file or folder", file=p)
    return out


@dataclass
class Group:
    """Files that are parsed together as one list, with the format that claimed them."""

    format: ModuleType
    paths: list[Path]


def detect(paths: Sequence[Path], format_name: str | None = None) -> tuple[list[Group], list[Path]]:
    """Group files by format. Returns (groups, files no format claimed).

    With `format_name`, every file that is not a companion of another is parsed in that format.
    """
    files = expand(paths)
    if not files:
        raise InputError("no files to load", file=", ".join(str(p) for p in paths) or None)
    mods = [get_format(format_name)] if format_name else _modules()
    groups: list[Group] = []
    claimed: set[Path] = set()
    unclaimed: list[Path] = []
    for path in files:
        if path in claimed:
            continue
        head = read_head(path)
        for mod in mods:
            if format_name or mod.sniff(path, head):
                members = [path, *[c for c in mod.companions(path) if c != path]]
                groups.append(Group(mod, members))
                claimed.update(members)
                break
        else:
            unclaimed.append(path)
    # A companion may have been listed before its primary file: drop it from unclaimed.
    unclaimed = [p for p in unclaimed if p not in claimed]
    return groups, unclaimed
