"""Third-party derived JSON (demo data): names in three scripts, Korean country names."""

from __future__ import annotations

from pathlib import Path

import pytest

from sekisho.errors import FormatError
from sekisho.lists.formats import kaist_json
from sekisho.model import NameKind


def test_fixture(fixtures: Path) -> None:
    result = kaist_json.parse([fixtures / "lists/kaist_json/restricted_parties.json"])
    (e,) = result.entities
    assert e.source == "kaist_derived" and e.sublist == "jp-meti-end-user-list"
    assert e.countries == ("CN",)
    assert [n.value for n in e.names if n.kind is NameKind.NATIVE] == ["示例物理研究所"]
    assert e.properties["listing_rationale"] == ("M,CW",)


def test_bad_json_names_line(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_text('[\n {"id": 1,\n')
    with pytest.raises(FormatError, match="r.json:3"):
        kaist_json.parse([bad])


@pytest.mark.integration
def test_real_file(shared_data: Path) -> None:
    result = kaist_json.parse([shared_data / "lists/_derived-restricted-parties-db-kaist/restricted_parties.json"])
    assert len(result.entities) == 4940
    el = [e for e in result.entities if e.sublist == "us-bis-entity-list"]
    assert len(el) == 3420
    assert sum("huawei" in e.name.lower() for e in el) >= 100
