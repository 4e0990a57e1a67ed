"""Shared fixtures. External test suites are read from ../shared/data, never copied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("JIANCHA_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"external test data not found at {SHARED_DATA} (set JIANCHA_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def demo_region(db):
    """The demo organisation tree and one user per staff role, all with the same known password."""
    from jiancha.demo import build_demo

    from .factories import DEMO_PASSWORD

    return build_demo(password_for=lambda _role: DEMO_PASSWORD)
