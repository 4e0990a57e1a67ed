"""Whose registry a user may read and change: their division's subtree (access.visible_divisions).

A change or entry whose unit is not in the organisation tree has no division; only users whose scope
is the whole tree (a superuser without a division, or a user at the tree's root) see those.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiancha.access.models import User
from jiancha.access.services import visible_divisions
from jiancha.orgs.models import Division

from .models import Change


def whole_tree(user: User) -> bool:
    if user.is_superuser and user.division is None:
        return True
    return user.division is not None and user.division.parent_id is None


def figures_division(user: User) -> Division | None:
    """The division whose subtree a user's figures cover (None: the whole tree, for a superuser
    bound to no division). A user bound to no division sees no figures: they have no area."""
    if user.division is None:
        if user.is_superuser:
            return None
        raise PermissionDenied(_("your account is bound to no division, so it has no area to report on"))
    return user.division


def scope_q(user: User, prefix: str = "") -> Q:
    """A filter on a model with a ``division`` foreign key: within the user's scope."""
    q = Q(**{f"{prefix}division__in": visible_divisions(user)})
    if whole_tree(user):
        q |= Q(**{f"{prefix}division__isnull": True})
    return q


def visible_division_ids(user: User) -> set[int]:
    return set(visible_divisions(user).values_list("pk", flat=True))


def change_visible(user: User, change: Change, visible: set[int] | None = None) -> bool:
    """Whether ``user`` may see and decide ``change``; pass ``visible_division_ids`` for many."""
    if change.division_id is None:
        return whole_tree(user)
    if visible is not None:
        return change.division_id in visible
    return visible_divisions(user).filter(pk=change.division_id).exists()


def divisions_in_scope(user: User) -> QuerySet[Division]:
    return visible_divisions(user)
