"""The daily deadline digest (每日期限提醒): per user, what is overdue and what falls due soon."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from jiancha.access.models import User

from .services import DeadlineView, approvals_for, due_soon_for

CASE_CAPABILITIES = ("manage_leads", "investigate_case", "review_case", "approve", "view_transferred_case")


@dataclass(frozen=True)
class Digest:
    user: User
    overdue: list[DeadlineView]
    soon: list[DeadlineView]
    approvals: int

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.soon or self.approvals)

    def text(self, today: dt.date) -> str:
        """The digest in the user's own language (their saved choice, else Chinese)."""
        with translation.override(self.user.language or "zh-hans"):
            lines = [
                _("Deadline digest for %(name)s, %(day)s")
                % {"name": self.user.get_full_name() or self.user.get_username(), "day": today.isoformat()},
                "",
            ]
            if self.approvals:
                lines.append(_("%(n)d request(s) await your approval") % {"n": self.approvals})
            for title, views in ((_("Overdue"), self.overdue), (_("Due soon"), self.soon)):
                if not views:
                    continue
                lines.append(f"{title}:")
                for view in views:
                    due = view.due.isoformat() if view.due else view.problem
                    mark = " ★" if view.priority else ""
                    lines.append(f"  - {view.owner}{mark} · {view.label} · {due}")
            if self.empty:
                lines.append(_("Nothing overdue or due soon."))
            return "\n".join(lines) + "\n"


def digests(today: dt.date, days: int) -> list[Digest]:
    """One digest per active user whose role works on leads or cases."""
    users = (
        User.objects.filter(is_active=True)
        .filter(
            Q(
                groups__permissions__codename__in=CASE_CAPABILITIES,
                groups__permissions__content_type__app_label="access",
            )
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("username")
    )
    result = []
    for user in users:
        views = due_soon_for(user, today, days)
        result.append(
            Digest(
                user,
                [v for v in views if v.overdue],
                [v for v in views if not v.overdue],
                approvals_for(user).count(),
            )
        )
    return result
