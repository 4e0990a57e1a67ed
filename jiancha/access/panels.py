"""Panels that apps above access add to each user's home page (overdue items, queues, …).

access sits below the apps that own such work, so it cannot import them; instead each app
registers a provider in its AppConfig.ready(), and the home page asks every provider in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils.functional import Promise

from .models import User


@dataclass(frozen=True)
class PanelItem:
    text: str
    url: str = ""
    due: date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class HomePanel:
    title: str | Promise
    items: list[PanelItem] = field(default_factory=list)
    more_url: str = ""
    order: int = 100


PanelProvider = Callable[[User], HomePanel | None]

_providers: list[PanelProvider] = []


def register_panel(provider: PanelProvider) -> PanelProvider:
    """Register a provider; usable as a decorator. Registering the same function twice is a no-op."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(user: User) -> list[HomePanel]:
    panels = [panel for provider in _providers if (panel := provider(user)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
