"""POST /screen and the yente-compatible POST /match/{dataset}; both fail closed."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from sekisho.api import create_app
from sekisho.match import DEFAULT_THRESHOLD

from .conftest import STALE_CSL, WATCH, make_home


def test_screen_finds_and_explains(client: TestClient) -> None:
    r = client.post("/screen", json={"name": "Huawei Technologies", "country": "CN",
                                     "schema": "Company"})
    assert r.status_code == 200
    body = r.json()
    assert body["outcome"] == "hits" and body["problems"] == []
    top = body["hits"][0]
    assert top["entity_id"] == "custom_watch:w1"
    assert top["score"] >= DEFAULT_THRESHOLD
    assert "HUAWEI" in top["explanation"] and "country CN matches" in top["explanation"]
    assert top["features"]["country_match"] == 1.0
    assert body["snapshots"] and len(body["snapshots"][0]) == 64


def test_screen_native_script(client: TestClient) -> None:
    body = client.post("/screen", json={"name": "华为技术有限公司"}).json()
    assert [h["entity_id"] for h in body["hits"]][:1] == ["custom_watch:w1"]


def test_screen_clear_only_on_a_complete_screen(client: TestClient) -> None:
    body = client.post("/screen", json={"name": "Kyoto Ceramic Teapots"}).json()
    assert body == {**body, "outcome": "clear", "hits": [], "problems": []}


def test_screen_person_with_identifier(client: TestClient) -> None:
    body = client.post("/screen", json={
        "name": "I. Samplenko", "schema": "Person",
        "identifiers": [{"type": "passport", "value": "X1234567"}]}).json()
    assert body["hits"][0]["entity_id"] == "custom_watch:w3"
    assert body["hits"][0]["features"]["identifier_match"] == 1.0


def test_no_list_loaded_is_review_never_no_hits(empty_client: TestClient) -> None:
    body = empty_client.post("/screen", json={"name": "Huawei"}).json()
    assert body["outcome"] == "review"
    assert body["hits"] == [] and body["problems"]


def test_stale_list_is_review_even_with_hits(tmp_path: Path) -> None:
    with TestClient(create_app(make_home(tmp_path, STALE_CSL, WATCH))) as c:
        body = c.post("/screen", json={"name": "Kyoto Ceramic Teapots"}).json()
    assert body["outcome"] == "review"
    assert any("us_trade_csl is stale" in p for p in body["problems"])


def test_requested_source_not_loaded_is_review(client: TestClient) -> None:
    body = client.post("/screen", json={"name": "Kyoto Ceramic Teapots",
                                        "sources": ["us_ofac_sdn"]}).json()
    assert body["outcome"] == "review"
    assert "list us_ofac_sdn is not loaded" in body["problems"]
    body = client.post("/screen", json={"name": "Huawei Technologies",
                                        "sources": ["custom_watch"]}).json()
    assert body["outcome"] == "hits" and body["problems"] == []


def test_bad_dob_names_field(client: TestClient) -> None:
    r = client.post("/screen", json={"name": "x", "dob": "02/05/1961"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "dob"


# ---------------------------------------------------------------------- yente /match


def _yente_query(**props: list[str]) -> dict:
    return {"queries": {"q1": {"schema": "Company", "properties": props}}}


def test_match_answers_in_yente_shape(client: TestClient) -> None:
    r = client.post("/match/default?limit=3",
                    json=_yente_query(name=["Huawei Technologies"], country=["cn"]))
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"responses", "matcher", "limit"} and body["limit"] == 3
    q1 = body["responses"]["q1"]
    assert q1["status"] == 200
    assert q1["total"] == {"value": len(q1["results"]), "relation": "eq"}
    assert q1["query"]["schema"] == "Company"
    assert q1["query"]["properties"]["name"] == ["Huawei Technologies"]
    res = q1["results"][0]
    assert set(res) >= {"id", "caption", "schema", "properties", "datasets", "score", "match",
                        "features"}
    assert res["id"] == "custom_watch:w1" and res["match"] is True
    assert res["datasets"] == ["custom_watch"]
    assert "Huawei Technologies Co. Ltd." in res["properties"]["name"]
    assert "华为技术有限公司" in res["properties"]["alias"]
    assert all(isinstance(v, float) for v in res["features"].values())
    assert q1["outcome"] == "hits" and r.headers["x-sekisho-outcome"] == "hits"
    assert r.headers["x-batch-size"] == "1"


def test_match_several_queries_and_person_fields(client: TestClient) -> None:
    body = client.post("/match/custom_watch", json={"queries": {
        "a": {"schema": "Person", "properties": {"name": ["Ivan Samplenko"],
                                                  "birthDate": ["1961-05-02"],
                                                  "nationality": ["ru"]}},
        "b": {"schema": "Company", "properties": {"name": "Kyoto Ceramic Teapots"}},
    }}).json()
    a, b = body["responses"]["a"], body["responses"]["b"]
    assert a["results"][0]["id"] == "custom_watch:w3"
    assert a["results"][0]["features"]["dob_match"] == 1.0
    assert b["results"] == [] and b["outcome"] == "clear"


def test_match_person_by_name_parts(client: TestClient) -> None:
    body = client.post("/match/default", json={"queries": {"p": {
        "schema": "Person", "properties": {"firstName": ["Ivan"], "lastName": ["Samplenko"]}}}})
    assert body.json()["responses"]["p"]["results"][0]["id"] == "custom_watch:w3"


def test_match_threshold_sets_match_flag(client: TestClient) -> None:
    body = client.post("/match/default?threshold=0.999&cutoff=0.5",
                       json=_yente_query(name=["Huawei Tech"])).json()
    results = body["responses"]["q1"]["results"]
    assert results and all(r["match"] is (r["score"] >= 0.999) for r in results)


def test_match_fails_closed_without_lists(empty_client: TestClient) -> None:
    r = empty_client.post("/match/default", json=_yente_query(name=["Huawei"]))
    q1 = r.json()["responses"]["q1"]
    assert q1["outcome"] == "review" and q1["problems"]
    assert r.headers["x-sekisho-outcome"] == "review"


def test_match_bad_input_names_the_property(client: TestClient) -> None:
    r = client.post("/match/default", json=_yente_query(country=["cn"]))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "queries.q1.properties.name"
    r = client.post("/match/default", json=_yente_query(name=["x"], country=["Atlantis"]))
    assert r.json()["errors"][0]["field"] == "queries.q1.properties.country"
    r = client.post("/match/default", json={"queries": {"q1": {"properties": {}}}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["location"] == "body.queries.q1.schema"
    r = client.post("/match/default", json={"queries": {}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "queries"


def test_match_unknown_dataset_is_404(client: TestClient) -> None:
    r = client.post("/match/nonsense", json=_yente_query(name=["x"]))
    assert r.status_code == 404 and "default" in r.json()["detail"]


def test_match_dataset_not_loaded_is_review(client: TestClient) -> None:
    body = client.post("/match/us_ofac_sdn", json=_yente_query(name=["Huawei"])).json()
    q1 = body["responses"]["q1"]
    assert q1["outcome"] == "review" and q1["results"] == []


def test_watch_fixture_is_ours() -> None:
    assert WATCH.read_text(encoding="utf-8").startswith("# list: watch")


def test_list_turning_stale_while_serving_is_noticed(tmp_path: Path, monkeypatch) -> None:
    from datetime import UTC, datetime, timedelta

    from sekisho.lists.store import Store

    with TestClient(create_app(make_home(tmp_path, WATCH))) as c:
        assert c.post("/screen", json={"name": "Huawei Technologies"}).json()["outcome"] == "hits"
        real_status = Store.status
        later = datetime.now(UTC) + timedelta(days=400)  # custom lists: max age 365 days
        monkeypatch.setattr(Store, "status", lambda self, now=None: real_status(self, later))
        body = c.post("/screen", json={"name": "Huawei Technologies"}).json()
        assert body["outcome"] == "review"
        assert any("custom_watch is stale" in p for p in body["problems"])
