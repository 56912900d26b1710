"""The catalogue: one consistent entry per source, ids as agreed in interfaces.md."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from sekisho.errors import InputError, NotFoundError
from sekisho.lists import catalog
from sekisho.lists.formats import FORMAT_MODULES

AGREED_IDS = {
    "us_ofac_sdn", "us_ofac_cons", "us_trade_csl", "un_sc", "us_bis_dpl", "jp_meti_eul",
    "uk_ofsi", "eu_fsf", "tw_shtc", "jp_meti_ru", "jp_meti_by", "jp_meti_3c", "us_fcc_covered",
    "us_ndaa_889", "us_dod_1260h", "us_bis_mieu", "cn_countermeasures", "kaist_derived", "ftm",
}  # fmt: skip


def test_every_agreed_source_is_registered_once() -> None:
    ids = [s.id for s in catalog.SOURCES]
    assert len(ids) == len(set(ids))
    assert set(ids) == AGREED_IDS


@pytest.mark.parametrize("source", catalog.SOURCES, ids=lambda s: s.id)
def test_entry_is_complete(source: catalog.Source) -> None:
    assert source.title and source.authority and source.licence
    assert source.format in FORMAT_MODULES
    assert source.consequence in catalog.CONSEQUENCES
    assert 1 <= source.max_age_days <= 365
    names = [d.name for d in source.downloads]
    assert len(names) == len(set(names))
    for d in source.downloads:
        assert urlparse(d.url).scheme == "https", d.url
        assert "/" not in d.name
    if not source.downloads:
        assert source.page, "a source without download must say where to get it"
    assert catalog.get(source.id) is source
    assert set(source.to_dict()) >= {"id", "format", "consequence", "downloads", "max_age_days"}


def test_official_urls() -> None:
    urls = {d.url for s in catalog.SOURCES for d in s.downloads}
    for url in (
        "https://www.treasury.gov/ofac/downloads/sdn.csv",
        "https://www.treasury.gov/ofac/downloads/add.csv",
        "https://www.treasury.gov/ofac/downloads/alt.csv",
        "https://www.treasury.gov/ofac/downloads/sdn_comments.csv",
        "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv",
        "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
        "https://www.bis.doc.gov/dpl/dpl.txt",
        "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv",
        "https://data.opensanctions.org/datasets/latest/default/entities.ftm.json",
    ):
        assert url in urls


def test_staleness_limits() -> None:
    assert catalog.max_age_days("us_ofac_sdn") == 7
    assert catalog.max_age_days("jp_meti_eul") == 30
    assert catalog.max_age_days("us_fcc_covered") == 365
    assert catalog.max_age_days("ftm_us_ofac_sdn") == 7  # refinement of ftm
    assert catalog.max_age_days("custom_vendors") == catalog.DEFAULT_USER_MAX_AGE_DAYS


def test_consequences() -> None:
    assert catalog.consequence("us_ofac_sdn") == "block"
    assert catalog.consequence("us_trade_csl") == "licence_required"
    assert catalog.consequence("us_ndaa_889") == "procurement"
    assert catalog.consequence("custom_bad_guys") == "review"
    assert catalog.consequence("allow_good_guys") == "info"


def test_validate_source_id() -> None:
    for ok in ("us_ofac_sdn", "ftm_eu_fsf", "custom_vendors", "allow_partners"):
        assert catalog.validate_source_id(ok) == ok
    for bad in ("Custom_x", "us-ofac-sdn", "x", "nonsense", "custom x", ""):
        with pytest.raises(InputError):
            catalog.validate_source_id(bad)
    with pytest.raises(NotFoundError, match="known sources"):
        catalog.get("nonsense")


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("jp-meti-russia-designated/250912_list_russia_tokutei.pdf.txt", "jp_meti_ru"),
        ("jp-meti-russia-designated/list_belarus_tokutei.pdf.txt", "jp_meti_by"),
        ("jp-meti-russia-designated/250912_list_daisangoku_tokutei.pdf.txt", "jp_meti_3c"),
        ("_transcribed-us-fcc-covered-list/table.csv", "us_fcc_covered"),
        ("_transcribed-us-ndaa-section-889/section_889.csv", "us_ndaa_889"),
        ("_transcribed-us-dod-1260h-chinese-military-companies/sanctions.csv", "us_dod_1260h"),
        ("_transcribed-us-bis-military-intelligence-end-users/mieu.csv", "us_bis_mieu"),
        ("_transcribed-cn-mofcom-mfa-countermeasures/sanctions.csv", "cn_countermeasures"),
        ("_derived-restricted-parties-db-kaist/restricted_parties.json", "kaist_derived"),
        ("us-trade-csl/csl.csv", None),
    ],
)
def test_source_hints_for_local_folders(path: str, source: str | None) -> None:
    assert catalog.source_hint(Path("/data/lists") / path) == source
