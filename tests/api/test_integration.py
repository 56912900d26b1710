"""The API on a real official list (BIS Denied Persons List from ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sekisho.api import create_app

from .conftest import make_home

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_match_and_screen_on_the_real_dpl(shared_data: Path, tmp_path: Path) -> None:
    settings = make_home(tmp_path, shared_data / "lists" / "us-bis-denied-persons")
    with TestClient(create_app(settings)) as c:
        status = {s["source"]: s for s in c.get("/lists").json()["sources"]}
        assert status["us_bis_dpl"]["snapshot"]["entity_count"] > 100
        # word order swapped, as trade documents often write it
        r = c.post("/match/us_bis_dpl", json={"queries": {"p": {
            "schema": "Person", "properties": {"name": ["VILLA, Aaron Abraham"]}}}})
        res = r.json()["responses"]["p"]
        assert res["results"], res
        top = res["results"][0]
        assert top["caption"] == "AARON ABRAHAM VILLA" and top["match"] is True
        assert top["datasets"] == ["us_bis_dpl"]
        body = c.post("/screen", json={"name": "Aaron Abraham Villa"}).json()
        assert body["hits"][0]["name"] == "AARON ABRAHAM VILLA"
        # the outcome is hits, or review when the file's own date makes it stale: never clear
        assert body["outcome"] in ("hits", "review")
