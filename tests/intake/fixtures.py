"""The intake fixture shared by the intake tests and the browser tests that file reports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from jiancha.intake import keys


@pytest.fixture(autouse=True)
def intake_settings(settings, tmp_path) -> Iterator[None]:
    """Keys and pepper in a private directory; cheap hash and proof of work (their cost is measured
    in bench/, not here); empty rate-limit counters. The browser tests' live server runs in this
    process, so the same settings reach it."""
    settings.DATA_DIR = tmp_path
    settings.INTAKE_RECEIPT_SCRYPT_N = 2**10
    settings.INTAKE_POW_BITS = 8
    keys.forget_cached_keys()
    cache.clear()
    yield
    keys.forget_cached_keys()
    cache.clear()
