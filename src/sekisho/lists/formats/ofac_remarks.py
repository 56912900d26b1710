"""What US Treasury and trade.gov pack into free text: OFAC Remarks and CSL `ids` labels.

OFAC's legacy CSV has no columns for dates of birth, passports, aliases or links: they sit in
the Remarks field as `; `-separated phrases ("DOB 19 Jun 1951", "Passport 1084010 (Egypt)",
"a.k.a. 'BNC'", "Linked To: HIZBALLAH"). The CSL `ids` column uses the same labels. This
module turns those phrases into structured facts, shared by the ofac_csv and us_csl parsers so
that both lists name identifier types the same way. Phrases we do not recognise stay in the
entity's raw `remarks` (which the parsers always keep), so nothing is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from sekisho.countries import to_iso2
from sekisho.lists.formats.common import clean, iso_date
from sekisho.model import Identifier, NameKind

# Publisher label (lower case, without trailing ":" / "#" / ".") → identifier type slug.
# Labels not listed here but ending in "No."/"Number"/"ID"... still become identifiers, typed
# with a slug of the label itself.
ID_TYPES: dict[str, str] = {
    "passport": "passport",
    "passport booklet": "passport",
    "diplomatic passport": "passport",
    "travel document number": "passport",
    "national id no": "national_id",
    "national id": "national_id",
    "national foreign id number": "national_id",
    "cedula no": "national_id",
    "cedula": "national_id",
    "d.n.i": "national_id",
    "dni": "national_id",
    "identification number": "national_id",
    "personal id card": "national_id",
    "citizen's card number": "national_id",
    "numero de identidad": "national_id",
    "turkish identification number": "national_id",
    "kenyan id no": "national_id",
    "tazkira national id card": "national_id",
    "c.u.r.p": "national_id",
    "curp": "national_id",
    "c.u.i.p": "national_id",
    "c.u.i": "national_id",
    "credencial electoral": "national_id",
    "electoral registry no": "national_id",
    "i.f.e": "national_id",
    "residency number": "national_id",
    "public security and immigration no": "national_id",
    "le number": "national_id",
    "ssn": "national_id",
    "birth certificate number": "national_id",
    "cartilla de servicio militar nacional": "national_id",
    "visanumberid": "national_id",
    "immigration no": "national_id",
    "driver's license no": "drivers_license",
    "pilot license number": "licence",
    "tax id no": "tax_id",
    "tax id": "tax_id",
    "r.f.c": "tax_id",
    "rfc": "tax_id",
    "nit": "tax_id",
    "ruc": "tax_id",
    "rif": "tax_id",
    "rtn": "tax_id",
    "c.u.i.t": "tax_id",
    "c.i.f": "tax_id",
    "v.a.t. number": "tax_id",
    "vat number": "tax_id",
    "us fein": "tax_id",
    "italian fiscal code": "tax_id",
    "numero unico de identificacao tributaria (nuit)": "tax_id",
    "inn": "tax_id",
    "unified social credit code (uscc)": "uscc",
    "united social credit code certificate (usccc)": "uscc",
    "registration id": "registration",
    "registration number": "registration",
    "company number": "registration",
    "uk company number": "registration",
    "business number": "registration",
    "business registration number": "registration",
    "business registration document": "registration",
    "commercial registry number": "registration",
    "folio mercantil no": "registration",
    "matricula mercantil no": "registration",
    "chamber of commerce number": "registration",
    "dubai chamber of commerce membership no": "registration",
    "certificate of incorporation number": "registration",
    "enterprise number": "registration",
    "government gazette number": "registration",
    "c.r. no": "registration",
    "trade license no": "registration",
    "registered charity no": "registration",
    "public registration number": "registration",
    "branch unit number": "registration",
    "file number": "registration",
    "license": "licence",
    "afghan money service provider license number": "licence",
    "sre permit no": "licence",
    "legal entity number": "lei",
    "d-u-n-s number": "duns",
    "swift/bic": "swift_bic",
    "bik (ru)": "bik",
    "isin": "isin",
    "equity ticker": "equity_ticker",
    "vessel registration identification": "imo",
    "vessel registration identification imo": "imo",
    "identification number imo": "imo",
    "company number imo": "imo",
    "imo": "imo",
    "mmsi": "mmsi",
    "aircraft construction number (also called l/n or s/n or f/n)": "aircraft_construction_number",
    "aircraft manufacturer's serial number (msn)": "aircraft_msn",
    "aircraft serial identification": "aircraft_msn",
    "aircraft tail number": "aircraft_tail_number",
    "previous aircraft tail number": "aircraft_tail_number",
    "aircraft mode s transponder code": "aircraft_mode_s",
    "chinese commercial code": "chinese_commercial_code",
    "website": "website",
    "email address": "email",
    "email": "email",
    "phone number": "phone",
    "phone no": "phone",
    "phone": "phone",
    "telephone": "phone",
    "telephone no": "phone",
    "fax": "fax",
    "fax no": "fax",
    "digital currency address": "crypto_wallet",
    "un/locode": "un_locode",
}

# Labels whose value is not an identifier but a fact worth keeping as a property.
PROPERTY_LABELS: dict[str, str] = {
    "gender": "gender",
    "title": "title",
    "target type": "target_type",
    "issuer name": "issuer_name",
    "organization type": "organization_type",
    "organization established date": "organization_established",
    "aircraft model": "aircraft_model",
    "aircraft manufacture date": "aircraft_manufacture_date",
    "aircraft operator": "aircraft_operator",
    "nationality of registration": "registration_country",
    "other vessel flag": "flag",
    "former vessel flag": "former_flag",
    "other vessel type": "vessel_type",
    "vessel flag": "flag",
    "other vessel call sign": "call_sign",
    "vessel type": "vessel_type",
    "vessel year of build": "year_built",
    "effective date (cmic)": "cmic_effective_date",
    "purchase/sales for divestment date (cmic)": "cmic_divestment_date",
    "listing date (cmic)": "cmic_listing_date",
    "additional sanctions information -": "sanctions_info",
    "secondary sanctions risk:": "sanctions_info",
    "transactions prohibited for persons owned or controlled by u.s. financial institutions:": (
        "sanctions_info"
    ),
    "place of birth": "place_of_birth",
}

_GENERIC_ID_LABEL = re.compile(
    r"^[A-Za-z][A-Za-z .'/()\-]*(?:\bno|number|\bid|#|code|card|certificate|passport)\.?$", re.I
)
_LABEL_KEY = re.compile(r"[\s:#.\-]+$")
_LABELS = sorted(ID_TYPES, key=len, reverse=True)
_LABEL_RE = re.compile(
    r"^(?P<alt>alt\.\s+)?(?P<label>"
    + "|".join(re.escape(k) for k in _LABELS)
    + r")(?![a-z0-9])\.?\s*(?:no\.?\s*|number\s*)?[:#]?\s*(?P<rest>\S.*)$",
    re.I,
)
_TAIL = re.compile(
    r"^(?P<value>.*?)\s*(?:\((?P<country>[^()]*)\))?\s*(?P<dates>(?:(?:issued|expires)\b.*)?)$",
    re.I,
)
_ALIAS = re.compile(r"^(?P<kind>[afn])\.k\.a\.,?\s*['\"‘’](?P<name>.+?)['\"‘’]?$", re.I)
_RANGE = re.compile(r"^(?P<a>.+?)\s*(?:\bto\b|-|–)\s*(?P<b>\d.*|[A-Za-z]{3,9}\.?\s+\d{4})$")
_CRYPTO = re.compile(
    r"^(?:alt\.\s+)?Digital Currency Address - (?P<cur>\w+)\s+(?P<addr>\S+)$", re.I
)
_WS = re.compile(r"\s+")


@dataclass
class Remarks:
    """Facts found in one entity's remarks."""

    birth_dates: list[str] = field(default_factory=list)
    aliases: list[tuple[str, NameKind]] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    linked_to: list[str] = field(default_factory=list)
    listed_on: str | None = None
    properties: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, value: str | None) -> None:
        if value:
            values = self.properties.setdefault(key, [])
            if value not in values:
                values.append(value)


