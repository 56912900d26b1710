"""Script-aware name normalisation: any script in, comparable ASCII tokens out.

Why: lists and queries write the same party in different scripts, spellings and legal
forms ("華為技術有限公司", "Huawei Technologies Co., Ltd.", "ХУАВЕЙ"). Before comparing we
fold width, case, accents, invisible characters and look-alike letters; transliterate each
script run with the best tool for it (pinyin for Chinese, kana/kanji readings for Japanese,
ICU for Cyrillic, Greek, Arabic, Hebrew, Hangul); and classify every token (word, number,
initial, generic word, legal form, stop-word, particle) so that compare() can weigh them.
All results are cached: a name is analysed once per process.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import icu
from rapidfuzz.distance import OSA as _OSA
from rapidfuzz.process import extractOne as _extract_one

from sekisho.match import vocab

WORD = "word"
NUMBER = "number"
INITIAL = "initial"
GENERIC = "generic"
LEGAL = "legal"
STOP = "stop"
PARTICLE = "particle"
PLACE = "place"  # a city or province prefixing a company name: a qualifier


@dataclass(frozen=True, slots=True)
class Token:
    """One comparable unit of a name.

    `text` is the comparison form (ASCII lower case; the class for legal forms, the canonical
    stem for generic words); `surface` is what the name said (for explanations); `phon` a
    phonetic form that forgives spelling variants of transliteration.
    """

    text: str
    kind: str
    surface: str
    phon: str


@dataclass(frozen=True, slots=True)
class Analysis:
    """A normalised name: ASCII form, tokens, and the script it was written in."""

    original: str
    latin: str
    tokens: tuple[Token, ...]
    script: str | None


# --------------------------------------------------------------------------- folding

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)
# Cyrillic and Greek letters that look like Latin ones (after case folding).
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ӏ": "l",
        "һ": "h",
        "ԛ": "q",
        "ԝ": "w",
        "ɡ": "g",
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ζ": "z",
        "μ": "m",
    }
)
_LATIN_LETTER = re.compile(r"[a-z]")
_NON_LATIN_LOOKALIKE = re.compile("[авеёкмнорстухіїјѕԁӏһԛԝɡαβεηικνορτυχζμ]")


def fold(text: str) -> str:
    """NFKC, drop invisible characters, case-fold, and repair mixed-script look-alike letters.

    A word mixing Latin letters with Cyrillic/Greek look-alikes ("Gаzprom" with a Cyrillic а)
    is a spoofing or OCR artefact: its look-alikes become Latin.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text).casefold()
    if _NON_LATIN_LOOKALIKE.search(text):
        words = text.split(" ")
        latin_context = any(_LATIN_LETTER.search(w) for w in words)
        out = []
        for w in words:
            if _LATIN_LETTER.search(w) or (latin_context and _all_lookalike(w)):
                w = w.translate(_CONFUSABLES)
            out.append(w)
        text = " ".join(out)
    return text


