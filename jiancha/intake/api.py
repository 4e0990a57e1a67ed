"""API endpoints of the intake app (/api/intake/...)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["intake"])
