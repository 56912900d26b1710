"""Scenario fixtures: the test world of tests/fixtures/transactions/txworld.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "transactions"))

from txworld import ALL_SOURCES, entities  # noqa: E402

from sekisho.screen.transaction import TransactionScreener  # noqa: E402


@pytest.fixture(scope="session")
def world():
    """(entities, default screener) shared by the scenarios."""
    ents = entities()
    return ents, TransactionScreener.from_entities(ents, ALL_SOURCES)
