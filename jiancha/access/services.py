"""Who may see and do what: roles, organisation scope, refusals.

Plain functions over users and divisions; views and API endpoints call these and never decide
access themselves.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, Group
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from jiancha.orgs.models import Division, Unit
from jiancha.orgs.services import subtree_q

from .models import ApiToken, DeniedRequest, User
from .roles import HOME_ENTRIES, ROLE_BY_CODE, HomeEntry, Role

logger = logging.getLogger("jiancha.access")

AnyUser = User | AnonymousUser


def roles_of(user: AnyUser) -> list[Role]:
    if not user.is_authenticated:
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [ROLE_BY_CODE[name] for name in ROLE_BY_CODE if name in names]


def has_capability(user: AnyUser, capability: str) -> bool:
    """True when the user holds ``access.<capability>`` through a role (or is a superuser)."""
    return bool(user.is_authenticated and user.has_perm(f"access.{capability}"))


def assign_role(user: User, role_code: str) -> None:
    if role_code not in ROLE_BY_CODE:
        raise ValueError(f"unknown role {role_code!r}; known: {', '.join(ROLE_BY_CODE)}")
    user.groups.add(Group.objects.get(name=role_code))


@dataclass(frozen=True)
class HomeOffer:
    entry: HomeEntry
    url: str  # empty when the page is not built yet


def home_offers(user: AnyUser) -> list[HomeOffer]:
    """What the user's home page offers: only entries whose capability the user holds."""
    offers = []
    for entry in HOME_ENTRIES:
        if entry.capability and not has_capability(user, entry.capability):
            continue
        if not entry.capability and not user.is_authenticated:
            continue
        url = ""
        if entry.url_name:
            try:
                url = reverse(entry.url_name)
            except NoReverseMatch:
                url = ""
        offers.append(HomeOffer(entry, url))
    return offers


def users_with_role(role: str, division: Division) -> QuerySet[User]:
    """Active users holding ``role`` whose scope covers ``division`` (the division or one above it).

    Scope is the user's division subtree, as in ``visible_divisions``; a superuser bound to no
    division covers everything.
    """
    covering = []
    node: Division | None = division
    while node is not None:
        covering.append(node.pk)
        node = node.parent
    return (
        User.objects.filter(groups__name=role, is_active=True)
        .filter(Q(division__in=covering) | Q(is_superuser=True, division__isnull=True))
        .distinct()
    )


def visible_divisions(user: AnyUser) -> QuerySet[Division]:
    """The divisions in the user's scope: their own and every one below it; none without one."""
    if not user.is_authenticated:
        return Division.objects.none()
    if user.is_superuser and user.division is None:
        return Division.objects.all()
    if user.division is None:
        return Division.objects.none()
    return Division.objects.filter(subtree_q(user.division))


def visible_units(user: AnyUser) -> QuerySet[Unit]:
    if not user.is_authenticated:
        return Unit.objects.none()
    if user.is_superuser and user.division is None:
        return Unit.objects.all()
    if user.division is None:
        return Unit.objects.none()
    return Unit.objects.filter(subtree_q(user.division, prefix="division__"))


def can_see_division(user: AnyUser, division: Division) -> bool:
    return visible_divisions(user).filter(pk=division.pk).exists()


def record_denial(request: HttpRequest, reason: str) -> DeniedRequest:
    """Log a refused request (a 403) for the security officer."""
    user = request.user if request.user.is_authenticated else None
    username = user.get_username() if user is not None else ""
    denial = DeniedRequest.objects.create(
        user=user,
        username=username,
        method=request.method or "",
        path=request.get_full_path()[:500],
        reason=reason[:300],
        remote_addr=request.META.get("REMOTE_ADDR") or None,
    )
    logger.warning("denied %s %s to %r: %s", denial.method, denial.path, username or "anonymous", reason)
    return denial


# --- API tokens ----------------------------------------------------------------------------------

TOKEN_PREFIX = "jc_"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str, expires: datetime | None = None) -> str:
    """Create a token and return it; it is never stored and cannot be shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name, key_hash=_hash_token(token), prefix=token[:8], expires=expires
    )
    return token


def user_for_token(token: str) -> User | None:
    """The active user a valid, unrevoked, unexpired token belongs to; None otherwise."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    record = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(token), revoked=False)
        .filter(Q(expires__isnull=True) | Q(expires__gt=now))
        .first()
    )
    if record is None or not record.user.is_active:
        return None
    ApiToken.objects.filter(pk=record.pk).update(last_used=now)
    return record.user


def revoke_tokens(user: User, names: Iterable[str] | None = None) -> int:
    tokens = ApiToken.objects.filter(user=user, revoked=False)
    if names is not None:
        tokens = tokens.filter(name__in=list(names))
    return tokens.update(revoked=True)


def signed_in(request: HttpRequest) -> User:
    """The request's user, typed; views behind login_required or capability_required call it."""
    user = request.user
    if not isinstance(user, User):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("sign in first")
    return user
