"""Country names in any language → ISO 3166-1 alpha-2 codes.

Publishers write countries as English names ("Iran", "Korea, North"), Japanese ("中国"),
Korean ("중국"), or codes. ICU carries the official names in every locale, so we build the
lookup from ICU rather than shipping a table, and add the common informal names by hand.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import icu

# Locales whose country names we accept.
_LOCALES = ("en", "ja", "zh", "zh_Hant", "ko", "ru", "fr", "de", "es", "ar")

# Informal and historical names the publishers use that ICU does not give.
_EXTRA: dict[str, str] = {
    "russia": "RU",
    "russian federation": "RU",
    "iran": "IR",
    "iran islamic republic of": "IR",
    "north korea": "KP",
    "korea north": "KP",
    "korea democratic peoples republic of": "KP",
    "democratic peoples republic of korea": "KP",
    "dprk": "KP",
    "south korea": "KR",
    "korea south": "KR",
    "korea republic of": "KR",
    "republic of korea": "KR",
    "syria": "SY",
    "syrian arab republic": "SY",
    "burma": "MM",
    "peoples republic of china": "CN",
    "prc": "CN",
    "china peoples republic of": "CN",
    "taiwan": "TW",
    "republic of china": "TW",
    "chinese taipei": "TW",
    "hong kong": "HK",
    "hong kong sar": "HK",
    "hong kong sar china": "HK",
    "macau": "MO",
    "macao": "MO",
    "macau sar china": "MO",
    "uae": "AE",
    "u a e": "AE",
    "united arab emirates": "AE",
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "usa": "US",
    "u s a": "US",
    "united states": "US",
    "united states of america": "US",
    "us": "US",
    "vietnam": "VN",
    "viet nam": "VN",
    "laos": "LA",
    "lao peoples democratic republic": "LA",
    "moldova": "MD",
    "moldova republic of": "MD",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "turkey": "TR",
    "turkiye": "TR",
    "czech republic": "CZ",
    "ivory coast": "CI",
    "cote divoire": "CI",
    "congo democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo republic of the": "CG",
    "palestinian": "PS",
    "palestine": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "region: gaza": "PS",
    "region: west bank": "PS",
    "kosovo": "XK",
    "crimea": "UA",
    "region: crimea": "UA",
    "macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "eswatini": "SZ",
    "swaziland": "SZ",
    "micronesia": "FM",
    "brunei": "BN",
    "cape verde": "CV",
    "holy see": "VA",
    "vatican": "VA",
    "libyan arab jamahiriya": "LY",
    "sudan south": "SS",
    "st kitts and nevis": "KN",
    "st lucia": "LC",
    "st vincent and the grenadines": "VC",
    "netherlands antilles": "AN",
    "serbia and montenegro": "RS",
    "yugoslavia": "RS",
    "ussr": "SU",
    "中華人民共和国": "CN",
    "北朝鮮": "KP",
    "朝鮮民主主義人民共和国": "KP",
    "朝鲜": "KP",
    "イラン": "IR",
    "香港": "HK",
    "アラブ首長国連邦": "AE",
    "ロシア": "RU",
    "台湾": "TW",
    "台灣": "TW",
    "中華民國": "TW",
    "澳门": "MO",
    "澳門": "MO",
    "マカオ": "MO",
    "한국": "KR",
    "남한": "KR",
    "북한": "KP",
    "호주": "AU",
    "남아프리카공화국": "ZA",
}


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"['’]", "", text).replace("&", " and ")  # "People's", "Bosnia & Herzegovina"
    text = re.sub(r"[.,'’()\-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in icu.Locale.getISOCountries():
        code = str(code)
        region = icu.Locale("", code)
        table[_key(code)] = code
        for loc in _LOCALES:
            display = region.getDisplayCountry(icu.Locale(loc))
            if display and display != code:
                table.setdefault(_key(display), code)
                # "Hong Kong SAR China" style: also accept without the qualifier.
                table.setdefault(_key(re.sub(r"\s*\(.*\)$", "", display)), code)
    for name, code in _EXTRA.items():
        table[_key(name)] = code
    return table


@lru_cache(maxsize=8192)
def to_iso2(name: str | None) -> str | None:
    """ISO alpha-2 code for a country name or code in any supported language; None if unknown.

    Also takes the forms list publishers use: "Korea, North", "Virgin Islands, British",
    "(since 2009)" notes, "Saint"/"St.", and nationality adjectives ("Iraqi").
    """
    if not name:
        return None
    return _lookup(name) or _variant_iso2(name)


def _lookup(name: str) -> str | None:
    key = _key(name)
    if not key:
        return None
    table = _table()
    if key in table:
        return table[key]
    # "Japanese\nEnglish" cells (METI): try each line.
    for part in re.split(r"[\n/]", name):
        k = _key(part)
        if k in table:
            return table[k]
    # Formal names ("Islamic Republic of Iran", "State of Israel"): try without the form.
    m = _FORMAL.fullmatch(key)
    if m and m[1] in table:
        return table[m[1]]
    return None


_FORMAL = re.compile(
    r"(?:the )?(?:(?:islamic|arab|federal|socialist|united|hashemite|plurinational|bolivarian) )*"
    r"(?:republic|state|kingdom|federation|sultanate|emirate|principality|commonwealth) of (?:the )?(.+)"
)


# Nationality adjectives the UK and OFAC lists use where ICU only knows country names.
_DEMONYMS = {
    "afghan": "AF", "algerian": "DZ", "american": "US", "bahraini": "BH", "belarusian": "BY",
    "british": "GB", "burmese": "MM", "chinese": "CN", "congolese": "CD", "cuban": "CU",
    "egyptian": "EG", "emirati": "AE", "eritrean": "ER", "ethiopian": "ET", "french": "FR",
    "german": "DE", "indian": "IN", "indonesian": "ID", "iranian": "IR", "iraqi": "IQ",
    "italian": "IT", "jordanian": "JO", "kenyan": "KE", "kuwaiti": "KW", "lebanese": "LB",
    "libyan": "LY", "malaysian": "MY", "malian": "ML", "mauritanian": "MR", "mexican": "MX",
    "moroccan": "MA", "nigerian": "NG", "north korean": "KP", "omani": "OM",
    "pakistani": "PK", "philippine": "PH", "filipino": "PH", "qatari": "QA", "russian": "RU",
    "saudi": "SA", "saudi arabian": "SA", "somali": "SO", "south sudanese": "SS",
    "sudanese": "SD", "syrian": "SY", "tunisian": "TN", "turkish": "TR", "ukrainian": "UA",
    "venezuelan": "VE", "yemeni": "YE", "zimbabwean": "ZW",
}  # fmt: skip


def _variant_iso2(text: str) -> str | None:
    """ISO2 for a country name as these lists write it, or None.

    Tries `to_iso2` on the text, then on variants the publishers use and ICU lacks:
    "(since 2009)" notes, "Virgin Islands, British" / "Bahamas, The" inversions, "and" for
    "&", "Saint" for "St.", and nationality adjectives ("Iraqi").
    """
    if not text:
        return None
    base = re.sub(r"\s*\([^)]*\)", "", text).strip(" .,") or text
    variants = [text, base]
    if "," in base:
        head, _, tail = base.partition(",")
        variants += [f"{tail.strip()} {head.strip()}", head.strip()]
    more = []
    for v in variants:
        more.append(re.sub(r"\band\b", "&", v))
        more.append(re.sub(r"\bSaint\b", "St.", v))
        more.append(re.sub(r"^the\s+", "", v, flags=re.I))
        more.append(v.replace(" d ", " d'"))
    for v in [*variants, *more]:
        code = _lookup(v)
        if code:
            return code
    return _DEMONYMS.get(" ".join(base.lower().split()))

def is_iso2(code: str) -> bool:
    """True for an upper-case alpha-2 code ICU knows."""
    return len(code) == 2 and code.isupper() and _key(code) in _table()
