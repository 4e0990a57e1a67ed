"""Every change of state of a report (Zulip's ``do_*`` pattern): each writes the change and its ledger
event in one transaction, so an acknowledged report is on disk with its event or not at all.

The ledger receives a salted commitment to what happened (channel, decision, the hash of a file),
never the reporter's identity.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jiancha.access.models import User
from jiancha.access.services import has_capability, roles_of, visible_divisions
from jiancha.cases.actions import PersonInput
from jiancha.cases.errors import ActionRefused, StaleVersion
from jiancha.cases.models import LeadSource
from jiancha.cases.services import create_lead
from jiancha.cases.workdays import CALENDAR_MISSING, CalendarNotLoaded, add_working_days
from jiancha.identifiers import IdentifierError, parse_resident_id
from jiancha.ledger.services import actor_label, record_event
from jiancha.orgs.models import Division

from . import keys, receipts
from .files import CheckedFile, max_bytes_per_report, max_files_per_report
from .models import Attachment, Channel, Message, Report, Satisfaction, State
from .text import clean_line, clean_text, similarity

FEEDBACK_WORKING_DAYS = 15  # 实名举报受理情况、办理结果告知: 15 working days (DOMAIN.md §3)
TRANSFER_WORKING_DAYS = 5  # 上报 / 转下级: 5 working days
GROUP_SIMILARITY = 0.35  # character-bigram Jaccard at which two reports on one person are grouped
FACTS_LIMIT = 20000  # characters of "what happened"
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


class InvalidReport(ActionRefused):
    """The report cannot be taken as filled in; ``errors`` maps each field to its problem."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors.values()))


@dataclass
class ReportInput:
    """What a reporter (or the officer writing down a letter, visit or call) gives."""

    concerns_name: str  # 被反映人姓名
    facts: str  # 主要问题
    concerns_unit: str = ""
    concerns_position: str = ""
    concerns_leader: bool = False  # 反映本级领导: goes up
    happened_when: str = ""
    happened_where: str = ""
    real_name: bool = False  # 实名
    reporter_name: str = ""
    reporter_id_number: str = ""
    reporter_phone: str = ""
    reporter_contact: dict[str, str] = field(default_factory=dict)  # e.g. a WeChat OpenID


def clean_input(data: ReportInput) -> ReportInput:
    """Normalise every field; raise ``InvalidReport`` with a message per bad field."""
    clean = ReportInput(
        concerns_name=clean_line(data.concerns_name, 100),
        facts=clean_text(data.facts, FACTS_LIMIT),
        concerns_unit=clean_line(data.concerns_unit),
        concerns_position=clean_line(data.concerns_position),
        concerns_leader=data.concerns_leader,
        happened_when=clean_line(data.happened_when),
        happened_where=clean_line(data.happened_where),
        real_name=data.real_name,
        reporter_name=clean_line(data.reporter_name, 100) if data.real_name else "",
        reporter_id_number=data.reporter_id_number.strip() if data.real_name else "",
        reporter_phone=clean_line(data.reporter_phone, 30) if data.real_name else "",
        reporter_contact=data.reporter_contact,
    )
    errors: dict[str, str] = {}
    # Longer than the form allows: refused with a reason rather than cut without a word.
    for name, limit in (
        ("concerns_name", 100),
        ("facts", FACTS_LIMIT),
        ("happened_when", 200),
        ("happened_where", 200),
    ):
        if len(getattr(data, name).strip()) > limit:
            errors[name] = _("at most %(n)d characters") % {"n": limit}
    if not clean.concerns_name and "concerns_name" not in errors:
        errors["concerns_name"] = _("say whom the report concerns (a name, or a description)")
    if len(clean.facts) < 10:
        errors["facts"] = _("describe what happened (at least 10 characters)")
    if clean.real_name:
        if not clean.reporter_name:
            errors["reporter_name"] = _("a real-name report needs your name")
        try:
            clean.reporter_id_number = parse_resident_id(clean.reporter_id_number).number
        except IdentifierError as error:
            errors["reporter_id_number"] = _("resident ID number: %(problem)s") % {"problem": error.message}
        if not _PHONE.match(clean.reporter_phone):
            errors["reporter_phone"] = _("give a phone number we can call (digits only)")
    if errors:
        raise InvalidReport(errors)
    return clean


