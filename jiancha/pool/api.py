"""API endpoints of the pool app."""

from ninja import Router

router = Router(tags=["pool"])