def slug(label: str) -> str:
    """A lowercase identifier-type slug for a label we have no entry for."""
    s = re.sub(r"[^0-9a-z]+", "_", label.lower()).strip("_")
    return s or "id"


@lru_cache(maxsize=4096)
def label_key(label: str) -> str:
    return _WS.sub(" ", _LABEL_KEY.sub("", label.strip())).lower()


_PROPERTY_KEYS = {label_key(k): v for k, v in PROPERTY_LABELS.items()}


def same_label(label: str, id_slug: str) -> bool:
    """True when a label says no more than its slug ("SWIFT/BIC" for swift_bic)."""
    return re.sub(r"[^a-z0-9]", "", label.lower()) == id_slug.replace("_", "")


def is_property_label(label: str) -> bool:
    """True for a label whose value is a fact but not an identifier (Gender, Aircraft Model)."""
    return label_key(label) in _PROPERTY_KEYS


@lru_cache(maxsize=4096)
def id_type(label: str) -> str | None:
    """Identifier slug for a publisher label, or None when the label is not an identifier."""
    key = label_key(label)
    if key in ID_TYPES:
        return ID_TYPES[key]
    if key in _PROPERTY_KEYS:
        return None
    if key.startswith("digital currency address"):
        return "crypto_wallet"
    if _GENERIC_ID_LABEL.match(label.strip()) and len(key.split()) <= 6 and "www." not in key:
        return slug(key)
    return None




