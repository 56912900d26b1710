"""Every error is RFC 9457 problem+json naming the field."""

from __future__ import annotations

from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


def _is_problem(r, status: int, slug: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status
    assert body["type"] == f"/problems/{slug}"
    assert body["title"] and body["detail"]
    assert body["instance"]
    return body


def test_pydantic_validation_names_the_location(client: TestClient) -> None:
    body = _is_problem(client.post("/screen", json={"name": "", "limit": 0}), 422,
                       "invalid-input")
    locations = {e["location"] for e in body["errors"]}
    assert {"body.name", "body.limit"} <= locations
    assert {e["field"] for e in body["errors"]} >= {"name", "limit"}


def test_unknown_field_is_rejected(client: TestClient) -> None:
    body = _is_problem(client.post("/screen", json={"name": "x", "nmae": "y"}), 422,
                       "invalid-input")
    assert body["errors"][0]["location"] == "body.nmae"


def test_sekisho_input_error_names_the_field(client: TestClient) -> None:
    body = _is_problem(client.post("/screen", json={"name": "ACME", "country": "Atlantis"}),
                       422, "invalid-input")
    assert body["errors"] == [{"detail": "unknown country 'Atlantis'", "field": "country"}]
    assert body["instance"] == "/screen"


def test_not_json_body(client: TestClient) -> None:
    r = client.post("/screen", content=b"{nope", headers={"content-type": "application/json"})
    _is_problem(r, 422, "invalid-input")


def test_not_found_route_and_entity(client: TestClient) -> None:
    _is_problem(client.get("/no/such/route"), 404, "not-found")
    body = _is_problem(client.get("/entities/custom_watch:nobody"), 404, "not-found")
    assert "nobody" in body["detail"]
    _is_problem(client.get("/decisions/dec_missing"), 404, "not-found")


def test_method_not_allowed(client: TestClient) -> None:
    _is_problem(client.get("/screen"), 405, "method-not-allowed")


def test_problem_types_are_documented(client: TestClient) -> None:
    r = client.get("/problems/invalid-input")
    assert r.status_code == 200 and r.json()["title"] == "Invalid input"


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/screen", "/match/{dataset}", "/check", "/decisions/{decision_id}/review",
              "/procure/check", "/custody/verify", "/custody/proof/{index}", "/lists", "/audit",
              "/health", "/screen/clear"):
        assert p in paths, p
    assert not any(p.startswith("/ui") for p in paths)