def _actor(user: User | None, capability: str = "register_report") -> str:
    if user is None:
        return actor_label("public")  # 群众: nobody is named
    role = next((r.code for r in roles_of(user) if capability in r.capabilities), "")
    return actor_label(user.get_username(), role)


def _event(
    kind: str, user: User | None, report: Report, content: dict[str, Any], capability: str = ""
) -> None:
    record_event(
        kind=f"intake.{kind}",
        actor=_actor(user, capability or "register_report"),
        object_kind="report",
        object_id=report.number,
        content=content,
    )


def _due(start: dt.date, days: int, report: Report) -> dt.date | None:
    """A working-day due date, or None with the problem noted when that year's calendar is missing."""
    try:
        return add_working_days(start, days)
    except CalendarNotLoaded as error:
        report.clock_problem = f"{CALENDAR_MISSING}{error.year}"
        return None


def recompute_clocks(reports: Any = None) -> int:
    """Compute the due dates left empty because a calendar year was missing (e.g. once it is loaded).

    Only reports with a ``clock_problem`` are touched; a clock that still cannot be computed keeps
    its problem. Returns how many reports now have all their clocks. Called by ``jiancha
    intake_clocks`` and, lazily, whenever clocks are listed or counted (services).
    """
    pending = (reports if reports is not None else Report.objects.all()).exclude(clock_problem="")
    fixed = 0
    for report in pending:
        before = report.clock_problem
        report.clock_problem = ""
        changes: dict[str, Any] = {}
        if report.real_name and report.acceptance_due is None:
            changes["acceptance_due"] = _due(
                timezone.localdate(report.received_at), FEEDBACK_WORKING_DAYS, report
            )
        if report.real_name and report.closed_on is not None and report.result_due is None:
            changes["result_due"] = _due(report.closed_on, FEEDBACK_WORKING_DAYS, report)
        if (
            report.state in (State.TRANSFERRED_UP, State.TRANSFERRED_DOWN)
            and report.transfer_due is None
            and report.decided_at is not None
        ):
            changes["transfer_due"] = _due(
                timezone.localdate(report.decided_at), TRANSFER_WORKING_DAYS, report
            )
        changes["clock_problem"] = report.clock_problem
        if report.clock_problem == before and not any(v for k, v in changes.items() if k != "clock_problem"):
            continue  # still missing the same calendar: nothing to write
        with transaction.atomic():
            Report.objects.filter(pk=report.pk).update(**changes)
        fixed += not report.clock_problem
    return fixed


def _add_files(report: Report, files: Sequence[CheckedFile]) -> list[str]:
    for checked in files:
        Attachment.objects.create(
            report=report,
            name=checked.name,
            content_type=checked.content_type,
            size=len(checked.cleaned),
            sha256=checked.sha256,
            cleaned=checked.cleaned,
            original_sealed=keys.seal(checked.original),
        )
    return [f.sha256 for f in files]


