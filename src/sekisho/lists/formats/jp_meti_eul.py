"""Japan METI End User List (外国ユーザーリスト), the Excel edition.

One sheet (``ユーザーリスト``) with a bilingual header row: ``No.``, ``国名、地域名\\nCountry or
Region``, ``企業名､組織名\\nCompany or Organization``, ``別名\\nAlso Known As``,
``懸念区分\\nType of WMD``, ``通常兵器\\nConventional Weapons``. Columns are found by keyword
(Japanese or English), so a reordered or re-worded header still reads.

Cells, as METI writes them:

- ``No.`` is a formula (``=ROW()-1``): we read cached values (``data_only=True``). A workbook
  saved without cached values (None) is numbered by row, with a warning.
- Country: ``Japanese\\nEnglish`` → ISO-2 (Japanese line first, it is the unambiguous one).
- Company: English name, possibly wrapped over several lines, then the Japanese/Chinese name
  in full-width or ASCII brackets on its own line or glued to the end of the English line →
  a NATIVE name. A few entries have only a Japanese name: it is the primary name.
- Aliases: bullet lines ``・...``; a non-bullet line after a bullet continues the previous
  alias (line wrap) unless it is in another script (a bracketed native alias). A cell with no
  bullet at all is one alias per line.
- WMD codes ``Japanese\\nB,C,M,N`` (also ``M、N``, full-width ``Ｎ``, ``ミサイルM``) →
  ``properties["wmd_concern"]`` and programs ``EUL-B`` ... ``EUL-N``; ``通常兵器\\nCW`` →
  ``properties["conventional_weapons"]`` and program ``EUL-CW``. Every entity also has ``EUL``.

Entity ids are ``jp_meti_eul:<No.>`` as the brief fixed it. Note that METI renumbers the list
in each edition (No. is a row number), so a diff between editions shows shifted entries as
changed; ``properties["country_name"]`` keeps the country text for review.
The publication date is taken from the file name METI uses (``YYYYMMDD_n.xlsx``) when present.
The PDF editions are not parsed (sniff never claims them).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
import zlib
from datetime import date
from pathlib import Path
from typing import Any

from sekisho.countries import to_iso2
from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult
from sekisho.lists.formats.common import clean, entity_id, script_of
from sekisho.model import ListedEntity, Name, NameKind, Schema

NAME = "jp_meti_eul"
SOURCE = "jp_meti_eul"

# column key -> keywords (any one, case-insensitive, in the header cell)
_COLUMNS: dict[str, tuple[str, ...]] = {
    "no": ("no.", "番号"),
    "country": ("country", "国名"),
    "company": ("company", "organization", "企業名", "組織名"),
    "aliases": ("also known as", "別名"),
    "wmd": ("type of wmd", "懸念区分"),
    "cw": ("conventional weapons", "通常兵器"),
}
_REQUIRED = ("country", "company", "aliases", "wmd")
_WMD_WORDS = {"生物": "B", "化学": "C", "ミサイル": "M", "核": "N"}
_NON_LATIN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_BRACKETED = re.compile(r"^[(（](.*)[)）]$")
# English name with a bracketed non-Latin name glued to its end: "Foo Ltd.（富有限公司）"
_TRAILING_NATIVE = re.compile(
    r"^(.*?)\s*[(（]([^()（）]*[\u3040-\u30ff\u3400-\u9fff][^()（）]*)[)）]$"
)
_MAX_SCAN_BYTES = 8 * 1024 * 1024


def sniff(path: Path, head: bytes) -> bool:
    """An xlsx (zip) whose strings hold the EUL header keywords; never a PDF or other xlsx."""
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names:
                return False
            # Strings live in sharedStrings.xml, or inline in the sheets (files written by tools).
            sheets = sorted(
                n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")
            )
            parts = [n for n in ("xl/sharedStrings.xml", *sheets) if n in names]
            for part in parts:
                if zf.getinfo(part).file_size > _MAX_SCAN_BYTES:
                    continue
                text = zf.read(part).decode("utf-8", "replace")
                if "Also Known As" in text and ("Type of WMD" in text or "懸念区分" in text):
                    return True
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        OSError,
        KeyError,
        RuntimeError,
        ValueError,
        EOFError,
        NotImplementedError,
    ):  # a file we cannot read as a zip is not ours
        return False
    return False


def companions(path: Path) -> list[Path]:
    return []


def parse(paths: list[Path]) -> ParseResult:
    path = paths[0]
    rows, header_at, cols = _read_sheet(path)
    entities: list[ListedEntity] = []
    warnings: list[str] = []
    seen: set[str] = set()
    stable_ids: set[str] = set()
    numbered_by_row = False
    for index in range(header_at + 1, len(rows)):
        row = rows[index]
        line = index + 1  # spreadsheet row number
        cells = {k: _cell(row, i) for k, i in cols.items()}
        if not any(cells.get(k) for k in ("country", "company", "aliases")):
            continue  # blank row (the sheet has trailing empty rows and columns)
        key = _number(row[cols["no"]] if "no" in cols and cols["no"] < len(row) else None)
        if key is None:
            key = str(index - header_at)
            if not numbered_by_row:
                warnings.append(f"{path}: column No. has no cached values; entries numbered by row")
                numbered_by_row = True
        entity = _entity(key, cells, path, line, warnings)
        if key in seen:
            raise FormatError(f"duplicate No. {key}", file=path, line=line, field="No.")
        seen.add(key)
        entities.append(_with_stable_id(entity, key, stable_ids))
    if not entities:
        raise FormatError("no entries below the header row", file=path, line=header_at + 1)
    return ParseResult(
        format=NAME,
        source=SOURCE,
        entities=entities,
        files=[path],
        published_at=_date_from_name(path),
        warnings=warnings,
    )


def _read_sheet(path: Path) -> tuple[list[tuple[Any, ...]], int, dict[str, int]]:
    """Rows of the first sheet that has the EUL header, with the header row and columns."""
    import openpyxl  # heavy import, only when a workbook is actually read

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types (zip, XML, KeyError...) on bad files
        raise FormatError(
            f"not a readable xlsx workbook: {type(exc).__name__}: {exc}", file=path
        ) from exc
    try:
        for sheet in wb.worksheets:
            rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
            found = _header(rows)
            if found:
                return rows, *found
    except Exception as exc:
        raise FormatError(
            f"cannot read the workbook: {type(exc).__name__}: {exc}", file=path
        ) from exc
    finally:
        wb.close()
    raise FormatError(
        "not a METI End User List workbook: no sheet has a header row with Country / Company / "
        "Also Known As / Type of WMD",
        file=path,
    )


def _header(rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:20]):
        cols: dict[str, int] = {}
        for i, value in enumerate(row):
            text = str(value).casefold() if value is not None else ""
            if not text:
                continue
            for key, words in _COLUMNS.items():
                if key not in cols and any(w in text for w in words):
                    cols[key] = i
                    break
        if all(k in cols for k in _REQUIRED):
            return index, cols
    return None


def _cell(row: tuple[Any, ...], i: int) -> str | None:
    if i >= len(row) or row[i] is None:
        return None
    value = str(row[i]).replace("\r\n", "\n").replace("\r", "\n")
    return value if value.strip() else None


def _number(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return str(int(value))
    text = clean(str(value))
    if text and re.fullmatch(r"\d+", text):
        return str(int(text))
    return None


def _lines(cell: str | None) -> list[str]:
    return [v for v in (clean(x) for x in (cell or "").split("\n")) if v]


def _is_native(text: str) -> bool:
    return bool(_NON_LATIN.search(text)) and script_of(text) not in (None, "Latn")


def _unbracket(text: str) -> str:
    m = _BRACKETED.match(text)
    return clean(m[1]) or text if m else text


def _name(value: str, kind: NameKind) -> Name:
    return Name(value, kind, script_of(value))


def _company(cell: str | None) -> tuple[str | None, list[str]]:
    """(English name, native names) from a company cell."""
    english: list[str] = []
    native: list[str] = []
    for line in _lines(cell):
        if _is_native(line) and _BRACKETED.match(line):
            native.append(_unbracket(line))
            continue
        m = _TRAILING_NATIVE.match(line)
        if m and clean(m[1]) and not _is_native(m[1]):
            english.append(clean(m[1]) or "")
            native.append(clean(m[2]) or m[2])
            continue
        english.append(line)
    return clean(" ".join(english)), native


def _aliases(cell: str | None) -> list[Name]:
    lines = _lines(cell)
    bulleted = any(line.startswith("・") for line in lines)
    out: list[str] = []
    kinds: list[NameKind] = []
    for line in lines:
        if line.startswith("・"):
            text = clean(line.lstrip("・"))
            if text:
                out.append(text)
                kinds.append(NameKind.NATIVE if _is_native(text) else NameKind.AKA)
        elif _is_native(line):
            out.append(_unbracket(line))
            kinds.append(NameKind.NATIVE)
        elif bulleted and out and kinds[-1] is NameKind.AKA:
            out[-1] = f"{out[-1]} {line}"  # wrapped line of the previous alias
        else:
            out.append(line)
            kinds.append(NameKind.AKA)
    return [_name(v, k) for v, k in zip(out, kinds, strict=True)]


def _wmd(cell: str | None) -> list[str]:
    if not cell:
        return []
    text = unicodedata.normalize("NFKC", cell)
    codes = [c for c in re.findall(r"[A-Z]+", text) if c in ("B", "C", "M", "N")]
    if not codes:  # only the Japanese words
        codes = [code for word, code in _WMD_WORDS.items() if word in text]
    return sorted(set(codes), key="BCMN".index)


def _entity(
    key: str, cells: dict[str, str | None], path: Path, line: int, warnings: list[str]
) -> ListedEntity:
    english, natives = _company(cells.get("company"))
    names: list[Name] = []
    if english:
        names.append(_name(english, NameKind.PRIMARY))
    for native in natives:
        names.append(_name(native, NameKind.PRIMARY if not names else NameKind.NATIVE))
    if not names:
        raise FormatError(
            "entry without a company name", file=path, line=line, field="Company or Organization"
        )
    for alias in _aliases(cells.get("aliases")):
        if all(alias.value != n.value for n in names):
            names.append(alias)

    country_text = cells.get("country")
    country = to_iso2(country_text)
    if country_text and not country:
        warnings.append(f"{path}:{line}: unknown country {clean(country_text)!r} kept as text only")
    props: dict[str, tuple[str, ...]] = {}
    if country_text:
        props["country_name"] = tuple(_lines(country_text))
    programs = ["EUL"]
    wmd = _wmd(cells.get("wmd"))
    if wmd:
        props["wmd_concern"] = tuple(wmd)
        programs.extend(f"EUL-{c}" for c in wmd)
    cw = cells.get("cw")
    if cw and "CW" in unicodedata.normalize("NFKC", cw).upper():
        props["conventional_weapons"] = ("CW",)
        programs.append("EUL-CW")
    return ListedEntity(
        id=entity_id(SOURCE, key),
        source=SOURCE,
        schema=Schema.ORGANIZATION,
        names=tuple(names),
        countries=(country,) if country else (),
        programs=tuple(programs),
        properties=props,
    )


def _with_stable_id(entity: ListedEntity, number: str, taken: set[str]) -> ListedEntity:
    """Key the entry by country + name, not by `No.`: METI renumbers every row in each edition
    (`No.` is `=ROW()-1`), so a number-based id would turn one insertion into hundreds of
    "changed" entries in a diff and void every whitelist decision after it."""
    country = entity.countries[0] if entity.countries else "XX"
    digest = hashlib.sha256(" ".join(entity.name.casefold().split()).encode()).hexdigest()[:12]
    key = f"{country}-{digest}"
    n = 2
    while key in taken:  # the same name twice in one country: keep both, in list order
        key = f"{country}-{digest}-{n}"
        n += 1
    taken.add(key)
    props = {**entity.properties, "list_number": (number,)}
    fields = {f: getattr(entity, f) for f in entity.__dataclass_fields__}
    return ListedEntity(**{**fields, "id": entity_id(SOURCE, key), "properties": props})


def _date_from_name(path: Path) -> str | None:
    m = re.match(r"(20\d{2})(\d{2})(\d{2})", path.name)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None
