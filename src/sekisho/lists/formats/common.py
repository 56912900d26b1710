"""Helpers every parser needs: decoding, cleaning, dates, scripts, entity ids.

One place for these so that every format treats text, dates and scripts the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import icu

from sekisho.errors import FormatError

_WS = re.compile(r"\s+")
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}


def decode(data: bytes, path: Path, encodings: tuple[str, ...] = ("utf-8-sig",)) -> str:
    """Decode with the first encoding that works; a clear error naming the file otherwise."""
    errors = []
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as exc:
            errors.append(exc)
    exc = errors[-1]
    line = data[: exc.start].count(b"\n") + 1
    raise FormatError(
        f"not valid {' or '.join(encodings)} text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
        file=path,
        line=line,
    )


def clean(value: str | None) -> str | None:
    """Collapse whitespace, strip, drop control characters; None for empty or null markers."""
    if value is None:
        return None
    if not value.isprintable():  # fast path: a printable string has no category-C character
        value = "".join(c for c in value if c in "\n\t" or unicodedata.category(c)[0] != "C")
    value = _WS.sub(" ", value).strip()
    if value in ("", "-0-", "-0", "N/A", "n/a", "NULL", "null", "None"):
        return None
    return value


def split(value: str | None, sep: str | re.Pattern[str] = ";") -> list[str]:
    """Split a multi-valued cell, cleaning each part and dropping empties."""
    if not value:
        return []
    parts = value.split(sep) if isinstance(sep, str) else sep.split(value)
    return [p for p in (clean(x) for x in parts) if p]


def iso_date(value: str | None) -> str | None:
    """Parse the date forms publishers use into ISO 8601 (possibly partial: YYYY or YYYY-MM).

    Accepts 2021-03-12, 12/03/2021 (day first), 03/12/2021 when `month_first` style is
    unambiguous, "12 Mar 2021", "Mar 12, 2021", "March 2021", "2021", "12.03.2021",
    "00/00/1980" (unknown parts). Returns None when the text holds no date.
    """
    v = clean(value)
    if not v:
        return None
    v = v.strip(" .")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", v)
    if m:
        return _ymd(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", v)
    if m:
        return f"{int(m[1]):04d}-{int(m[2]):02d}"
    m = re.fullmatch(r"(\d{4})", v)
    if m:
        return m[1]
    m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})", v)
    if m:
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        if y < 100:
            y += 2000 if y < 50 else 1900
        if mo > 12 and d <= 12:  # month-first (US) form
            d, mo = mo, d
        return _ymd(y, mo, d)
    m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})", v)
    if m and m[2].lower() in _MONTHS:
        return _ymd(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    m = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", v)
    if m and m[1].lower() in _MONTHS:
        return _ymd(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
    m = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{4})", v)
    if m and m[1].lower() in _MONTHS:
        return f"{int(m[2]):04d}-{_MONTHS[m[1].lower()]:02d}"
    return None


def us_date(value: str | None) -> str | None:
    """MM/DD/YYYY (BIS style) → ISO date; None when empty or not a date."""
    v = clean(value)
    if not v:
        return None
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", v)
    if not m:
        return iso_date(v)
    return _ymd(int(m[3]), int(m[1]), int(m[2]))


def _ymd(y: int, m: int, d: int) -> str | None:
    if y == 0:
        return None
    if m == 0:
        return f"{y:04d}"
    if d == 0:
        return f"{y:04d}-{m:02d}" if 1 <= m <= 12 else f"{y:04d}"
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def utc_now_iso() -> str:
    """Current time, timezone-aware UTC, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


_SCRIPT_CODES: dict[int, str] = {}


def script_of(text: str) -> str | None:
    """Dominant ISO 15924 script of the letters in `text` ("Latn", "Hani", "Cyrl", "Arab"...).

    Japanese text mixing kana and kanji reports "Jpan"; Korean Hangul "Hang".
    """
    if text.isascii():  # fast path: most list names
        return "Latn" if any(c.isalpha() for c in text) else None
    counts: Counter[str] = Counter()
    for ch in text:
        if not ch.isalpha():
            continue
        code = icu.Script.getScript(ch)
        counts[icu.Script.getShortName(code)] += 1
    if not counts:
        return None
    if ("Hira" in counts or "Kana" in counts) and ("Hani" in counts or len(counts) == 1):
        return "Jpan"
    return counts.most_common(1)[0][0]


def is_latin(text: str) -> bool:
    return script_of(text) in (None, "Latn")


def entity_id(source: str, key: str | int) -> str:
    """Stable id of a listed entity: `source:key` (key as the publisher gives it)."""
    return f"{source}:{key}"


_XML_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)[\s/>]")
_XML_SKIP = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)", re.S | re.I)


def xml_root_tag(head: bytes) -> str | None:
    """Local name of the first element of an XML document (for sniffing), or None.

    Skips the BOM, the XML declaration, comments and processing instructions; the namespace
    prefix (if any) is dropped.
    """
    data = head.removeprefix(b"\xef\xbb\xbf")
    pos = 0
    while True:
        m = _XML_SKIP.match(data, pos)
        if not m:
            break
        pos = m.end()
    while pos < len(data) and data[pos : pos + 1].isspace():
        pos += 1
    m = _XML_ROOT.match(data, pos)
    return m[2].decode("ascii") if m else None


def refuse_dtd(data: bytes, path: Path) -> None:
    """Refuse XML with a DTD or entity declarations (XXE, billion laughs): lists never need one."""
    upper = data.upper()
    for marker in (b"<!DOCTYPE", b"<!ENTITY"):
        at = upper.find(marker)
        if at >= 0:
            raise FormatError(
                "XML with a DTD or entity declaration is refused (unsafe, never used by publishers)",
                file=path,
                line=data[:at].count(b"\n") + 1,
            )


def xml_error(exc: Exception, path: Path) -> FormatError:
    """A FormatError naming file and line for an XML parse error."""
    position = getattr(exc, "position", None)
    line = position[0] if position else None
    return FormatError(f"malformed XML: {exc}", file=path, line=line)