def parse_date_text(text: str) -> str | None:
    """OFAC date phrases → ISO: "19 Jun 1951", "Jan 1960", "1960 to 1962" → "1960/1962".

    "circa 1951" becomes the interval "1950/1952": screening then treats 1950-1952 as a
    match instead of rejecting a DOB one year off the publisher's estimate.
    """
    v = text.strip().rstrip(".")
    circa = re.match(r"^(?:circa|approximately|approx\.?|about|c\.)\s+", v, flags=re.I)
    if circa:
        v = v[circa.end() :]
    m = _RANGE.match(v)
    if m:
        a, b = iso_date(m["a"]), iso_date(m["b"])
        if a and b:
            return a if a == b else f"{a}/{b}"
    date = iso_date(v)
    if date and circa:
        year = int(date[:4])
        return f"{year - 1}/{year + 1}"
    return date


def _identifier(id_slug: str, label: str, rest: str) -> Identifier | None:
    m = _TAIL.match(rest.strip().rstrip("."))
    value = clean(m["value"] if m else rest)
    if not value:
        return None
    country_text = m["country"] if m else None
    country = to_iso2(country_text) if country_text else None
    notes = []
    if not same_label(label, id_slug):
        notes.append(label.strip())
    if country_text and not country:
        # Not a country after all (e.g. "(MSN)"): keep it with the value.
        value = f"{value} ({country_text})"
    if m and m["dates"]:
        notes.append(m["dates"].strip())
    return Identifier(id_slug, value, country, "; ".join(notes) or None)


def parse_remarks(text: str | None) -> Remarks:
    """Split OFAC Remarks into phrases and extract what each one says."""
    out = Remarks()
    if not text:
        return out
    for raw in re.split(r";\s*", text):
        seg = raw.strip().rstrip(".").strip()
        if seg:
            _phrase(seg, out)
    return out


def _phrase(seg: str, out: Remarks) -> None:
    """Dispatch one phrase on its leading label; unknown phrases are left to the raw remarks."""
    low = seg.lower()
    alt = low.startswith("alt. ")
    body = seg[5:].strip() if alt else seg
    blow = body.lower()
    m = _ALIAS.match(seg)
    if m:
        kind = NameKind.FKA if m["kind"].lower() == "f" else NameKind.AKA
        name = clean(m["name"])
        if name:
            out.aliases.append((name, kind))
        return
    if blow.startswith("dob "):
        date = parse_date_text(body[4:])
        if date and date not in out.birth_dates:
            out.birth_dates.append(date)
        elif not date:
            out.add("birth_date_text", body[4:].strip())
        return
    if blow.startswith("pob"):
        out.add("place_of_birth", clean(body[3:].lstrip(": ")))
        return
    for prefix, prop in (("nationality ", "nationality"), ("citizen ", "citizenship")):
        if blow.startswith(prefix) and not blow.startswith("nationality of registration"):
            value = clean(body[len(prefix) :])
            out.add(prop, value)
            code = to_iso2(value)
            if code and code not in out.countries:
                out.countries.append(code)
            return
    if blow.startswith("gender "):
        out.add("gender", clean(body[7:]))
        return
    if blow.startswith("linked to:"):
        target = clean(body[10:])
        if target and target not in out.linked_to:
            out.linked_to.append(target)
        return
    if blow.startswith("listing date (cmic)"):
        date = parse_date_text(body[19:].lstrip(": "))
        if date:
            out.listed_on = out.listed_on or date
        return
    m = _CRYPTO.match(seg)
    if m:
        out.identifiers.append(Identifier("crypto_wallet", m["addr"], None, m["cur"]))
        return
    if blow.startswith("email"):
        value = clean(re.sub(r"^email(?:\s+address)?\s*:?\s*", "", body, flags=re.I))
        if value:
            out.identifiers.append(Identifier("email", value))
        return
    if blow.startswith("website"):
        value = clean(body[7:].lstrip(": "))
        if value:
            out.identifiers.append(Identifier("website", value))
        return
    m = _LABEL_RE.match(seg)
    if m:
        label = m["label"]
        ident = _identifier(ID_TYPES[label.lower()], label, m["rest"])
        if ident:
            out.identifiers.append(ident)
        return
    for label, prop in PROPERTY_LABELS.items():
        if blow.startswith(label):
            out.add(prop, clean(body[len(label) :].lstrip(": ")))
            return
