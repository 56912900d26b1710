"""API keys: /health open, read vs reviewer roles, malformed key config refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sekisho.api import create_app
from sekisho.api.auth import KeyRing
from sekisho.errors import InputError
from sekisho.settings import Settings

from .conftest import READ_KEY, REVIEW_KEY, TX


def test_health_is_open(keyed_client: TestClient) -> None:
    r = keyed_client.get("/health")
    assert r.status_code == 200 and r.json()["auth"] is True


def test_missing_or_wrong_key_is_401(keyed_client: TestClient) -> None:
    r = keyed_client.post("/screen", json={"name": "Huawei"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["type"] == "/problems/unauthorized"
    r = keyed_client.post("/screen", json={"name": "Huawei"},
                          headers={"Authorization": "Bearer wrong-key-0123456789"})
    assert r.status_code == 401


def test_read_key_screens_but_cannot_review(keyed_client: TestClient) -> None:
    h = {"X-API-Key": READ_KEY}
    assert keyed_client.post("/screen", json={"name": "Huawei"}, headers=h).status_code == 200
    dec = keyed_client.post("/check", json=TX, headers=h).json()
    r = keyed_client.post(f"/decisions/{dec['decision_id']}/review", headers=h,
                          json={"action": "approve", "comment": "ok"})
    assert r.status_code == 403 and r.json()["type"] == "/problems/forbidden"
    r = keyed_client.post(f"/decisions/{dec['decision_id']}/review",
                          headers={"Authorization": f"Bearer {REVIEW_KEY}"},
                          json={"action": "approve", "comment": "ok"})
    assert r.status_code == 201
    assert r.json()["actor"] == "rita"
    # the read key's name is the actor of the recorded decision
    audit = keyed_client.get("/audit", headers=h).json()
    actors = {(e["action"], e["actor"]) for e in audit["entries"]}
    assert ("decision.add", "reader") in actors and ("decision.review", "rita") in actors


@pytest.mark.parametrize("text, field", [
    ("alice:read", "api key"),
    ("alice:admin:0123456789abcdef0", "role"),
    ("alice:read:short", "key"),
])
def test_malformed_keys_are_refused(text: str, field: str) -> None:
    with pytest.raises(InputError) as exc:
        KeyRing.parse(text, source="SEKISHO_API_KEYS")
    assert exc.value.field == field


def test_bad_keys_file_stops_the_app(tmp_path: Path) -> None:
    settings = Settings.load(home=tmp_path)
    (tmp_path / "api-keys").write_text("bob:reviewer:tooshort\n")
    with pytest.raises(InputError) as exc:
        create_app(settings)
    assert exc.value.line == 1 and exc.value.file.endswith("api-keys")
