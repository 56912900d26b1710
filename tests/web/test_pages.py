"""The review UI's pages over TestClient (fast checks; the browser test drives the flow)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sekisho.api import create_app
from sekisho.lists.store import Store
from sekisho.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
READ_KEY = "pages-read-key-0123456789"
REVIEW_KEY = "pages-review-key-0123456789"
TX = ('{"id": "tx-p", "exporter": {"name": "Formosa Chips Ltd.", "country": "TW"}, '
      '"parties": [{"role": "end_user", "name": "Kyoto University", "country": "JP"}], '
      '"items": [{"description": "laptop", "eccn": "EAR99", "quantity": 1, "unit_value": 900}]}')


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings.load(home=tmp_path)
    Store.open(settings).load([FIXTURES / "api" / "custom_watch.csv"])
    (tmp_path / "api-keys").write_text(f"ron:read:{READ_KEY}\nrita:reviewer:{REVIEW_KEY}\n")
    with TestClient(create_app(settings)) as c:
        yield c


def _login(c: TestClient, key: str) -> None:
    r = c.post("/ui/login", data={"key": key, "next": "/ui/decisions"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/decisions"
    assert "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=strict" in r.headers["set-cookie"].lower()


def test_pages_need_a_key(ui: TestClient) -> None:
    r = ui.get("/ui/audit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/login?next=/ui/audit"
    r = ui.post("/ui/login", data={"key": "nope-nope-nope-nope"})
    assert r.status_code == 401 and "not valid" in r.text
    assert ui.get("/ui/static/htmx.min.js").status_code == 200


def test_outside_redirects_are_refused(ui: TestClient) -> None:
    r = ui.post("/ui/login", data={"key": READ_KEY, "next": "https://evil.example/"},
                follow_redirects=False)
    assert r.headers["location"] == "/ui/"


def test_reader_cannot_review(ui: TestClient) -> None:
    _login(ui, READ_KEY)
    r = ui.post("/ui/check", data={"transaction": TX}, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    page = ui.get(url).text
    assert "read role" in page and "button" not in page.split('id="reviews"')[1].split("</section>")[0]
    r = ui.post(url + "/review", data={"action": "approve", "comment": "fine"})
    assert r.status_code == 403 and "only reviewers" in r.text
    assert "decision.review" not in ui.get("/ui/audit").text


def test_reviewer_review_and_validation(ui: TestClient) -> None:
    _login(ui, REVIEW_KEY)
    url = ui.post("/ui/check", data={"transaction": TX}, follow_redirects=False
                  ).headers["location"]
    r = ui.post(url + "/review", data={"action": "approve", "comment": "  "})
    assert r.status_code == 422 and "a comment is required" in r.text
    r = ui.post(url + "/review", data={"action": "approve", "comment": "university, EAR99"},
                follow_redirects=False)
    assert r.status_code == 303
    assert "university, EAR99" in ui.get(url).text
    assert "university, EAR99" in ui.get("/ui/audit").text


def test_bad_json_and_unknown_decision(ui: TestClient) -> None:
    _login(ui, REVIEW_KEY)
    r = ui.post("/ui/check", data={"transaction": "{not json"})
    assert r.status_code == 422 and "not JSON" in r.text
    r = ui.get("/ui/decisions/dec_nope")
    assert r.status_code == 404 and "no decision" in r.text
    assert r.headers["content-type"].startswith("text/html")


def test_screen_page_without_js(ui: TestClient) -> None:
    _login(ui, READ_KEY)
    r = ui.post("/ui/screen", data={"name": "Huawei Technologies", "country": "CN"})
    assert r.status_code == 200 and "<html" in r.text
    assert "custom_watch:w1" in r.text
    r = ui.post("/ui/screen", data={"name": "Huawei"}, headers={"HX-Request": "true"})
    assert "<html" not in r.text and "custom_watch" in r.text


def test_templates_escape_input(ui: TestClient) -> None:
    _login(ui, READ_KEY)
    r = ui.post("/ui/screen", data={"name": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;" in r.text


def test_reviewer_clears_a_hit_from_the_screen_page(ui: TestClient) -> None:
    _login(ui, READ_KEY)
    page = ui.post("/ui/screen", data={"name": "Huawei Tech"}).text
    assert "Not this party" not in page  # readers see no clear form
    r = ui.post("/ui/screen/clear", headers={"HX-Request": "true"},
                data={"name": "Huawei Tech", "entity_id": "custom_watch:w1", "reason": "no"})
    assert "only reviewers may clear hits" in r.text
    _login(ui, REVIEW_KEY)
    assert "Not this party" in ui.post("/ui/screen", data={"name": "Huawei Tech"}).text
    r = ui.post("/ui/screen/clear", headers={"HX-Request": "true"},
                data={"name": "Huawei Tech", "entity_id": "custom_watch:w1",
                      "reason": "different company, registration checked"})
    assert r.status_code == 200
    assert "Cleared earlier by a reviewer" in r.text and "custom_watch:w1" in r.text
    assert "different company, registration checked" in ui.get("/ui/audit").text


def test_replay_from_the_decision_page(ui: TestClient) -> None:
    _login(ui, READ_KEY)
    url = ui.post("/ui/check", data={"transaction": TX}, follow_redirects=False
                  ).headers["location"]
    r = ui.post(url + "/replay")
    assert r.status_code == 200 and "same answer" in r.text
    assert "decision.replay" in ui.get("/ui/audit").text


def test_dashboard_shows_open_review_cases(ui: TestClient, tmp_path: Path) -> None:
    from sekisho.records.repo import Records

    records = Records.open(Settings.load(home=tmp_path))
    records.save_monitor_run({}, [{"kind": "monitor", "counterparty_key": "acme",
                                   "entity_id": "custom_watch:w2", "score": 0.91,
                                   "message": "ACME Vanguard may match Orion Vanguard"}])
    records.close()
    _login(ui, READ_KEY)
    page = ui.get("/ui/").text
    assert "Open review cases" in page and "ACME Vanguard may match Orion Vanguard" in page
    assert "custom_watch:w2" in page and "0.91" in page


def test_security_headers(ui: TestClient) -> None:
    r = ui.get("/ui/login")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert ui.get("/health").headers["x-content-type-options"] == "nosniff"
