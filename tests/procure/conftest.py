"""Helpers for procurement tests: the bundled regime catalogue and BOM builders."""

from __future__ import annotations

from pathlib import Path

import pytest

from sekisho.procure import regimes


@pytest.fixture(scope="session")
def catalogue() -> regimes.Catalogue:
    return regimes.load()


@pytest.fixture
def procure_fixtures(fixtures: Path) -> Path:
    return fixtures / "procure"
