"""State changes of the resolve app, each with its ledger event (as Zulip's do_* functions)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jiancha.access.models import User
from jiancha.access.services import has_capability
from jiancha.ledger.services import actor_label, record_event
from jiancha.pool.services import role_of

from .models import MatchDecision, ReviewPair


class DecisionRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def decide_pair(
    user: User, kind: str, left_key: str, right_key: str, decision: str, reason: str
) -> MatchDecision:
    """An analyst says whether two records (signatures) are one entity; later runs obey it."""
    if not has_capability(user, "analyse_data"):
        raise DecisionRefused(_("deciding on entity matches needs the right “analyse_data”"))
    if decision not in MatchDecision.Decision.values:
        raise DecisionRefused(_("the decision must be accept or reject"))
    if len(reason.strip()) < 4:
        raise DecisionRefused(_("give a reason for the decision (at least 4 characters)"))
    left, right = sorted((left_key, right_key))
    pair = ReviewPair.objects.filter(kind=kind, left_key=left, right_key=right).first()
    if decision == MatchDecision.Decision.ACCEPT and pair is not None:
        ids = {pair.left.get("id_number"), pair.right.get("id_number")} - {None, ""}
        if len(ids) > 1:
            raise DecisionRefused(_("two records with different valid identifiers are never one entity"))
    saved, _created = MatchDecision.objects.update_or_create(
        kind=kind,
        left_key=left,
        right_key=right,
        defaults={"decision": decision, "reason": reason.strip()[:500], "decided_by": user.get_username()},
    )
    event = record_event(
        kind=f"resolve.match.{decision}",
        actor=actor_label(user.get_username(), role_of(user)),
        object_kind="match_decision",
        object_id=str(saved.pk),
        content={"kind": kind, "left": left, "right": right, "decision": decision, "reason": saved.reason},
    )
    saved.ledger_index = event.index
    saved.save(update_fields=["ledger_index"])
    ReviewPair.objects.filter(kind=kind, left_key=left, right_key=right).delete()
    return saved
