"""Fixtures for custody tests: the tlog test vectors (skip when the shared data is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tlog_vectors(shared_data: Path) -> Path:
    path = shared_data / "tlog-vectors"
    if not path.is_dir():
        pytest.skip("tlog-vectors not present")
    return path
