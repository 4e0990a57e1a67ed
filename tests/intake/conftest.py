"""Fixtures for report intake: a private data directory (keys, pepper), cheap hashing and work."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from types import SimpleNamespace

import pytest
from django.utils import timezone

from jiancha.access.models import User
from jiancha.identifiers import resident_id_check_char
from jiancha.intake import abuse

from .fixtures import intake_settings

CITY = "331200000000"  # 清溪市, where the demo intake officer works
DISTRICT = "331202000000"  # 清河区
ID_BODY = "33120219800101002"
VALID_ID = ID_BODY + resident_id_check_char(ID_BODY)
__all__ = ["intake_settings"]

# The intake tests never read the wall clock: "now" starts at this instant (a Monday, 10:00 in
# Beijing, in a year whose calendar is loaded) and advances with real time so that records keep their
# order. A test that needs another day moves ``pinned_clock.start``.
PINNED = dt.datetime(2026, 3, 16, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch):
    clock = SimpleNamespace(start=PINNED)
    began = time.monotonic()
    monkeypatch.setattr(timezone, "now", lambda: clock.start + dt.timedelta(seconds=time.monotonic() - began))
    return clock


@pytest.fixture
def staff(demo_region):
    get = User.objects.get
    return SimpleNamespace(
        intake=get(username="intake"),
        investigator=get(username="investigator"),
        lead_manager=get(username="lead_manager"),
        analyst=get(username="analyst"),
    )


def solve(challenge: str) -> str:
    """Do the proof of work as the browser's pow.js does."""
    bits = abuse.pow_bits()
    nonce = 0
    while abuse.leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)


def jpeg_with_gps() -> bytes:
    """A small JPEG carrying EXIF with a camera model and GPS position."""
    from PIL import Image

    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "SecretPhone 12"  # Model
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()