def _all_lookalike(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and all(_NON_LATIN_LOOKALIKE.fullmatch(c) for c in letters)


# --------------------------------------------------------------------------- transliteration

_TRANS: dict[str, icu.Transliterator] = {}
_SCRIPT_TRANSLITERATOR = {
    "Cyrl": "Russian-Latin/BGN",
    "Grek": "Greek-Latin/UNGEGN",
    "Arab": "Arabic-Latin",
    "Hebr": "Hebrew-Latin",
    "Hang": "Hangul-Latin",
    "Kana": "Katakana-Latin",
    "Hira": "Hiragana-Latin",
}
_ASCII_ID = "Any-Latin; Latin-ASCII"


def _translit(tid: str, text: str) -> str:
    tr = _TRANS.get(tid)
    if tr is None:
        try:
            tr = icu.Transliterator.createInstance(tid)
        except icu.ICUError:
            tr = icu.Transliterator.createInstance("Any-Latin")
        _TRANS[tid] = tr
    return tr.transliterate(text)


_KAKASI = None
_OPENCC = None


def _kakasi():
    global _KAKASI
    if _KAKASI is None:
        import pykakasi

        _KAKASI = pykakasi.kakasi()
    return _KAKASI


def _to_simplified(text: str) -> str:
    global _OPENCC
    if _OPENCC is None:
        import opencc

        _OPENCC = opencc.OpenCC("t2s")
    return _OPENCC.convert(text)


_HAN_CHUNK = re.compile("([\u3400-\u9fff\uf900-\ufaff]+)")


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    # one token per run of Han characters ("华为" → "huawei", as the Latin name is written);
    # separate syllables would let any two names sharing a common syllable look alike
    out = []
    for chunk in _HAN_CHUNK.split(text):
        if _HAN.search(chunk):
            out.append("".join(lazy_pinyin(chunk, errors=lambda chars: list(chars))))
        else:
            out.append(chunk)
    return " ".join(out)


def _script(ch: str) -> str:
    return icu.Script.getShortName(icu.Script.getScript(ch))


def script_runs(text: str) -> list[tuple[str, str]]:
    """Split text into (script, run); Common/Inherited characters join the current run."""
    runs: list[tuple[str, str]] = []
    cur_script, cur = "Zyyy", []
    for ch in text:
        s = _script(ch) if ord(ch) > 0x24F else ("Latn" if ch.isalpha() else "Zyyy")
        if s in ("Zyyy", "Zinh", "Zzzz"):
            cur.append(ch)
            continue
        if s != cur_script and cur_script != "Zyyy":
            runs.append((cur_script, "".join(cur)))
            cur = []
        cur_script = s
        cur.append(ch)
    if cur:
        runs.append((cur_script, "".join(cur)))
    return runs


_CJK_PHRASES = sorted((p for p in vocab.NATIVE_PHRASES if not p.isascii()), key=len, reverse=True)
_PLACE_RE = re.compile("(" + "|".join(vocab.CHINESE_PLACES) + ")[市省]?")
_CJK_RE = re.compile("|".join(re.escape(p) for p in _CJK_PHRASES))
_CYR_RE = re.compile(
    r"(?<!\w)("
    + "|".join(re.escape(p) for p in sorted(vocab.CYRILLIC_PHRASES, key=len, reverse=True))
    + r")(?!\w)"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _placeholder(i: int) -> str:
    return "zzn" + "".join(chr(97 + int(d)) for d in str(i)) + "zz"


_JAPANESE_ONLY = re.compile("株式会社|有限会社|合同会社|[\u3040-\u30ff\u31f0-\u31ff]")
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def _hepburn(text: str) -> str:
    pieces = _kakasi().convert(text)
    out = " ".join(p["hepburn"] for p in pieces if p["hepburn"])
    return out.replace("ou", "o").replace("uu", "u").replace("oo", "o")


def transliterate(
    text: str, japanese: bool | None = None, cyrillic: str = "Russian-Latin/BGN"
) -> tuple[str, dict[str, str]]:
    """Folded text → lower-case ASCII; also returns placeholder → native legal/generic phrase.

    Native company words are replaced by an English word before transliterating (so that
    "有限公司" becomes the class LLC, not "you xian gong si"); the placeholder map keeps the
    native surface for explanations.
    """
    natives: dict[str, str] = {}
    if not _NON_ASCII.search(text):
        return text, natives
    # a middle dot separates the parts of a transcribed foreign name ("凯西·沃登")
    text = text.replace("\u00b7", " ").replace("\u30fb", " ").replace("\uff65", " ")

    def _sub(table: dict[str, str]):
        def repl(m: re.Match[str]) -> str:
            key = _placeholder(len(natives))
            natives[key] = m.group(0)
            return f" {key} "

        return repl

    if _CYR_RE.search(text):
        text = _CYR_RE.sub(_sub(vocab.CYRILLIC_PHRASES), text)
    if japanese is None:
        japanese = bool(_JAPANESE_ONLY.search(text))
    if not japanese and _HAN.search(text):
        text = _to_simplified(text)
    if _CJK_RE.search(text):
        text = _CJK_RE.sub(_sub(vocab.NATIVE_PHRASES), text)
    if _PLACE_RE.search(text):
        text = _PLACE_RE.sub(lambda m: " " + vocab.CHINESE_PLACES[m.group(1)] + " ", text)
    parts: list[str] = []
    for script, run in script_runs(text):
        if script in ("Latn", "Zyyy"):
            parts.append(run)
        elif script == "Hani" and not japanese:
            # each Han chunk becomes a placeholder: its pinyin is the comparison form and the
            # characters stay as its surface (homophones such as 大华/达华 must not be equal)
            def _han(m: re.Match[str]) -> str:
                key = _placeholder(len(natives))
                natives[key] = m.group(0)
                return f" {key} "

            parts.append(" " + _HAN_CHUNK.sub(_han, run) + " ")
        elif script in ("Hani", "Hira", "Kana") and japanese:
            parts.append(" " + _hepburn(run) + " ")
        elif script == "Cyrl":
            parts.append(" " + _translit(cyrillic, run) + " ")
        else:
            parts.append(
                " " + _translit(_SCRIPT_TRANSLITERATOR.get(script, "Any-Latin"), run) + " "
            )
    out = _translit(_ASCII_ID, "".join(parts)).replace("\u00b7", "")
    out = unicodedata.normalize("NFKD", out)
    out = "".join(c for c in out if not unicodedata.combining(c)).lower()
    return out, natives


# --------------------------------------------------------------------------- tokens

_APOSTROPHES = re.compile(r"[’'`´ʻʼʹ‘ʿʾ]")
_ACRONYM = re.compile(r"(?<![a-z0-9])(?:[a-z](?:\.-?|-)){1,}[a-z](?![a-z0-9])\.?")
_SPLIT = re.compile(r"[^a-z0-9]+")
# romanised legal forms ("you xian gong si", "zhu shi hui she") stand for themselves here: the
# leftmost phrase wins, so "zhu shi hui she bei jing" keeps its legal form whole instead of
# reading "she bei" (equipment)
_ROMANISED_LEGAL = [
    " ".join(p)
    for ps in vocab.LEGAL_FORMS.values()
    for p in (q.split() for q in ps)
    if len(p) >= 2 and all(w in vocab.PINYIN_SYLLABLES for w in p)
]
_ROMANISED_PHRASES = {**{p: p for p in _ROMANISED_LEGAL}, **vocab.PINYIN_PHRASES}
_PINYIN_RE = re.compile(
    r"(?<![a-z])("
    + "|".join(re.escape(p) for p in sorted(_ROMANISED_PHRASES, key=len, reverse=True))
    + r")(?![a-z])"
)
# ICU writes Han characters as spaced syllables but glues the kana or Latin that follows them
# ("株式会社インテグラル" → "zhu shi hui sheinteguraru"): a legal form of three or more
# syllables is a word of its own
_GLUED_LEGAL_RE = re.compile(
    r"(?<![a-z])("
    + "|".join(re.escape(p) for p in sorted(_ROMANISED_LEGAL, key=len, reverse=True)
               if p.count(" ") >= 2)
    + r")(?=[a-z])"
)
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "9": "g",
        "8": "b",
        "@": "a",
        "$": "s",
    }
)
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")
_LEGAL_PHRASES: dict[tuple[str, ...], str] = {
    tuple(p.split()): cls for cls, ps in vocab.LEGAL_FORMS.items() for p in ps
}
# the trade abbreviations of a legal form's last word ("Public Joint Stock Co")
_SHORT_LAST = {"company": "co", "corporation": "corp", "limited": "ltd", "incorporated": "inc"}
for _k, _cls in list(_LEGAL_PHRASES.items()):
    if len(_k) > 1 and _k[-1] in _SHORT_LAST:
        _LEGAL_PHRASES.setdefault(_k[:-1] + (_SHORT_LAST[_k[-1]],), _cls)
