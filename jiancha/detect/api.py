"""API endpoints of the detect app (/api/detect/...)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["detect"])