def submit_report(
    *,
    channel: str,
    division: Division,
    data: ReportInput,
    files: Sequence[CheckedFile] = (),
    received_by: User | None = None,
    received_at: dt.datetime | None = None,
    channel_ref: str = "",
) -> tuple[Report, str]:
    """Register a report from any of the five channels (登记); returns it and its receipt code.

    The code is returned once and never stored; only its slow hash is. Web and WeChat reports have
    no receiving officer; letters, visits and calls name the officer who wrote them down.
    """
    if channel not in Channel.values:
        raise ActionRefused(_("unknown channel “%(channel)s”") % {"channel": channel})
    if channel in (Channel.LETTER, Channel.VISIT, Channel.PHONE) and received_by is None:
        raise ActionRefused(_("a letter, visit or call is registered by the officer who received it"))
    data = clean_input(data)
    code = receipts.new_code()
    code_hash = receipts.receipt_hash(code)  # slow: outside the transaction
    now = timezone.now()
    received_at = received_at or now
    identity = b""
    if data.real_name or data.reporter_contact:
        identity = keys.seal_json(
            {
                "name": data.reporter_name,
                "id_number": data.reporter_id_number,
                "phone": data.reporter_phone,
                **data.reporter_contact,
            }
        )
    with transaction.atomic():
        report = Report(
            channel=channel,
            division=division,
            received_at=received_at,
            received_by=received_by,
            channel_ref=clean_line(channel_ref, 120),
            concerns_name=data.concerns_name,
            concerns_unit=data.concerns_unit,
            concerns_position=data.concerns_position,
            concerns_leader=data.concerns_leader,
            facts=data.facts,
            happened_when=data.happened_when,
            happened_where=data.happened_where,
            real_name=data.real_name,
            identity_sealed=identity,
            receipt_hash=code_hash,
        )
        if data.real_name:
            report.acceptance_due = _due(timezone.localdate(received_at), FEEDBACK_WORKING_DAYS, report)
        report.save()
        hashes = _add_files(report, files)
        _event(
            "report_received",
            received_by,
            report,
            {"channel": channel, "division": division.code, "real_name": data.real_name, "files": hashes},
        )
    return report, code


def find_by_receipt(code: str) -> Report | None:
    """The report a receipt code opens, or None (a wrong code reveals nothing)."""
    code = receipts.normalise(code)
    if not receipts.well_formed(code):
        return None
    return Report.objects.filter(receipt_hash=receipts.receipt_hash(code)).first()


# --- the reporter, with the receipt code ---------------------------------------------------------------