_LEGAL_MAXLEN = max(len(k) for k in _LEGAL_PHRASES)
_LEGAL_FIRST = frozenset(k[0] for k in _LEGAL_PHRASES)
_LEGAL_WORDS = frozenset(w for k in _LEGAL_PHRASES for w in k)
_VOWELS = set("aeiou")


_PHON_PAIRS = (
    ("sch", "s"),
    ("sh", "s"),
    ("tch", "ch"),
    ("ph", "f"),
    ("kh", "h"),
    ("gh", "g"),
    ("ck", "k"),
    ("dh", "d"),
    ("th", "t"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ie", "i"),
    ("ey", "i"),
    ("ei", "i"),
    ("ai", "i"),
    ("ay", "i"),
)
_PHON_PRE = str.maketrans({"v": "w", "j": "i", "y": "i"})
# x is "ks" (Cyrillic and Greek spell it so: "Кокс" / "Cox"); w is the "u" a language without
# a w writes ("Уу" / "Wu", "Уеапонс" / "Weapons")
_PHON_TABLE = str.maketrans({"q": "k", "c": "k", "x": "ks", "z": "s", "w": "u"})
_DOUBLES = re.compile(r"(.)\1+")


@lru_cache(maxsize=262_144)
def phonetic(word: str) -> str:
    """A forgiving spelling: folds the usual transliteration variants (v/w, ph/f, kh/h,
    c/k/q, z/s, j/y/i, ou/u, doubled letters) so "Huavej" and "Huawei" meet."""
    if not word.isalpha():
        return word
    w = "s" + word[1:] if word[0] == "x" else word  # Xi, Xiao (pinyin), Xavier: an s-sound
    w = w.translate(_PHON_PRE)
    for a, b in _PHON_PAIRS:
        if a in w:
            w = w.replace(a, b)
    w = w.translate(_PHON_TABLE)
    return _DOUBLES.sub(r"\1", w)


def skeleton(word: str) -> str:
    """Consonant skeleton (first letter kept): matches vowel-less romanisations of Arabic
    and Hebrew ("mhmd") with vowelled ones ("mohammed")."""
    p = phonetic(word)
    return p[0] + "".join(c for c in p[1:] if c not in _VOWELS and c not in "hw")


def _raw_tokens(latin: str) -> list[str]:
    latin = _APOSTROPHES.sub("", latin).replace("&", " and ").replace("%", " percent ")
    latin = _GLUED_LEGAL_RE.sub(r"\1 ", latin)
    if _PINYIN_RE.search(latin):  # romanised Chinese company words ("ji tuan" = group)
        latin = _PINYIN_RE.sub(lambda m: " " + _ROMANISED_PHRASES[m.group(1)] + " ", latin)
    latin = _ACRONYM.sub(lambda m: " " + re.sub(r"[^a-z]", "", m.group(0)) + " ", latin)
    if "-" in latin:  # "Yong-chol", "Coca-Cola": one name written in parts
        latin = _HYPHENATED.sub(_join_hyphenated, latin)
    return [t for t in _SPLIT.split(latin) if t]


_HYPHENATED = re.compile(r"(?<![a-z0-9-])[a-z]{2,}(?:-[a-z]{2,})+(?![a-z0-9-])")


def _join_hyphenated(m: re.Match[str]) -> str:
    parts = m.group(0).split("-")
    if not m.string[: m.start()].strip():  # the first word: "AB-Bilal", "Joint-Stock Co"
        return m.group(0)
    if any(p in vocab.ABBREVIATIONS or p in _LEGAL_WORDS for p in parts):
        return m.group(0)
    if any(
        p in vocab.PARTICLES
        or p in vocab.STOPWORDS
        or p in vocab.GENERIC
        or len(p) > 5
        or p in vocab.NUMBER_WORDS
        or p in vocab.TENS
        for p in parts
    ):  # syllables ("yong-chol"), not names ("jean-claude")
        return m.group(0)
    return "".join(parts)


def _numbers(words: list[str]) -> list[str]:
    """Number words and ordinals → digits; "forty four" / "forty-four" / "forty 4" → "44"."""
    out: list[str] = []
    for w in words:
        m = _ORDINAL.match(w)
        if m:
            w = m.group(1) + "o"  # ordinal: "1st" = "first", but not "one"
        elif w in vocab.ORDINAL_WORDS:
            w = vocab.ORDINAL_WORDS[w] + "o"
        elif w in vocab.NUMBER_WORDS:
            w = vocab.NUMBER_WORDS[w]
        elif w in vocab.TENS:
            w = str(vocab.TENS[w])
        if (
            w.isdigit()
            and len(w) == 1
            and out
            and out[-1].isdigit()
            and len(out[-1]) == 2
            and out[-1].endswith("0")
            and out[-1] != "10"
        ):
            out[-1] = out[-1][0] + w
            continue
        out.append(w)
    return out


def _deleet(w: str) -> str:
    if w.isalpha() or w.isdigit():
        return w
    letters = sum(c.isalpha() for c in w)
    if letters >= 2 and letters * 3 >= len(w) * 2 and w[0].isalpha():
        return w.translate(_LEET)
    return w


_ROMAN = {
    r: str(i)
    for i, r in enumerate(
        [
            "-",
            "-",
            "ii",
            "iii",
            "iv",
            "-",
            "vi",
            "vii",
            "viii",
            "ix",
            "-",
            "-",
            "xii",
            "xiii",
            "xiv",
            "xv",
            "xvi",
            "xvii",
            "xviii",
            "xix",
            "xx",
        ]
    )
    if r != "-"
}


_GENERIC_LONG = [w for w in vocab.GENERIC if len(w) >= 6 and " " not in w]
_PLACES_LONG = sorted(w for w in vocab.PLACE_WORDS if len(w) >= 7)


@lru_cache(maxsize=262_144)
def _classify(word: str, first: bool = False) -> tuple[str, str]:
    if not first and word in _ROMAN:
        return NUMBER, _ROMAN[word]
    if word.isdigit():
        return NUMBER, word.lstrip("0") or "0"
    if word[-1] == "o" and word[:-1].isdigit():  # ordinal marker from _numbers
        return NUMBER, word
    if len(word) == 1:
        return INITIAL, word
    if word in vocab.PLACE_WORDS:
        return PLACE, word
    if word in vocab.STOPWORDS:
        return STOP, word
    if word in vocab.PARTICLES:
        return PARTICLE, word
    if word in vocab.GENERIC:
        return GENERIC, vocab.GENERIC[word]
    if len(word) == 1:
        return INITIAL, word
    if first and len(word) >= 7 and word.isalpha():  # "Senzhen Biguang Trading Co."
        budget = 1 if len(word) < 9 else 2
        hit = _extract_one(word, _PLACES_LONG, scorer=_OSA.distance, score_cutoff=budget)
        if hit is not None:
            return PLACE, hit[0]
    if len(word) >= 7:  # a misspelt generic word is still generic ("Technolgies")
        budget = 1 if len(word) < 10 else 2
        hit = _extract_one(word, _GENERIC_LONG, scorer=_OSA.distance, score_cutoff=budget)
        if hit is not None:
            return GENERIC, vocab.GENERIC[hit[0]]
    return WORD, word


@lru_cache(maxsize=262_144)
def analyze(name: str) -> Analysis:
    """Normalise one name into classified tokens (cached)."""
    return _analyze(name, None)


@lru_cache(maxsize=65_536)
def variants(name: str) -> tuple[Analysis, ...]:
    """Every plausible reading of a name: Han-only text may be Chinese or Japanese
    ("東芝" is Dong Zhi in pinyin, Toshiba in Japanese), so both readings are returned.
    A Japanese name with kanji also gets its Mandarin reading: Chinese lists write Japanese
    companies in characters, and romanisers such as ICU read every kanji as Mandarin
    ("三菱造船株式会社" → "san ling zao chuan zhu shi hui she")."""
    first = analyze(name)
    if first.script == "Hani" and not _JAPANESE_ONLY.search(name) and _japanese_reading_ok(name):
        return (first, _analyze(name, True))
    if _HAN.search(name) and _JAPANESE_ONLY.search(name):
        mandarin = _analyze(name, False)
        if mandarin.latin != first.latin:
            return (first, mandarin)
    if first.script == "Cyrl":
        # Cyrillic is romanised in several schemes: BGN/PCGN ("Khuavey") and ISO 9-like
        # ("Huavej", also what letter-by-letter Latin→Cyrillic spellings turn back into)
        iso = _analyze(name, None, "Cyrillic-Latin")
        if iso.latin != first.latin:
            return (first, iso)
    return (first,)


_CHINESE_ONLY = re.compile(
    "科技|集团|集團|公司|股份|有限|"
    + "|".join(k for k in vocab.CHINESE_PLACES if k not in ("中国", "大连"))
)


def _japanese_reading_ok(name: str) -> bool:
    """A Japanese reading only when every Han character has one (Simplified-only characters
    such as 华 have none: a partial reading would match anything)."""
    if _CHINESE_ONLY.search(name):
        return False  # a Chinese company word or a Chinese city: not a Japanese name
    han = "".join(_HAN.findall(name))
    pieces = _kakasi().convert(han)
    read = sum(len(p["orig"]) for p in pieces if p["hepburn"] and p["hepburn"].isascii())
    return read == len(han)


def _analyze(name: str, japanese: bool | None, cyrillic: str = "Russian-Latin/BGN") -> Analysis:
    from sekisho.lists.formats.common import script_of

    folded = fold(_unglue(name))
    script = script_of(folded) if _NON_ASCII.search(folded) else ("Latn" if folded else None)
    latin, natives = transliterate(folded, japanese, cyrillic)
    words = [_deleet(w) for w in _raw_tokens(latin)]
    if not natives and _syllabic(words):
        split = _split_glued_syllables(words)
        if split != words:  # "yan jiu suo" may now be whole: romanised phrases again
            joined = _PINYIN_RE.sub(lambda m: " " + _ROMANISED_PHRASES[m.group(1)] + " ",
                                    " ".join(split))
            words = joined.split()
    words = _numbers(words)
    # expand placeholders of native phrases and trade abbreviations
    expanded: list[tuple[str, str]] = []  # (word, surface)
    for w in words:
        if w in natives:
            native = natives[w]
            if native not in vocab.NATIVE_PHRASES and _HAN.search(native):
                expanded.append((_pinyin(native).strip(), native))
                continue
            repl = vocab.CYRILLIC_PHRASES.get(native) or vocab.NATIVE_PHRASES.get(native) or ""
            for part in repl.split():
                expanded.append((part, native))
            continue
        full = vocab.ABBREVIATIONS.get(w)
        if full and len(words) > 1:
            for part in full.split():
                expanded.append((part, w))
        else:
            expanded.append((w, w))
    syllabic = _syllabic([w for w, _ in expanded])
    tokens = _legal_forms(_complete_truncated(expanded), syllabic)
    places = _bracketed_places(folded) if "(" in folded else ()
    if places:
        # "Deutsche Bank (Schweiz) AG": a country or city in brackets qualifies the name
        tokens = [
            Token(t.text, PLACE, t.surface, t.text) if t.kind == WORD and t.surface in places else t
            for t in tokens
        ]
    return Analysis(name, " ".join(t.text for t in tokens), tuple(tokens), script)


_BRACKETED = re.compile(r"\(([^()]{2,40})\)")


def _bracketed_places(folded: str) -> frozenset[str]:
    """Words of bracketed country or city names in a (folded) name."""
    from sekisho.countries import to_iso2

    out: set[str] = set()
    for m in _BRACKETED.finditer(folded):
        inner = m.group(1).strip()
        if inner.isascii() and (to_iso2(inner) or inner in vocab.PLACE_WORDS):
            out.update(inner.split())
    return frozenset(out)


_GLUE_LOWER_UPPER = re.compile(r"(?<=[a-z])(?=[A-Z]{2,}(?![a-z]))")
_GLUE_UPPER_LOWER = re.compile(r"(?<=[A-Z]{2})(?=[a-z]{2,})")
_GLUE_DIGIT_LOWER = re.compile(r"([A-Za-z][0-9]+)(?=[a-z]{2,})")
_WORDS = re.compile(r"[A-Za-z]+")


def _unglue(name: str) -> str:
    """Split Latin letters glued to romanised syllables ("xiao songNTC", "L3ha li si",
    "DEXPintanashonaru you xian hui she"): romanisers write a Latin run inside a Chinese or
    Japanese name without a space. Only in romanised text (two or more pinyin syllables
    written apart), where a case change inside a word is a boundary; elsewhere "GosNIIMash"
    and "Nitr0jen" stay whole."""
    if not (_GLUE_LOWER_UPPER.search(name) or _GLUE_UPPER_LOWER.search(name)
            or _GLUE_DIGIT_LOWER.search(name)):
        return name
    syllables = sum(
        1 for w in _WORDS.findall(name) if len(w) >= 2 and w.lower() in vocab.PINYIN_SYLLABLES
    )
    if syllables < 2:
        return name
    name = _GLUE_LOWER_UPPER.sub(" ", name)
    name = _GLUE_UPPER_LOWER.sub(" ", name)
    return _GLUE_DIGIT_LOWER.sub(r"\1 ", name)


_GLUED_NUMBER = re.compile(r"^([a-z]+)([0-9]+)$")


def _split_glued_syllables(words: list[str]) -> list[str]:
    """ICU romanises a Han run syllable by syllable but glues its last syllable to the kana or
    digits that follow ("yan jiu suoshigunaru" for 研究所シグナル, "di360" for 第360): in a
    romanised name, a word after a syllable that starts with a syllable and goes on with
    something else is split after the longest such syllable."""
    out: list[str] = []
    for w in words:
        prev = out[-1] if out else ""
        if prev in vocab.PINYIN_SYLLABLES and len(prev) >= 2 and w not in vocab.PINYIN_SYLLABLES:
            m = _GLUED_NUMBER.match(w)
            if m and m.group(1) in vocab.PINYIN_SYLLABLES:
                out.extend(m.groups())
                continue
            if (
                len(w) >= 4
                and w.isalpha()
                and not _ends_legal_phrase(out)  # "zhu shi hui she mirano": split already
                and w not in vocab.GENERIC
                and w not in _LEGAL_WORDS
            ):
                for n in range(min(6, len(w) - 2), 1, -1):
                    if w[:n] in vocab.PINYIN_SYLLABLES:
                        rest = w[n:]
                        out.append(w[:n])
                        out.extend(_ROMANISED_PHRASES.get(rest, rest).split())
                        break
                else:
                    out.append(w)
                continue
        out.append(w)
    return out


def _ends_legal_phrase(words: list[str]) -> bool:
    return any(tuple(words[-k:]) in _LEGAL_PHRASES for k in range(2, min(7, len(words) + 1)))


def _syllabic(words: list[str]) -> bool:
    """True for a name romanised from Chinese syllable by syllable ("an du li er gong si"):
    at least two pinyin syllables that are not also stop-words, and more of them than other
    words (legal forms, generic words, numbers and letters aside). In such a name "an",
    "de", "du", "xian" or "ao" are syllables, not the English or French stop-word, the city
    Xi'an or the Russian legal form АО."""
    syllables = other = 0
    for w in words:
        if len(w) < 2 or w.isdigit() or (w,) in _LEGAL_PHRASES or w in vocab.GENERIC:
            continue  # "YE-International AO" is one syllable and a legal form
        if w in vocab.STOPWORDS or w in vocab.PARTICLES:
            continue  # "De La Rosa" is not Chinese: only unambiguous syllables count
        if w in vocab.PINYIN_SYLLABLES:
            syllables += 1
        elif w not in vocab.PLACE_WORDS and w not in _LEGAL_WORDS:
            other += 1
    return syllables >= 2 and syllables > other


def _complete_truncated(words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Fixed-width fields cut the last word ("JOINT STOCK COMPAN"): a last word that is the
    start of a legal-form word is completed."""
    if len(words) < 2:
        return words
    w, surface = words[-1]
    if len(w) < 4 or (w,) in _LEGAL_PHRASES or w in vocab.GENERIC:
        return words
    full = _LEGAL_PREFIXES.get(w)
    return words[:-1] + [(full, surface)] if full else words


def _legal_forms(words: list[tuple[str, str]], syllabic: bool = False) -> list[Token]:
    """Find legal-form phrases (longest first). Short, ambiguous forms ("sa", "ag", "as",
    "co", "pt") count only at the start or end of the name; longer ones anywhere. In a
    romanised Chinese name (`syllabic`) a short form that is a pinyin syllable ("ao") and a
    stop-word, particle or place that is one ("de", "an", "xian") are words of the name."""
    out: list[Token] = []
    n = len(words)
    # a misspelt legal-form word ("Limied", "Joint Stok Company") is read as that word, but
    # only where it then completes a legal-form phrase
    fixed = [_legal_spelling(w) if n > 1 else None for w, _ in words]
    i = 0
    while i < n:
        hit = None
        for spelling in (0, 1) if any(fixed[i : i + _LEGAL_MAXLEN]) else (0,):
            look = [w if not spelling else (fixed[k] or w) for k, (w, _) in enumerate(words)]
            if look[i] not in _LEGAL_FIRST:
                continue
            for size in range(min(_LEGAL_MAXLEN, n - i), 0, -1):
                phrase = tuple(look[i : i + size])
                cls = _LEGAL_PHRASES.get(phrase)
                if cls is None:
                    continue
                at_edge = i == 0 or i + size == n or _edge_chain(words, i + size)
                short = len("".join(phrase)) < 4
                if short and syllabic and all(w in vocab.PINYIN_SYLLABLES for w in phrase):
                    continue
                if (not short and not (spelling and size == 1)) or at_edge:
                    hit = (size, cls)
                    break
            if hit:
                break
        if hit and n > hit[0]:
            size, cls = hit
            surface = _surface(words[i : i + size])
            out.append(Token(cls, LEGAL, surface, cls))
            i += size
            continue
        w, surface = words[i]
        fuzzy_legal = _fuzzy_legal(w) if len(w) >= 8 and (i == n - 1 or i == 0) else None
        if fuzzy_legal and n > 1:  # a misspelt legal form at the edge ("Coproration")
            out.append(Token(fuzzy_legal, LEGAL, surface, fuzzy_legal))
            i += 1
            continue
        kind, text = _classify(w, i == 0)
        if kind in (PARTICLE, STOP, INITIAL) and _HAN.search(surface):
            kind = WORD  # the pinyin of a Chinese name is a name ("彬" is "bin", not "son of")
        if syllabic and kind in (STOP, PARTICLE, PLACE) and w in vocab.PINYIN_SYLLABLES:
            kind, text = WORD, w
        out.append(Token(text, kind, surface, phonetic(text) if kind == WORD else text))
        i += 1
    return out


_LEGAL_LONG_WORDS = [p[0] for p in _LEGAL_PHRASES if len(p) == 1 and len(p[0]) >= 7]
_LEGAL_SPELLABLE = sorted(w for w in _LEGAL_WORDS if len(w) >= 5 and w.isalpha())


@lru_cache(maxsize=131_072)
def _legal_spelling(word: str) -> str | None:
    """The legal-form word a one-slip misspelling stands for ("limied" → "limited")."""
    if len(word) < 4 or word in _LEGAL_WORDS or word in vocab.GENERIC or not word.isalpha():
        return None
    budget = 1 if len(word) < 9 else 2
    hit = _extract_one(word, _LEGAL_SPELLABLE, scorer=_OSA.distance, score_cutoff=budget)
    return hit[0] if hit else None
_LEGAL_PREFIXES: dict[str, str] = {}
for _phrase in sorted(_LEGAL_PHRASES, key=lambda p: len(p[-1]), reverse=True):
    _last = _phrase[-1]
    for _k in range(4, len(_last)):
        _LEGAL_PREFIXES[_last[:_k]] = _last


@lru_cache(maxsize=65_536)
def _fuzzy_legal(word: str) -> str | None:
    if word in vocab.GENERIC or (word,) in _LEGAL_PHRASES:
        return None
    budget = 1 if len(word) < 10 else 2
    hit = _extract_one(word, _LEGAL_LONG_WORDS, scorer=_OSA.distance, score_cutoff=budget)
    return _LEGAL_PHRASES[(hit[0],)] if hit else None


def _edge_chain(words: list[tuple[str, str]], start: int) -> bool:
    """True when everything from `start` to the end is itself legal-form words ("Co. Ltd.")."""
    rest = tuple(w for w, _ in words[start:])
    if not rest:
        return True
    for size in range(len(rest), 0, -1):
        if rest[:size] in _LEGAL_PHRASES:
            return _edge_chain(words, start + size)
    return False


def _surface(words: list[tuple[str, str]]) -> str:
    seen: list[str] = []
    for _, s in words:
        if not seen or seen[-1] != s:
            seen.append(s)
    return " ".join(seen)


def informative(tokens: tuple[Token, ...]) -> list[Token]:
    """Tokens that can carry a match (words, numbers, initials, particles)."""
    return [t for t in tokens if t.kind in (WORD, NUMBER, INITIAL, PARTICLE)]
