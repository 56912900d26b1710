"""GET /lists, /lists/{source}, /entities/{id}."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_status_lists_every_source(client: TestClient) -> None:
    body = client.get("/lists").json()
    states = {s["source"]: s["state"] for s in body["sources"]}
    assert states["custom_watch"] == "fresh"
    assert states["us_ofac_sdn"] == "missing"
    assert body["complete"] is True


def test_empty_store_is_not_complete(empty_client: TestClient) -> None:
    assert empty_client.get("/lists").json()["complete"] is False


def test_source_detail_and_entity(client: TestClient) -> None:
    body = client.get("/lists/custom_watch").json()
    assert body["snapshot"]["entity_count"] == 3 and len(body["history"]) == 1
    e = client.get("/entities/custom_watch:w1").json()
    assert e["names"][0]["value"] == "Huawei Technologies Co. Ltd."
    assert e["countries"] == ["CN"]
    assert client.get("/lists/no_such_source").status_code == 404


def test_entity_in_yente_shape(client: TestClient) -> None:
    e = client.get("/entities/custom_watch:w3?format=ftm").json()
    assert e["caption"] == "Ivan Petrovich Samplenko" and e["schema"] == "Person"
    assert e["properties"]["birthDate"] == ["1961-05-02"]
    assert e["properties"]["alias"] == ["Ivan Samplenko"]
    assert e["properties"]["idNumber"] == ["X1234567"]
    r = client.get("/entities/custom_watch:w3?format=xml")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"
