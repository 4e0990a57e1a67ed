"""API endpoints of the subjects app (/api/subjects/...)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["subjects"])
