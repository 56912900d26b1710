"""POST /procure/check with a CycloneDX document we write here."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _bom(chip_maker: str) -> dict:
    return {
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"type": "device", "bom-ref": "srv", "name": "Edge server",
                                   "manufacturer": {"name": "Acme Servers K.K."}}},
        "components": [{
            "type": "device", "bom-ref": "nic", "name": "Network card",
            "manufacturer": {"name": "Acme Networks Ltd."},
            "components": [{"type": "device", "bom-ref": "chip", "name": "Ethernet controller",
                            "manufacturer": {"name": chip_maker}}],
        }],
    }


def test_hisilicon_part_is_prohibited_for_a_japanese_ministry(client: TestClient) -> None:
    r = client.post("/procure/check", json={"bom": _bom("HiSilicon Technologies Co., Ltd."),
                                            "buyer": "jp-central-government",
                                            "date": "2026-06-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] == "prohibited"
    f = body["findings"][0]
    assert f["path"] == ["Edge server", "Network card", "Ethernet controller"]
    assert f["regime"].startswith("jp-central-government")


def test_same_bom_for_a_private_buyer(client: TestClient) -> None:
    body = client.post("/procure/check", json={"bom": _bom("HiSilicon"), "buyer": "private",
                                               "date": "2026-06-01"}).json()
    assert body["verdict"] == "no_prohibited_content" and body["findings"] == []


def test_html_report(client: TestClient) -> None:
    r = client.post("/procure/check?report=html",
                    json={"bom": _bom("HiSilicon"), "buyer": "jp-central-government",
                          "date": "2026-06-01"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Ethernet controller" in r.text


def test_bad_input_names_the_field(client: TestClient) -> None:
    r = client.post("/procure/check", json={"bom": _bom("x"), "buyer": "king"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "buyer"
    r = client.post("/procure/check", json={"bom": {"bomFormat": "SPDX"}, "buyer": "private"})
    assert r.status_code == 422
    assert r.json()["type"] == "/problems/format-error"
    assert r.json()["errors"][0]["field"] == "bom.bomFormat"
    r = client.post("/procure/check", json={"bom": _bom("x"), "buyer": "private",
                                            "regimes": ["nope"]})
    assert r.json()["errors"][0]["field"] == "regimes"
    r = client.post("/procure/check", json={"bom": _bom("x"), "buyer": "private",
                                            "date": "yesterday"})
    assert r.json()["errors"][0]["location"] == "body.date"


def test_regimes_and_buyers(client: TestClient) -> None:
    ids = {r["id"] for r in client.get("/procure/regimes").json()}
    assert "jp-central-government-2018" in ids
    assert "private" in {b["id"] for b in client.get("/procure/buyers").json()}
