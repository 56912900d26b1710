"""Shared small data for the customs tests: generated once per session (seeded)."""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")
pytest.importorskip("lightgbm")


@pytest.fixture(scope="session")
def synth_small():
    from sekisho.customs.synth import generate

    return generate(3, legit=150, shells=8, groups=4, restricted_extra=10)
