"""Random request bodies never crash the API: every answer is 2xx or a problem document."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
KEYS = st.sampled_from(["name", "country", "schema", "dob", "identifiers", "address",
                        "threshold", "limit", "sources", "queries", "properties", "id",
                        "exporter", "parties", "items", "ship_to", "route", "bom", "buyer",
                        "receipt", "key", "action", "comment"])
bodies = json_values | st.dictionaries(KEYS, json_values, max_size=6)
ROUTES = ["/screen", "/match/default", "/check?record=false", "/check/batch?record=false",
          "/procure/check", "/custody/verify", "/screen/clear"]
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(route=st.sampled_from(ROUTES), body=bodies)
def test_random_bodies_are_answered(client: TestClient, route: str, body: object) -> None:
    r = client.post(route, json=body)
    assert r.status_code < 500, (route, body, r.text)
    if r.status_code >= 400:
        problem = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert problem["status"] == r.status_code and problem["detail"]


@FAST
@given(name=st.text(min_size=1, max_size=60), country=st.none() | st.text(max_size=8))
def test_random_names_screen_or_name_the_field(client: TestClient, name: str,
                                               country: str | None) -> None:
    r = client.post("/screen", json={"name": name, "country": country})
    if r.status_code == 200:
        assert r.json()["outcome"] in ("clear", "hits", "review")
    else:
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] in ("name", "country")
