"""POST /screen/clear: a reviewer whitelists a false positive; audited; undone by a change."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from sekisho.api import create_app

from .conftest import READ_KEY, WATCH, make_home


def test_clear_suppresses_the_hit_and_is_audited(tmp_path: Path) -> None:
    with TestClient(create_app(make_home(tmp_path, WATCH))) as c:
        assert c.post("/screen", json={"name": "Huawei Tech"}).json()["hits"][0]["entity_id"] \
            == "custom_watch:w1"
        r = c.post("/screen/clear", json={"name": "Huawei Tech", "entity_id": "custom_watch:w1",
                                          "reason": "our supplier Huawei Tech Ltd, HK, "
                                                    "registration checked"})
        assert r.status_code == 201 and r.json()["by"] == "local"
        body = c.post("/screen", json={"name": "Huawei Tech"}).json()
        assert "custom_watch:w1" not in [h["entity_id"] for h in body["hits"]]
        assert body["cleared"] == ["custom_watch:w1"]
        # another name is not cleared
        other = c.post("/screen", json={"name": "华为技术有限公司"}).json()
        assert other["hits"][0]["entity_id"] == "custom_watch:w1"
        audit = c.get("/audit").json()["entries"]
        assert audit[0]["action"] == "whitelist.clear"
        assert audit[0]["subject"] == "custom_watch:w1"


def test_clear_validation(tmp_path: Path) -> None:
    with TestClient(create_app(make_home(tmp_path, WATCH))) as c:
        r = c.post("/screen/clear", json={"name": "x", "entity_id": "custom_watch:w1",
                                          "reason": " "})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
        r = c.post("/screen/clear", json={"name": "x", "entity_id": "custom_watch:zz",
                                          "reason": "r"})
        assert r.status_code == 404


def test_clear_needs_reviewer(keyed_client: TestClient) -> None:
    r = keyed_client.post("/screen/clear", headers={"X-API-Key": READ_KEY},
                          json={"name": "x", "entity_id": "custom_watch:w1", "reason": "r"})
    assert r.status_code == 403
