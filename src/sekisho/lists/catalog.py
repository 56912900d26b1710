"""Every known list source: who publishes it, where to download it, how to read it.

This is the one place a new list is registered. The store, `update`, `status` and the screening
policy all read it: a source's `max_age_days` decides when its snapshot is stale (screening then
fails closed), its `consequence` is the default outcome of a hit before regime policy refines it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sekisho.errors import InputError, NotFoundError

CONSEQUENCES = ("block", "licence_required", "review", "procurement", "info")

# Sources named by the user: their own bad-guy lists and good-guy (allow) lists.
USER_PREFIXES = ("custom_", "allow_")
DEFAULT_USER_MAX_AGE_DAYS = 365
_SOURCE_ID = re.compile(r"[a-z][a-z0-9_]{1,63}")


@dataclass(frozen=True)
class Download:
    """One file of a source as the publisher serves it. `name` is the file name on disk and in
    a mirror folder; `sha256`, when pinned, must match or the update is refused."""

    url: str
    name: str
    sha256: str | None = None


@dataclass(frozen=True)
class Source:
    """One list source. `downloads` is empty when there is no stable machine-readable URL
    (transcriptions of web pages and PDFs, or a URL that changes with each edition): such
    sources are loaded from files with `sekisho lists load`."""

    id: str
    title: str
    authority: str
    jurisdiction: str  # ISO-2 country, "UN", "EU", or "-" for third-party aggregations
    format: str  # parser module NAME in lists/formats
    consequence: str
    max_age_days: int
    licence: str
    downloads: tuple[Download, ...] = ()
    page: str | None = None  # the publisher's human page for the list
    note: str | None = None
    auto_update: bool = True  # False: `update` fetches it only when named with --source

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "authority": self.authority,
            "jurisdiction": self.jurisdiction,
            "format": self.format,
            "consequence": self.consequence,
            "max_age_days": self.max_age_days,
            "licence": self.licence,
            "downloads": [
                {k: v for k, v in vars(d).items() if v is not None} for d in self.downloads
            ],
            "page": self.page,
            "note": self.note,
            "auto_update": self.auto_update,
        }


_US_PD = "US federal government work: public domain in the United States."
_OFAC = "https://www.treasury.gov/ofac/downloads"
_TRANSCRIBED = (
    "Hand transcription by OpenSanctions of a list published only as HTML/PDF "
    "(OpenSanctions data: CC BY-NC 4.0 for non-commercial use; commercial use needs a licence)."
)


def _ofac(prefix: str, names: tuple[str, ...], base: str) -> tuple[Download, ...]:
    return tuple(Download(f"{base}/{prefix}{n}.csv", f"{prefix}{n}.csv") for n in names)


SOURCES: tuple[Source, ...] = (
    Source(
        id="us_ofac_sdn",
        title="OFAC Specially Designated Nationals and Blocked Persons List (SDN)",
        authority="US Treasury, Office of Foreign Assets Control",
        jurisdiction="US",
        format="ofac_csv",
        consequence="block",
        max_age_days=7,
        licence=_US_PD,
        downloads=(
            Download(f"{_OFAC}/sdn.csv", "sdn.csv"),
            Download(f"{_OFAC}/add.csv", "add.csv"),
            Download(f"{_OFAC}/alt.csv", "alt.csv"),
            Download(f"{_OFAC}/sdn_comments.csv", "sdn_comments.csv"),
        ),
        page="https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists",
    ),
    Source(
        id="us_ofac_cons",
        title="OFAC Consolidated Sanctions List (non-SDN: SSI, NS-PLC, NS-CMIC, NS-MBS...)",
        authority="US Treasury, Office of Foreign Assets Control",
        jurisdiction="US",
        format="ofac_csv",
        consequence="review",
        max_age_days=7,
        licence=_US_PD,
        downloads=_ofac("cons_", ("prim", "add", "alt", "comments"), f"{_OFAC}/consolidated"),
        page="https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists",
        note="Sectoral and other non-blocking programs: the consequence depends on the program.",
    ),
    Source(
        id="us_trade_csl",
        title="US Consolidated Screening List (Commerce, State, Treasury)",
        authority="US International Trade Administration (trade.gov)",
        jurisdiction="US",
        format="us_csl",
        consequence="licence_required",
        max_age_days=7,
        licence=_US_PD,
        downloads=(
            Download(
                "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv",
                "consolidated.csv",
            ),
        ),
        page="https://www.trade.gov/consolidated-screening-list",
        note="Mixes sub-lists with different effects (EL licence requirement, SDN block, DPL "
        "denial, UVL review): regime policy decides per sublist.",
    ),
    Source(
        id="un_sc",
        title="UN Security Council Consolidated List",
        authority="United Nations Security Council",
        jurisdiction="UN",
        format="un_xml",
        consequence="block",
        max_age_days=7,
        licence="UN website terms of use; published for public use.",
        downloads=(
            Download(
                "https://scsanctions.un.org/resources/xml/en/consolidated.xml", "consolidated.xml"
            ),
        ),
        page="https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list",
    ),
    Source(
        id="us_bis_dpl",
        title="BIS Denied Persons List",
        authority="US Commerce, Bureau of Industry and Security",
        jurisdiction="US",
        format="bis_dpl",
        consequence="block",
        max_age_days=7,
        licence=_US_PD,
        downloads=(Download("https://www.bis.doc.gov/dpl/dpl.txt", "dpl.txt"),),
        page="https://www.bis.gov/denied-persons-list",
    ),
    Source(
        id="jp_meti_eul",
        title="METI End User List (外国ユーザーリスト)",
        authority="Japan, Ministry of Economy, Trade and Industry",
        jurisdiction="JP",
        format="jp_meti_eul",
        consequence="licence_required",
        max_age_days=30,
        licence="Japanese government standard terms of use (compatible with CC BY 4.0).",
        page="https://www.meti.go.jp/policy/anpo/law05.html#user-list",
        note="The xlsx URL changes with each edition: download it from the page and load it "
        "with `sekisho lists load`, or put it in a mirror folder.",
    ),
    Source(
        id="uk_ofsi",
        title="UK OFSI Consolidated List of Financial Sanctions Targets",
        authority="HM Treasury, Office of Financial Sanctions Implementation",
        jurisdiction="GB",
        format="uk_ofsi",
        consequence="block",
        max_age_days=7,
        licence="Open Government Licence v3.0.",
        downloads=(
            Download(
                "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv",
                "ConList.csv",
            ),
        ),
        page="https://www.gov.uk/government/publications/financial-sanctions-consolidated-list-of-targets",
        note="OFSI announced the ConList's retirement in 2026 in favour of the FCDO UK Sanctions List.",
    ),
    Source(
        id="eu_fsf",
        title="EU Financial Sanctions Files (consolidated list)",
        authority="European Commission, DG FISMA",
        jurisdiction="EU",
        format="eu_fsf",
        consequence="block",
        max_age_days=7,
        licence="Commission reuse policy (Decision 2011/833/EU): reuse allowed with attribution.",
        downloads=(
            Download(
                "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/"
                "content?token=dG9rZW4tMjAxNw",
                "xmlFullSanctionsList_1_1.xml",
            ),
        ),
        page="https://data.europa.eu/data/datasets/consolidated-list-of-persons-groups-and-entities-subject-to-eu-financial-sanctions",
    ),
    Source(
        id="tw_shtc",
        title="Taiwan SHTC Export Control Entity List (戰略性高科技貨品 出口管制實體名單)",
        authority="Taiwan, MOEA International Trade Administration",
        jurisdiction="TW",
        format="tw_shtc",
        consequence="licence_required",
        max_age_days=30,
        licence="Taiwan Open Government Data License 1.0.",
        downloads=(
            Download(
                "https://publicinfo.trade.gov.tw/icp/Download.action?file=ZgPKOWuRLCD%2B8S4%2FZhAeuw%3D%3D",
                "shtc_entity_list.csv",
            ),
        ),
        page="https://www.trade.gov.tw/english/Pages/List.aspx?nodeid=298",
    ),
    Source(
        id="jp_meti_ru",
        title="METI Russia export-ban designated entities (ロシア特定団体)",
        authority="Japan, Ministry of Economy, Trade and Industry / MOFA notices",
        jurisdiction="JP",
        format="jp_meti_designated",
        consequence="block",
        max_age_days=30,
        licence="Japanese government standard terms of use (compatible with CC BY 4.0).",
        page="https://www.meti.go.jp/policy/external_economy/trade_control/02_export/17_russia/russia.html",
        note="Published as PDF only: load the text extraction with `sekisho lists load`.",
    ),
    Source(
        id="jp_meti_by",
        title="METI Belarus export-ban designated entities (ベラルーシ特定団体)",
        authority="Japan, Ministry of Economy, Trade and Industry / MOFA notices",
        jurisdiction="JP",
        format="jp_meti_designated",
        consequence="block",
        max_age_days=30,
        licence="Japanese government standard terms of use (compatible with CC BY 4.0).",
        page="https://www.meti.go.jp/policy/external_economy/trade_control/02_export/17_russia/russia.html",
        note="Published as PDF only: load the text extraction with `sekisho lists load`.",
    ),
    Source(
        id="jp_meti_3c",
        title="METI third-country export-ban designated entities (第三国特定団体)",
        authority="Japan, Ministry of Economy, Trade and Industry / MOFA notices",
        jurisdiction="JP",
        format="jp_meti_designated",
        consequence="block",
        max_age_days=30,
        licence="Japanese government standard terms of use (compatible with CC BY 4.0).",
        page="https://www.meti.go.jp/policy/external_economy/trade_control/02_export/17_russia/russia.html",
        note="Published as PDF only: load the text extraction with `sekisho lists load`.",
    ),
    Source(
        id="us_fcc_covered",
        title="FCC Covered List (equipment and services, Secure Networks Act)",
        authority="US Federal Communications Commission",
        jurisdiction="US",
        format="os_transcribed",
        consequence="procurement",
        max_age_days=365,
        licence=_TRANSCRIBED,
        page="https://www.fcc.gov/supplychain/coveredlist",
    ),
    Source(
        id="us_ndaa_889",
        title="NDAA FY2019 Section 889 prohibited telecommunications companies",
        authority="US Congress (statute), applied by FAR 52.204-25",
        jurisdiction="US",
        format="os_transcribed",
        consequence="procurement",
        max_age_days=365,
        licence=_TRANSCRIBED,
        page="https://www.acquisition.gov/far/52.204-25",
    ),
    Source(
        id="us_dod_1260h",
        title="DoD Section 1260H Chinese Military Companies",
        authority="US Department of Defense",
        jurisdiction="US",
        format="os_transcribed",
        consequence="procurement",
        max_age_days=365,
        licence=_TRANSCRIBED,
        page="https://www.defense.gov/News/Releases/",
    ),
    Source(
        id="us_bis_mieu",
        title="BIS Military-Intelligence End User List (EAR § 744.22)",
        authority="US Commerce, Bureau of Industry and Security",
        jurisdiction="US",
        format="os_transcribed",
        consequence="licence_required",
        max_age_days=365,
        licence=_TRANSCRIBED,
        page="https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/part-744",
    ),
    Source(
        id="cn_countermeasures",
        title="China MOFCOM / MFA countermeasure lists (Unreliable Entity List, export control lists)",
        authority="PRC Ministry of Commerce and Ministry of Foreign Affairs",
        jurisdiction="CN",
        format="os_transcribed",
        consequence="review",
        max_age_days=365,
        licence=_TRANSCRIBED,
        page="https://www.mofcom.gov.cn/",
        note="Chinese counter-sanctions: relevant for dealings subject to PRC law.",
    ),
    Source(
        id="kaist_derived",
        title="KAIST restricted-parties-db (third-party re-modelled names, demo only)",
        authority="casslab-kaist (third party, not an authority)",
        jurisdiction="-",
        format="kaist_json",
        consequence="info",
        max_age_days=365,
        licence="Third-party repository; no authority format. Name-matching demos only.",
        page="https://github.com/casslab-kaist/restricted-parties-db",
    ),
    Source(
        id="ftm",
        title="OpenSanctions default collection (FollowTheMoney entities)",
        authority="OpenSanctions (aggregator)",
        jurisdiction="-",
        format="ftm_json",
        consequence="review",
        max_age_days=7,
        licence="CC BY-NC 4.0: non-commercial use; commercial use needs an OpenSanctions licence.",
        downloads=(
            Download(
                "https://data.opensanctions.org/datasets/latest/default/entities.ftm.json",
                "entities.ftm.json",
            ),
        ),
        page="https://www.opensanctions.org/datasets/default/",
        note="Several GB and non-commercial licence: updated only when named with --source.",
        auto_update=False,
    ),
)

_BY_ID = {s.id: s for s in SOURCES}

# Local folder and file names (as in ../shared/data/lists and typical mirrors) that tell the
# source where the file format cannot: several sources share one format (OpenSanctions
# transcriptions, METI designations). Patterns match the lowercased path's parent folder name
# or file name.
PATH_HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), s)
    for p, s in (
        (r"russia", "jp_meti_ru"),
        (r"belarus", "jp_meti_by"),
        (r"daisangoku|third[-_]?countr", "jp_meti_3c"),
        (r"fcc[-_]covered", "us_fcc_covered"),
        (r"section[-_]?889|ndaa", "us_ndaa_889"),
        (r"1260h|dod[-_]chinese", "us_dod_1260h"),
        (r"mieu|military[-_]intelligence", "us_bis_mieu"),
        (r"cn[-_]mofcom|countermeasure", "cn_countermeasures"),
        (r"kaist", "kaist_derived"),
    )
)


def get(source_id: str) -> Source:
    """The catalogue entry of `source_id`, or NotFoundError listing the known ids."""
    try:
        return _BY_ID[source_id]
    except KeyError:
        known = ", ".join(s.id for s in SOURCES)
        raise NotFoundError(f"unknown source {source_id!r}; known sources: {known}") from None


def find(source_id: str) -> Source | None:
    """The catalogue entry for a source id, following refinements (`ftm_<dataset>` → `ftm`)."""
    if source_id in _BY_ID:
        return _BY_ID[source_id]
    if source_id.startswith("ftm_"):
        return _BY_ID["ftm"]
    return None


def is_user_source(source_id: str) -> bool:
    return source_id.startswith(USER_PREFIXES)


def validate_source_id(source_id: str) -> str:
    """A source id the store accepts: a catalogue id, `ftm_<dataset>`, `custom_<name>` or
    `allow_<name>` (lowercase letters, digits, underscores)."""
    if not _SOURCE_ID.fullmatch(source_id):
        raise InputError(
            f"invalid source id {source_id!r}: use lowercase letters, digits and '_'",
            field="--source",
        )
    if find(source_id) is None and not is_user_source(source_id):
        known = ", ".join(s.id for s in SOURCES)
        raise InputError(
            f"unknown source {source_id!r}; use a catalogue id ({known}) or "
            "custom_<name> / allow_<name> for your own lists",
            field="--source",
        )
    return source_id


def max_age_days(source_id: str) -> int:
    """Days after which a snapshot of this source is stale."""
    entry = find(source_id)
    return entry.max_age_days if entry else DEFAULT_USER_MAX_AGE_DAYS


def consequence(source_id: str) -> str:
    """Default consequence of a hit: user bad-guy lists review, allow lists are info."""
    entry = find(source_id)
    if entry:
        return entry.consequence
    return "info" if source_id.startswith("allow_") else "review"


def source_hint(path: Path) -> str | None:
    """Source id suggested by a file's name or its folder's name, or None.

    Only for formats shared by several sources; the file name wins over the folder name.
    """
    for text in (path.name.lower(), path.parent.name.lower()):
        for pattern, source_id in PATH_HINTS:
            if pattern.search(text):
                return source_id
    return None
