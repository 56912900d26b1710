"""Japan METI/MOFA export-ban designations (Russia, Belarus, third countries), PDF text form.

METI publishes these lists only as PDF. We read the plain text extracted from those PDFs
(`*.pdf.txt`, as OpenSanctions and `pdftotext` produce it): a notice title, 指定日 (first
designation) and 最終更新日 (last update) lines, then numbered entries:

    12 株式会社ＸＹＺ（別称、Ａ及びＢ）          ← number + Japanese name (+ Japanese aliases)
    XYZ JSC, a.k.a., the following two aliases:  ← English name (may wrap)
    -A; and                                      ← English aliases, one per dash line
    -B.
    所在地：street, city, Russia; and ...         ← addresses, "; and"-separated (may wrap)

Entry numbers may be full-width and, across page breaks, glued to the end of the previous
address ("...Emirates.4 サクセス..."). Numbers are sequential, which is what we rely on to find
entry starts; a gap or a missing entry is a FormatError naming the line.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from sekisho.countries import to_iso2
from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import clean, decode, entity_id
from sekisho.model import Address, ListedEntity, Name, NameKind, Schema

NAME = "jp_meti_designated"

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_SOURCES = (
    ("ベラルーシ共和国の団体", "jp_meti_by"),
    ("以外の国の団体", "jp_meti_3c"),
    ("ロシア連邦の団体", "jp_meti_ru"),
)
_AKA = re.compile(r",?\s*a\.k\.a\.?,?\s*(the following.*)?$", re.IGNORECASE)
_DASH = re.compile(r"^\s*[-—–]\s*")


def sniff(path: Path, head: bytes) -> bool:
    try:
        text = unicodedata.normalize("NFKC", head.decode("utf-8", errors="ignore"))
    except Exception:
        return False
    return "最終更新日" in text and "所在地" in text and "外務省告示" in text


def companions(path: Path) -> list[Path]:
    return []


def _source(title: str, path: Path) -> str:
    for marker, source in _SOURCES:
        if marker in title:
            return source
    raise FormatError("cannot tell which METI designation list this is (Russia, Belarus or "
                      "third countries) from its title", file=path, line=1)


def _date(text: str) -> str | None:
    m = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else None


def _split_entries(lines: list[str], path: Path) -> tuple[list[str], list[tuple[int, int, list[str]]]]:
    """Header lines, then (number, line number, lines) per entry, using sequential numbering."""
    header: list[str] = []
    entries: list[tuple[int, int, list[str]]] = []
    expected = 1
    current: list[str] | None = None
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        while True:
            start = re.match(rf"^{expected}\s*(.+)$", line)
            if start and _CJK.search(start[1]) and not start[1][0].isdigit():
                current = [start[1]]
                entries.append((expected, lineno, current))
                expected += 1
                break
            glued = re.search(rf"^(.*[^\d\s])\s*{expected}\s+(?=\S*{_CJK.pattern})", line)
            if glued and current is not None:
                current.append(glued[1])
                line = line[len(glued[1]):].lstrip()
                continue
            if current is None:
                header.append(line)
            elif line.strip():
                current.append(line)
            break
    if not entries:
        raise FormatError("no numbered entries found", file=path)
    return header, entries


def _japanese_names(text: str) -> tuple[str, list[str]]:
    """Split "名前(別称、A、B及びC)" into the name and its aliases."""
    m = re.search(r"\((?:別称|通称)[、,:]?(.*)\)\s*$", text)
    aliases: list[str] = []
    if m:
        body = m[1]
        parts = re.split(r"、|及び", body)
        aliases = [p for p in (clean(x) for x in parts) if p]
        text = text[: m.start()]
    m2 = re.search(r"別称[:：](.*)$", text)
    if m2:
        aliases.extend(p for p in (clean(x) for x in re.split(r"、|及び", m2[1])) if p)
        text = text[: m2.start()]
    return clean(text) or "", aliases


def _addresses(text: str) -> list[Address]:
    out = []
    for part in re.split(r";\s*(?:and\s+)?|\s+and\s+(?=\d)", text):
        part = clean(part.strip(" .;"))
        if not part:
            continue
        country_text = part.rsplit(",", 1)[-1].strip(" .")
        country = to_iso2(country_text)
        if country is None:
            # "Moscow, Russia, 143026", "Moscow 127055RU", "Russia 618018", "All ... in Belarus":
            # the country may sit before or glued to a postcode, or end a sentence.
            for piece in reversed(part.split(",")):
                words = re.sub(r"\d+", " ", piece).split()
                for n in range(min(3, len(words)), 0, -1):
                    candidate = " ".join(words[-n:]).strip(" .")
                    if len(candidate) > 2 or piece is part.split(",")[-1]:
                        country = to_iso2(candidate)
                    if country:
                        break
                if country:
                    break
        out.append(Address(full=part, country=country))
    return out


def _parse_entry(number: int, lineno: int, body: list[str], source: str, path: Path) -> ListedEntity:
    jp_lines: list[str] = []
    en_lines: list[str] = []
    alias_lines: list[str] = []
    addr_lines: list[str] = []
    section = "jp"
    split_body: list[str] = []
    for line in body:
        # "...Strela所在地:26 Shevchenko" and "所 在 地 :" (spaced by the PDF extraction).
        parts = re.split(r"(?=所\s*在\s*地\s*[:：])", line)
        split_body.extend(p for p in parts if p.strip())
    for line in split_body:
        stripped = line.strip()
        if re.match(r"所\s*在\s*地", stripped):
            section = "addr"
            addr_lines.append(re.sub(r"^所\s*在\s*地\s*[:：]?\s*", "", stripped))
            continue
        if section == "jp":
            latin_first = re.match(r"^([A-Za-z][^\u3040-\u30ff\u4e00-\u9fff]*?)\s*別称\s*[:：](.*)$", stripped)
            if latin_first:
                # "Eastech Electronics Limited 別称:A; B; C": English name, then mixed aliases.
                en_lines.append(latin_first[1])
                alias_lines.extend(a for a in latin_first[2].split(";") if a.strip())
                section = "en"
                continue
            if _CJK.search(stripped):
                tail = re.search(r"^(.*[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff][^A-Za-z]*?)([A-Za-z][^\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]+)$", stripped)
                if tail and len(tail[2].split()) >= 2 and not tail[1].rstrip().endswith("、"):
                    # "…有限公司))Agu Information Technology Co Limited, a.k.a., …": glued English.
                    jp_lines.append(tail[1])
                    en_lines.append(tail[2])
                    section = "en"
                    continue
                jp_lines.append(stripped)
                continue
            section = "en"
        if section in ("en", "semi") and re.match(r"^別称\s*[:：]", stripped) or section == "semi":
            # "別称:A; B;" lists, possibly wrapped over several lines.
            body_text = re.sub(r"^別称\s*[:：]\s*", "", stripped)
            if section == "semi" and alias_lines and alias_lines[-1]:
                first, *rest = body_text.split(";")
                prev = alias_lines[-1].rstrip()
                if bool(_CJK.search(prev[-1:])) != bool(_CJK.search(first[:1])):
                    alias_lines.append(first.strip())  # script change: a new alias
                else:
                    alias_lines[-1] = prev + (" " if prev[-1:].isascii() and prev[-1:].isalnum() else "") + first.strip()
                body_text = ";".join(rest)
            alias_lines.extend(a.strip() for a in body_text.split(";") if a.strip())
            if body_text.rstrip().endswith(";"):
                alias_lines.append("")
            alias_lines[:] = [a for a in alias_lines[:-1] if a] + alias_lines[-1:]
            section = "semi"
            continue
        if section == "en":
            if _DASH.match(stripped):
                section = "alias"
            else:
                en_lines.append(stripped)
                continue
        if section == "alias":
            if _DASH.match(stripped):
                alias_lines.append(_DASH.sub("", stripped))
            elif alias_lines:
                alias_lines[-1] += " " + stripped
            continue
        if section == "addr":
            addr_lines.append(stripped)

    jp_text = "".join(jp_lines)
    if not en_lines and jp_text:
        # "クロッカス・ナノ・エレクトロニクスCrocus Nano Electronics" or
        # "…リミテッドHong Kong Qisu … Co Ltd(香港旗速電子有限公司、…)": English glued on.
        m = re.search(
            r"^(.*?[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff)])\s*"
            r"([A-Za-z][^\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff(]*?)\s*(\(.*\))?$",
            jp_text,
        )
        if m:
            jp_text, en_lines = m[1], [m[2]]
            if m[3]:
                jp_aliases_extra = [a for a in (clean(x) for x in re.split(r"、|及び", m[3][1:-1])) if a]
                alias_lines.extend(jp_aliases_extra)
    en_text = clean(" ".join(en_lines)) or ""
    en_name = clean(_AKA.sub("", en_text).strip(" ,")) if en_text else None
    jp_name, jp_aliases = _japanese_names(jp_text)
    if not en_name and not jp_name:
        raise FormatError(f"entry {number} has no name", file=path, line=lineno)

    names: list[Name] = []
    if en_name:
        names.append(Name(en_name, NameKind.PRIMARY, "Latn", "en"))
    if jp_name:
        names.append(Name(jp_name, NameKind.NATIVE if en_name else NameKind.PRIMARY, "Jpan", "ja"))
    seen = {n.value.casefold() for n in names}
    for alias in alias_lines:
        alias = clean(re.sub(r"(;\s*and|;|\.|,?\s*and)$", "", alias.strip()).strip())
        if alias and alias.casefold() not in seen:
            seen.add(alias.casefold())
            names.append(Name(alias, NameKind.AKA, "Latn"))
    for alias in jp_aliases:
        if alias.casefold() not in seen:
            seen.add(alias.casefold())
            names.append(Name(alias, NameKind.AKA, "Jpan" if _CJK.search(alias) else "Latn"))

    addresses = _addresses(" ".join(addr_lines)) if addr_lines else []
    countries = tuple(dict.fromkeys(a.country for a in addresses if a.country))
    return ListedEntity(
        id=entity_id(source, number),
        source=source,
        schema=Schema.ORGANIZATION,
        names=tuple(names),
        addresses=tuple(addresses),
        countries=countries,
        programs=(source.upper().replace("_", "-"),),
    )


def parse(paths: list[Path]) -> ParseResult:
    path = paths[0]
    text = unicodedata.normalize("NFKC", decode(open_bytes(path), path))
    lines = text.splitlines()
    header, entries = _split_entries(lines, path)
    header_text = "".join(header)
    source = _source(header_text, path)
    designated = _date(next((h for h in header if "指定日" in h), ""))
    updated = _date(next((h for h in header if "最終更新日" in h), ""))
    notice = clean(re.sub(r"^○\s*", "", "".join(h for h in header if "指定日" not in h and "最終更新日" not in h)))
    entities = []
    for number, lineno, body in entries:
        entity = _parse_entry(number, lineno, body, source, path)
        props = {"notice": (notice,)} if notice else {}
        entities.append(
            ListedEntity(**{**_fields(entity), "listed_on": designated, "properties": props})
        )
    warnings = [f"{path.name}: {sum(1 for e in entities if not e.addresses)} entries without an address"] \
        if any(not e.addresses for e in entities) else []
    return ParseResult(NAME, source, entities, [path], published_at=updated, warnings=warnings)


def _fields(entity: ListedEntity) -> dict:
    return {f: getattr(entity, f) for f in entity.__dataclass_fields__}
