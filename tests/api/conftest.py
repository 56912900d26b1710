"""Fixtures for the HTTP API: a home with a small fresh list loaded, and clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sekisho.api import create_app
from sekisho.lists.store import Store
from sekisho.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WATCH = FIXTURES / "api" / "custom_watch.csv"
STALE_CSL = FIXTURES / "store" / "csl_v1.csv"

READ_KEY = "read-key-0123456789abcdef"
REVIEW_KEY = "review-key-0123456789abcdef"

TX = {
    "id": "tx-api-1",
    "exporter": {"name": "Formosa Chips Ltd.", "country": "TW"},
    "parties": [{"role": "end_user", "name": "Huawei Technologies", "country": "CN"}],
    "items": [{"description": "laptop", "eccn": "EAR99", "quantity": 2, "unit_value": 1500}],
    "ship_to": "CN",
}


def make_home(root: Path, *lists: Path) -> Settings:
    settings = Settings.load(home=root)
    if lists:
        Store.open(settings).load(list(lists))
    return settings


@pytest.fixture(scope="module")
def loaded_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A home whose only list is our fresh custom watch list."""
    return make_home(tmp_path_factory.mktemp("api-home"), WATCH)


@pytest.fixture(scope="module")
def client(loaded_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(loaded_settings)) as c:
        yield c


@pytest.fixture
def empty_client(tmp_path: Path) -> Iterator[TestClient]:
    """No list loaded at all."""
    with TestClient(create_app(make_home(tmp_path / "empty"))) as c:
        yield c


@pytest.fixture
def keyed_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """Auth on: one read key (env) and one reviewer key (keys file)."""
    settings = make_home(tmp_path / "keyed", WATCH)
    monkeypatch.setenv("SEKISHO_API_KEYS", f"reader:read:{READ_KEY}")
    (settings.home / "api-keys").write_text(f"# reviewers\nrita:reviewer:{REVIEW_KEY}\n")
    with TestClient(create_app(settings)) as c:
        yield c