def reporter_adds(report: Report, text: str, files: Sequence[CheckedFile] = ()) -> Message:
    """The reporter answers a question or adds information (补充材料)."""
    text = clean_text(text)
    if not text and not files:
        raise InvalidReport({"text": _("write something or attach a file")})
    with transaction.atomic():
        if files:
            # Per receipt code: a report cannot be made a store of unlimited files.
            Report.objects.select_for_update().filter(pk=report.pk).first()
            held = report.attachments.aggregate(n=Count("id"), size=Sum("size"))
            if held["n"] + len(files) > max_files_per_report():
                raise InvalidReport(
                    {
                        "attachments": _("a report can hold at most %(n)d files")
                        % {"n": max_files_per_report()}
                    }
                )
            if (held["size"] or 0) + sum(len(f.cleaned) for f in files) > max_bytes_per_report():
                raise InvalidReport(
                    {
                        "attachments": _("a report can hold at most %(mb)d MB of files")
                        % {"mb": max_bytes_per_report() // (1024 * 1024)}
                    }
                )
        message = Message.objects.create(report=report, kind=Message.Kind.REPORTER, text=text)
        hashes = _add_files(report, files)
        _event("reporter_added", None, report, {"message": message.pk, "files": hashes})
    return message


def rate(report: Report, satisfaction: str) -> None:
    """The reporter rates the handling (满意度评价), once the result has been told."""
    if satisfaction not in Satisfaction.values:
        raise InvalidReport({"satisfaction": _("choose one of the answers")})
    if report.result_told_at is None and report.state != State.NOT_ACCEPTED:
        raise ActionRefused(_("you can rate the handling once you have been told its result"))
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(satisfaction=satisfaction)
        report.satisfaction = satisfaction
        _event("rated", None, report, {"satisfaction": satisfaction})


# --- intake staff --------------------------------------------------------------------------------------


def _need(user: User, capability: str, report: Report | None = None) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(_("this needs the right “%(capability)s”") % {"capability": capability})
    if report is not None and not visible_divisions(user).filter(pk=report.division_id).exists():
        raise PermissionDenied(_("this report lies outside your scope"))


def _claim(report: Report, version: int, **changes: Any) -> None:
    """Optimistic locking: apply ``changes`` only if nobody changed the report since ``version``."""
    updated = Report.objects.filter(pk=report.pk, version=version).update(version=version + 1, **changes)
    if not updated:
        raise StaleVersion(_("someone else changed this report since you opened it; reload the page"))
    for name, value in changes.items():
        setattr(report, name, value)
    report.version = version + 1


OPEN_STATES = (State.REGISTERED, State.TRANSFERRED_DOWN, State.TRANSFERRED_UP)


def _open(report: Report) -> None:
    if report.state not in OPEN_STATES:
        raise ActionRefused(
            _("this report has already been decided (%(state)s)") % {"state": report.get_state_display()}
        )


def accept(
    report: Report,
    user: User,
    *,
    version: int,
    division: Division | None = None,
    priority: bool = False,
) -> int:
    """Accept the report (受理) and pass it to case supervision as a lead; returns the lead's id.

    The lead carries what happened and whom it concerns, never who reported it.
    """
    _need(user, "register_report", report)
    _open(report)
    division = division or report.division
    if not visible_divisions(user).filter(pk=division.pk).exists():
        raise PermissionDenied(_("this report lies outside your scope"))
    if not division.code.startswith(report.division.prefix):
        raise ActionRefused(_("the lead goes to the report's commission or to one below it"))
    summary = "\n".join(
        part
        for part in (
            f"{report.get_channel_display()} {report.number}",
            report.facts,
            _("When: %(when)s") % {"when": report.happened_when} if report.happened_when else "",
            _("Where: %(where)s") % {"where": report.happened_where} if report.happened_where else "",
        )
        if part
    )
    with transaction.atomic():
        lead = create_lead(
            division=division,
            source=LeadSource.REPORT,
            summary=summary,
            persons=[
                PersonInput(
                    report.concerns_name,
                    position=" ".join(p for p in (report.concerns_unit, report.concerns_position) if p),
                )
            ],
            created_by=user,
            source_ref=report.number,
            priority=priority,
            received_on=timezone.localdate(report.received_at),
        )
        _claim(
            report,
            version,
            state=State.ACCEPTED,
            lead_id=lead.pk,
            lead_number=lead.number,
            decided_at=timezone.now(),
            decided_by=user,
            transfer_due=None,
        )
        _event("accepted", user, report, {"lead": lead.number, "division": division.code})
    return lead.pk


def transfer(report: Report, user: User, *, version: int, to: Division, reason: str) -> None:
    """Transfer up (上报: concerns this body's leaders) or down (转下级); the receiver has 5 working days."""
    _need(user, "register_report", report)
    _open(report)
    reason = clean_text(reason, 2000)
    if not reason:
        raise InvalidReport({"reason": _("give the reason for the transfer")})
    current = report.division
    if to.pk == current.parent_id:
        state = State.TRANSFERRED_UP
    elif to.parent_id == current.pk:
        state = State.TRANSFERRED_DOWN
    else:
        raise ActionRefused(_("a report goes to the level directly above or directly below"))
    with transaction.atomic():
        _claim(
            report,
            version,
            state=state,
            division=to,
            decision_reason=reason,
            decided_at=timezone.now(),
            decided_by=user,
            transfer_due=_due(timezone.localdate(), TRANSFER_WORKING_DAYS, report),
            clock_problem=report.clock_problem,
        )
        _event(state, user, report, {"from": current.code, "to": to.code, "reason": reason})


def retention_days() -> int:
    return int(getattr(settings, "INTAKE_RETENTION_DAYS", 365))


def not_accept(report: Report, user: User, *, version: int, reason: str) -> None:
    """Not accepted (不予受理), with the reason; the report is deleted after the retention period."""
    _need(user, "register_report", report)
    _open(report)
    reason = clean_text(reason, 2000)
    if not reason:
        raise InvalidReport({"reason": _("give the reason why the report is not accepted")})
    with transaction.atomic():
        _claim(
            report,
            version,
            state=State.NOT_ACCEPTED,
            decision_reason=reason,
            decided_at=timezone.now(),
            decided_by=user,
            transfer_due=None,
            expires_on=timezone.localdate() + dt.timedelta(days=retention_days()),
        )
        _event("not_accepted", user, report, {"reason": reason})


def conclude(report: Report, user: User, *, version: int, on: dt.date | None = None) -> None:
    """Record that handling has concluded (办结); the 15-working-day result clock starts."""
    _need(user, "register_report", report)
    if report.state != State.ACCEPTED:
        raise ActionRefused(_("only an accepted report's handling can be concluded"))
    on = on or timezone.localdate()
    with transaction.atomic():
        due = _due(on, FEEDBACK_WORKING_DAYS, report) if report.real_name else None
        _claim(
            report,
            version,
            state=State.CLOSED,
            closed_on=on,
            result_due=due,
            clock_problem=report.clock_problem,
        )
        _carry_result_clock(report, on)
        _event("concluded", user, report, {"closed_on": on.isoformat()})


def _carry_result_clock(head: Report, on: dt.date) -> None:
    """Reports merged into ``head`` share its handling: their real-name reporters are owed the result
    too, so each gets its own result clock from the day handling concluded."""
    for member in Report.objects.filter(group=head, state=State.MERGED, closed_on__isnull=True):
        member.clock_problem = ""
        due = _due(on, FEEDBACK_WORKING_DAYS, member) if member.real_name else None
        Report.objects.filter(pk=member.pk).update(
            closed_on=on, result_due=due, clock_problem=member.clock_problem, version=member.version + 1
        )


def write_to_reporter(report: Report, user: User, kind: str, text: str) -> Message:
    """A question, or feedback on acceptance or result (告知), shown to the reporter with the code.

    Feedback stops its clock. An internal note is kept with the report and never shown to the reporter.
    """
    _need(user, "register_report", report)
    text = clean_text(text, 5000)
    if not text:
        raise InvalidReport({"text": _("write the message")})
    if kind not in Message.Kind.values or kind == Message.Kind.REPORTER:
        raise ActionRefused(_("unknown kind of message"))
    if kind == Message.Kind.RESULT and report.state != State.CLOSED and report.closed_on is None:
        raise ActionRefused(_("record that handling has concluded before telling the result"))
    if kind == Message.Kind.ACCEPTANCE and report.state == State.REGISTERED:
        raise ActionRefused(
            _("decide on the report (accept, transfer or not accept) before telling the reporter")
        )
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(report=report, kind=kind, text=text, author=user)
        if kind == Message.Kind.ACCEPTANCE and report.acceptance_told_at is None:
            Report.objects.filter(pk=report.pk).update(acceptance_told_at=now)
            report.acceptance_told_at = now
        if kind == Message.Kind.RESULT and report.result_told_at is None:
            Report.objects.filter(pk=report.pk).update(result_told_at=now)
            report.result_told_at = now
        _event(f"message_{kind}", user, report, {"message": message.pk, "text": text})
    return message


def reveal_identity(report: Report, user: User, reason: str) -> dict[str, str]:
    """The reporter's identity, to intake staff with a reason; the viewing is written to the ledger."""
    _need(user, "view_reporter_identity", report)
    reason = clean_text(reason, 1000)
    if len(reason) < 4:
        raise InvalidReport({"reason": _("say why you need to see the reporter's identity")})
    if not report.identity_sealed:
        return {}
    identity = keys.unseal_json(bytes(report.identity_sealed))
    with transaction.atomic():
        _event("identity_viewed", user, report, {"reason": reason}, "view_reporter_identity")
    return {k: str(v) for k, v in identity.items()}


def original_attachment(attachment: Attachment, user: User, reason: str) -> bytes:
    """The original file as received (metadata included), with a reason, recorded in the ledger."""
    _need(user, "view_reporter_identity", attachment.report)
    reason = clean_text(reason, 1000)
    if len(reason) < 4:
        raise InvalidReport({"reason": _("say why you need the original file")})
    data = keys.unseal(bytes(attachment.original_sealed))
    with transaction.atomic():
        _event(
            "original_viewed",
            user,
            attachment.report,
            {"file": attachment.sha256, "reason": reason},
            "view_reporter_identity",
        )
    return data


def document_file(attachment: Attachment, user: User, reason: str) -> bytes:
    """A file kept as delivered (PDF, Word, Excel, text), which may carry its author's name in its
    metadata: like the reporter's identity, with a reason, recorded in the ledger."""
    _need(user, "view_reporter_identity", attachment.report)
    reason = clean_text(reason, 1000)
    if len(reason) < 4:
        raise InvalidReport({"reason": _("say why you need this file")})
    with transaction.atomic():
        _event(
            "file_viewed",
            user,
            attachment.report,
            {"file": attachment.sha256, "reason": reason},
            "view_reporter_identity",
        )
    return bytes(attachment.cleaned)


# --- duplicates and related reports ---------------------------------------------------------------------


def related_reports(report: Report, candidates: Iterable[Report]) -> list[tuple[Report, float]]:
    """Reports on the same person (same name) with similar text, most alike first (重复件、关联件)."""
    found = []
    for other in candidates:
        if other.pk == report.pk or other.concerns_name != report.concerns_name:
            continue
        score = similarity(report.facts, other.facts)
        if score >= GROUP_SIMILARITY:
            found.append((other, round(score, 2)))
    return sorted(found, key=lambda pair: -pair[1])


def merge(report: Report, into: Report, user: User, *, version: int) -> None:
    """Merge a duplicate into an earlier report (合并): it follows that report's handling."""
    _need(user, "register_report", report)
    _need(user, "register_report", into)
    _open(report)
    if into.pk == report.pk or into.state == State.MERGED:
        raise ActionRefused(_("choose another report to merge into"))
    with transaction.atomic():
        _claim(
            report,
            version,
            state=State.MERGED,
            group=into.group or into,
            lead_id=into.lead_id,
            lead_number=into.lead_number,
            decided_at=timezone.now(),
            decided_by=user,
            transfer_due=None,
        )
        head = into.group or into
        if head.closed_on is not None:  # the group's handling is already concluded: the result is owed
            _carry_result_clock(head, head.closed_on)
            report.refresh_from_db()
        _event("merged", user, report, {"into": into.number})


# --- retention ----------------------------------------------------------------------------------------


def purge_expired(today: dt.date | None = None) -> list[str]:
    """Delete reports not accepted whose retention has run out, with their files and messages.

    Each deletion is recorded in the ledger (the event keeps the number and the date, no content).
    Returns the numbers deleted.
    """
    today = today or timezone.localdate()
    deleted = []
    for head in Report.objects.filter(state=State.NOT_ACCEPTED, expires_on__lte=today):
        # Reports merged into it followed its handling: they go with it, each in the ledger.
        for report in [*Report.objects.filter(group=head, state=State.MERGED), head]:
            deleted.append(_purge(report, head))
    return deleted


def _purge(report: Report, head: Report) -> str:
    with transaction.atomic():
        number = report.number
        files = report.attachments.count()
        content: dict[str, Any] = {
            "expired_on": head.expires_on.isoformat() if head.expires_on else "",
            "files": files,
        }
        if report.pk != head.pk:
            content["merged_into"] = head.number
        record_event(
            kind="intake.report_deleted",
            actor=actor_label("system", "retention"),
            object_kind="report",
            object_id=number,
            content=content,
            legal_basis=_("retention of reports not accepted: %(days)d days") % {"days": retention_days()},
        )
        report.delete()
    return number
