"""API endpoints of the resolve app (/api/resolve/...)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["resolve"])
