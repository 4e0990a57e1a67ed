"""What the pool offers people: feeds and their quality, profiles under a stated purpose, masking.

Every query of a person's or company's data requires a purpose, is recorded (ProfileQuery) with its
request and answer times, and is written to the ledger.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiancha.access.models import User
from jiancha.access.services import has_capability
from jiancha.ledger.services import actor_label, record_event

from . import profiles
from .models import BatchStatus, Feed, ImportBatch, ProfileQuery

MIN_PURPOSE_LENGTH = 4
SEARCH_VALID_FOR = timedelta(hours=1)


class QueryRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- masking (脱敏) ---------------------------------------------------------------------------------


def mask_id_number(value: str | None) -> str:
    """Resident ID or USCC: the first 4 and last 2 characters stay, enough to tell two apart."""
    if not value:
        return ""
    return value[:4] + "*" * max(len(value) - 6, 0) + value[-2:] if len(value) > 6 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)


def sees_full_identifiers(user: User) -> bool:
    """Investigators, working a case, need the full numbers; everyone else sees them masked."""
    return has_capability(user, "investigate_case")


ID_FIELDS = {
    "idNumber",
    "owner",
    "coOwner",
    "legalRepresentative",
    "director",
    "employee",
    "relative",
    "recipient",
    "declarant",
}
USCC_FIELDS = {
    "uscCode",
    "employer",
    "ownerCompany",
    "asset",
    "supplier",
    "bidder",
    "organization",
    "taxpayer",
}
PHONE_FIELDS = {"phone"}
ACCOUNT_FIELDS = {"account", "accountNumber", "payerAccount", "beneficiaryAccount"}
ADDRESS_FIELDS = {"address"}


def _fernet() -> Fernet:
    key = hashlib.sha256(f"jiancha.pool.subject:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def subject_token(kind: str, key: str, user_id: int) -> str:
    """An opaque handle for linking to a profile: encrypted (the ID number is not readable in the
    page, the URL or the server's logs), bound to one user, and valid for as long as a search is."""
    payload = json.dumps({"k": kind, "v": key, "u": user_id}).encode()
    return _fernet().encrypt(payload).decode()


def subject_from_token(token: str, user_id: int) -> tuple[str, str]:
    try:
        data = json.loads(_fernet().decrypt(token.encode(), ttl=int(SEARCH_VALID_FOR.total_seconds())))
    except (InvalidToken, ValueError):
        raise QueryRefused(_("the link to this profile is not valid or has expired")) from None
    if data.get("u") != user_id:
        raise QueryRefused(_("the link to this profile is not valid or has expired"))
    return str(data["k"]), str(data["v"])


def mask_address(value: str | None) -> str:
    """Keep the place down to the township or street (乡镇/街道), hide the house."""
    if not value:
        return ""
    for marker in ("街道", "镇", "乡"):
        at = value.find(marker)
        if at != -1:
            return value[: at + len(marker)] + "****"
    return value[:6] + "****"


def present(facts: list[dict[str, Any]], full: bool, user_id: int) -> list[dict[str, Any]]:
    """Facts as a given user may see them: identifiers, phones, accounts and addresses masked unless
    ``full``; links to other profiles as encrypted tokens bound to the user."""
    shown = []
    for fact in facts:
        item = dict(fact)
        for name, value in fact.items():
            if not isinstance(value, str) or not value:
                continue
            if name in ID_FIELDS and len(value) == 18 and value[:6].isdigit():
                item[f"{name}_link"] = subject_token("person", value, user_id)
                if not full:
                    item[name] = mask_id_number(value)
            elif name in USCC_FIELDS and len(value) == 18:
                # A company's code is public registry data; it stays readable.
                item[f"{name}_link"] = subject_token("company", value, user_id)
            elif name in PHONE_FIELDS and not full:
                item[name] = mask_phone(value)
            elif name in ACCOUNT_FIELDS and not full:
                item[name] = mask_id_number(value)
            elif name in ADDRESS_FIELDS and not full:
                item[name] = mask_address(value)
        shown.append(item)
    return shown


# --- purpose checks registered by apps above (cases: investigators query under their own case) ---

PurposeCheck = Callable[[User, str], str | None]
_purpose_checks: list[PurposeCheck] = []


def register_purpose_check(check: PurposeCheck) -> PurposeCheck:
    """Add a check run on every query: it returns a refusal message, or None to let it pass."""
    if check not in _purpose_checks:
        _purpose_checks.append(check)
    return check


def _run_purpose_checks(user: User, case_reference: str) -> None:
    for check in _purpose_checks:
        refusal = check(user, case_reference)
        if refusal:
            raise QueryRefused(refusal)


# --- the query log --------------------------------------------------------------------------------


def _digest(key: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()


def _check_purpose(purpose: str) -> str:
    text = purpose.strip()
    if len(text) < MIN_PURPOSE_LENGTH:
        raise QueryRefused(
            _("state the purpose of this query (at least %(n)d characters)") % {"n": MIN_PURPOSE_LENGTH}
        )
    return text[:500]


def role_of(user: User) -> str:
    """The user's role code, as the ledger's actor label names it."""
    names = list(user.groups.values_list("name", flat=True))
    return names[0] if names else ""


@transaction.atomic
def _log(
    user: User,
    kind: str,
    key: str,
    masked: str,
    purpose: str,
    case_reference: str,
    parent: ProfileQuery | None,
) -> ProfileQuery:
    query = ProfileQuery.objects.create(
        user=user,
        username=user.get_username(),
        kind=kind,
        subject_digest=_digest(key),
        subject_masked=masked,
        purpose=purpose,
        case_reference=case_reference.strip()[:100],
        parent=parent,
        requested_at=timezone.now(),
    )
    event = record_event(
        kind=f"pool.query.{kind}",
        actor=actor_label(user.get_username(), role_of(user)),
        object_kind="data_query",
        object_id=str(query.pk),
        content={"subject": key, "kind": kind, "purpose": purpose, "case": case_reference, "query": query.pk},
    )
    query.ledger_index = event.index
    query.save(update_fields=["ledger_index"])
    return query


def _answered(query: ProfileQuery, facts: int) -> None:
    query.answered_at = timezone.now()
    query.facts_returned = facts
    query.save(update_fields=["answered_at", "facts_returned"])


def _require(user: User) -> None:
    if not has_capability(user, "query_pool"):
        raise QueryRefused(_("querying the data pool needs the right “query_pool”"))


def parent_search(user: User, query_id: int | None) -> ProfileQuery | None:
    """A recent query (a search or a profile) by the same user, whose purpose a follow-up inherits."""
    if not query_id:
        return None
    return ProfileQuery.objects.filter(
        pk=query_id, user=user, requested_at__gte=timezone.now() - SEARCH_VALID_FOR
    ).first()


def open_query(
    user: User, kind: str, key: str, masked: str, purpose: str, case_reference: str = ""
) -> ProfileQuery:
    """Check and record a query of a person's or company's data made elsewhere (the relation graph):
    the same right, purpose and case checks, log and ledger event as a profile query."""
    _require(user)
    purpose = _check_purpose(purpose)
    _run_purpose_checks(user, case_reference)
    return _log(user, kind, key, masked, purpose, case_reference, None)


def close_query(query: ProfileQuery, facts: int) -> None:
    _answered(query, facts)


@dataclass
class ProfileAnswer:
    profile: profiles.PersonProfile | profiles.CompanyProfile
    query: ProfileQuery
    sections: dict[str, list[dict[str, Any]]]
    full_identifiers: bool


def query_person(
    user: User,
    id_number: str,
    purpose: str = "",
    case_reference: str = "",
    parent: ProfileQuery | None = None,
) -> ProfileAnswer:
    _require(user)
    purpose = parent.purpose if parent else _check_purpose(purpose)
    case_reference = parent.case_reference if parent else case_reference
    _run_purpose_checks(user, case_reference)
    try:
        key = profiles.valid_resident_id(id_number)
    except profiles.ProfileError as error:
        raise QueryRefused(str(error)) from None
    query = _log(user, "person", key, mask_id_number(key), purpose, case_reference, parent)
    profile = profiles.person_profile(key)
    full = sees_full_identifiers(user)
    sections = {name: present(getattr(profile, name), full, user.pk) for name in profile.sections()}
    _answered(query, sum(len(v) for v in sections.values()))
    return ProfileAnswer(profile, query, sections, full)


def query_company(
    user: User, usc_code: str, purpose: str = "", case_reference: str = "", parent: ProfileQuery | None = None
) -> ProfileAnswer:
    _require(user)
    purpose = parent.purpose if parent else _check_purpose(purpose)
    case_reference = parent.case_reference if parent else case_reference
    _run_purpose_checks(user, case_reference)
    try:
        profile = profiles.company_profile(usc_code)
    except profiles.ProfileError as error:
        raise QueryRefused(str(error)) from None
    query = _log(user, "company", profile.usc_code, profile.usc_code, purpose, case_reference, parent)
    full = sees_full_identifiers(user)
    sections = {name: present(getattr(profile, name), full, user.pk) for name in profile.sections()}
    _answered(query, sum(len(v) for v in sections.values()))
    return ProfileAnswer(profile, query, sections, full)


def search(
    user: User, text: str, purpose: str, case_reference: str = "", birth_date: date | None = None
) -> tuple[ProfileQuery, list[dict[str, Any]], list[dict[str, Any]]]:
    """People by name (and birth date) and companies by name or USCC; recorded like any query."""
    _require(user)
    purpose = _check_purpose(purpose)
    _run_purpose_checks(user, case_reference)
    term = text.strip()
    if not term:
        raise QueryRefused(_("enter a name, an ID number or a USCC"))
    query = _log(user, "search", term, term[:1] + "*" * (len(term) - 1), purpose, case_reference, None)
    people = profiles.search_people(term, birth_date.isoformat() if birth_date else None)
    companies = profiles.search_companies(term)
    full = sees_full_identifiers(user)
    shown_people, shown_companies = present(people, full, user.pk), present(companies, full, user.pk)
    _answered(query, len(people) + len(companies))
    return query, shown_people, shown_companies


# --- feeds and their quality --------------------------------------------------------------------


@dataclass(frozen=True)
class FeedQuality:
    feed: Feed
    batches: int
    rows_delivered: int
    rows_loaded: int
    rows_rejected: int
    rejects_by_reason: dict[str, int]
    last_delivery: ImportBatch | None
    late: bool
    due: date | None


def batch_sources(batch_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Batch -> (feed code, file name as imported): where a pool row came from (来源)."""
    return {
        pk: (code, name)
        for pk, code, name in ImportBatch.objects.filter(pk__in=batch_ids).values_list(
            "pk", "feed__code", "file_name"
        )
    }


def feeds_for(user: User) -> list[Feed]:
    """Analysts and security officers see every feed; a department liaison only their own."""
    if has_capability(user, "analyse_data") or has_capability(user, "read_access_log"):
        return list(Feed.objects.all())
    if has_capability(user, "deliver_feed"):
        return list(Feed.objects.filter(liaison=user))
    return []


def can_see_feed(user: User, feed: Feed) -> bool:
    return any(f.pk == feed.pk for f in feeds_for(user))


def can_deliver(user: User, feed: Feed) -> bool:
    return (has_capability(user, "deliver_feed") and feed.liaison_id == user.pk) or has_capability(
        user, "analyse_data"
    )


def quality(feed: Feed, today: date | None = None) -> FeedQuality:
    batches = list(feed.batches.all())
    counted = [
        b
        for b in batches
        if b.status in {BatchStatus.COMMITTED, BatchStatus.REJECTED, BatchStatus.ROLLED_BACK}
    ]
    reasons: dict[str, int] = {}
    for batch in counted:
        for reason, count in batch.reject_summary.items():
            reasons[reason] = reasons.get(reason, 0) + int(count)
    delivered = [b for b in batches if b.status != BatchStatus.FAILED]
    last = max(delivered, key=lambda b: b.started) if delivered else None
    now = today or timezone.localdate()
    due = (timezone.localtime(last.started).date() + timedelta(days=feed.cadence_days)) if last else None
    return FeedQuality(
        feed=feed,
        batches=len(counted),
        rows_delivered=sum(b.rows_read for b in counted),
        rows_loaded=sum(b.rows_loaded for b in counted if b.status == BatchStatus.COMMITTED),
        rows_rejected=sum(b.rows_rejected for b in counted),
        rejects_by_reason=dict(sorted(reasons.items(), key=lambda item: -item[1])),
        last_delivery=last,
        late=due is None or now > due,
        due=due,
    )


def table_label(name: str, language: str) -> str:
    """A pool table's label (资源池表名) in the reader's language; an unknown name as it is."""
    from . import schema

    table = schema.tables().get(name)
    if table is None:
        return name
    return table.label_zh if language.startswith("zh") else table.label_en
