"""Pages of report intake. Thin: they parse the request, call ``actions``/``services``, render.

Public pages (no login): the report form, the receipt, and following a report up with its receipt
code. The code travels only in POST bodies (never in a URL, a cookie or a session), so nothing on the
reporter's device or in a proxy log keeps it. Staff pages need ``register_report``; the reporter's
identity needs ``view_reporter_identity`` and a reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from jiancha.access.decorators import capability_required
from jiancha.access.models import User
from jiancha.access.services import has_capability, visible_divisions
from jiancha.cases.errors import ActionRefused
from jiancha.cases.workdays import problem_text
from jiancha.orgs.models import Division

from . import abuse, actions, keys, receipts, services, wechat
from .files import AttachmentRefused, CheckedFile, check_file, max_bytes, max_files, too_large
from .middleware import declared_too_large
from .models import Attachment, Channel, Message, Report, Satisfaction, State

log = logging.getLogger("jiancha.intake")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _files(request: HttpRequest, errors: dict[str, str], name: str = "attachments") -> list[CheckedFile]:
    uploads = request.FILES.getlist(name)
    if len(uploads) > max_files():
        errors[name] = _("at most %(n)d files") % {"n": max_files()}
        return []
    checked = []
    for upload in uploads:
        try:
            if upload.size is not None and upload.size > max_bytes():
                raise too_large(upload.name or "", upload.size)  # refused without reading it
            checked.append(check_file(upload.name or "", upload.read()))
        except AttachmentRefused as error:
            errors[name] = str(error)
    return checked


def _report_input(post: Any) -> actions.ReportInput:
    return actions.ReportInput(
        concerns_name=post.get("concerns_name", ""),
        concerns_unit=post.get("concerns_unit", ""),
        concerns_position=post.get("concerns_position", ""),
        concerns_leader=post.get("concerns_leader") == "on",
        facts=post.get("facts", ""),
        happened_when=post.get("happened_when", ""),
        happened_where=post.get("happened_where", ""),
        real_name=post.get("real_name") == "1",
        reporter_name=post.get("reporter_name", ""),
        reporter_id_number=post.get("reporter_id_number", ""),
        reporter_phone=post.get("reporter_phone", ""),
    )


def _form_page(request: HttpRequest, template: str, errors: dict[str, str], **context: Any) -> HttpResponse:
    """A report form, again with what was typed and each field's problem (400) or fresh (200)."""
    context.update(
        errors=errors,
        form=request.POST if request.method == "POST" else {},
        max_kb=max_bytes() // 1024,
        max_files=max_files(),
    )
    return render(request, template, context, status=400 if errors else 200)


# --- public ------------------------------------------------------------------------------------------


@never_cache
def public_form(request: HttpRequest) -> HttpResponse:
    """The public report form (网上举报), anonymous or real-name, no login."""
    errors: dict[str, str] = {}
    divisions = services.public_divisions()
    if request.method == "POST":
        if declared_too_large(request):  # the middleware refuses it first; kept for direct calls
            errors["attachments"] = _("the report with its files is too large")
        elif not abuse.check_work(request.POST.get("pow_challenge", ""), request.POST.get("pow_nonce", "")):
            errors["form"] = _("the form's anti-spam check did not complete; please submit again")
        elif abuse.submit_limited(request):  # counted only once the work is done
            log.warning("intake: public submissions over the hourly limit from one client")
            errors["form"] = _("too many reports from this connection; please try again in an hour")
        else:
            files = _files(request, errors)
            division = divisions.filter(code=request.POST.get("division", "")).first()
            if division is None:
                errors["division"] = _("choose the commission the report goes to")
            if not errors:
                assert division is not None
                try:
                    report, code = actions.submit_report(
                        channel=Channel.WEB, division=division, data=_report_input(request.POST), files=files
                    )
                except actions.InvalidReport as error:
                    errors.update(error.errors)
                else:
                    return render(
                        request,
                        "intake/receipt.html",
                        {"report": report, "code": receipts.grouped(code), "real_name": report.real_name},
                    )
    return _form_page(
        request,
        "intake/public_form.html",
        errors,
        divisions=divisions,
        challenge=abuse.new_challenge(),
        pow_bits=abuse.pow_bits(),
    )


@never_cache
def follow(request: HttpRequest) -> HttpResponse:
    """Follow a report up with its receipt code (凭查询码查询): status, questions, feedback, rating."""
    if request.method != "POST":
        return render(request, "intake/follow_code.html", {})

    def refused(message: str, status: int, why: str) -> HttpResponse:
        log.warning("intake: %s", why)  # never the code or the address
        return render(request, "intake/follow_code.html", {"error": message}, status=status)

    if abuse.lookup_limited(request):
        return refused(
            _("too many attempts; please wait a quarter of an hour and try again"),
            429,
            "receipt-code attempts over the limit from one client",
        )
    code = request.POST.get("code", "")
    report = actions.find_by_receipt(code)
    if report is None:
        return refused(
            _("no report matches this code; check the digits"),
            404,
            "a receipt code that opens no report was tried",
        )
    errors: dict[str, str] = {}
    notice = ""  # not django.contrib.messages: that could leave a cookie on the reporter's device
    action = request.POST.get("action", "")
    if action == "add":
        if declared_too_large(request):
            errors["attachments"] = _("the report with its files is too large")
        files = [] if errors else _files(request, errors)
        if not errors:
            try:
                actions.reporter_adds(report, request.POST.get("text", ""), files)
                notice = _("Your information has been added to the report.")
            except actions.InvalidReport as error:
                errors.update(error.errors)
    elif action == "rate":
        try:
            actions.rate(report, request.POST.get("satisfaction", ""))
            notice = _("Thank you for rating the handling.")
        except ActionRefused as error:
            errors["satisfaction"] = str(error)
    return render(
        request,
        "intake/follow.html",
        {
            "report": report,
            "code": receipts.normalise(code),
            "thread": services.reporter_messages(report),
            "errors": errors,
            "notice": notice,
            "satisfaction": Satisfaction.choices,
            "can_rate": report.result_told_at is not None or report.state == State.NOT_ACCEPTED,
        },
        status=400 if errors else 200,
    )


# --- WeChat ------------------------------------------------------------------------------------------


def _wechat_report(msg_id: str) -> Report | None:
    if not msg_id:
        return None
    return Report.objects.filter(channel=Channel.WECHAT, channel_ref=msg_id[:120]).first()


def _wechat_already(message: wechat.WeChatMessage, report: Report) -> HttpResponse:
    """A message delivered again (same MsgId): no second report; the code cannot be shown again."""
    reply = _(
        "Your report %(number)s has already been received. Its receipt code was given in the first "
        "reply and cannot be shown again."
    ) % {"number": report.number}
    return HttpResponse(wechat.text_reply(message, reply), content_type="application/xml")


@csrf_exempt
def wechat_webhook(request: HttpRequest) -> HttpResponse:
    """The official account's server URL: GET echoes for verification, POST delivers a message."""
    params = request.GET
    if not wechat.signature_ok(
        params.get("timestamp", ""), params.get("nonce", ""), params.get("signature", "")
    ):
        log.warning("intake: WeChat request with a bad signature refused")
        return HttpResponse("invalid signature", status=403, content_type="text/plain")
    if request.method == "GET":
        return HttpResponse(params.get("echostr", ""), content_type="text/plain")
    if not wechat.fresh(params.get("timestamp", ""), params.get("nonce", "")):
        log.warning("intake: replayed WeChat request refused")
        return HttpResponse("replayed request", status=403, content_type="text/plain")
    try:
        message = wechat.parse(request.body)
    except wechat.BadMessage:
        return HttpResponseBadRequest("bad message", content_type="text/plain")
    earlier = _wechat_report(message.msg_id)
    if earlier is not None:
        return _wechat_already(message, earlier)
    if message.msg_type != "text":
        reply = _("Please send your report as a text message, or use the web form for files.")
        return HttpResponse(wechat.text_reply(message, reply), content_type="application/xml")
    division = (
        Division.objects.filter(code=wechat.division_code()).first() or services.public_divisions().first()
    )
    if division is None:
        return HttpResponse("not configured", status=503, content_type="text/plain")
    try:
        report, code = actions.submit_report(
            channel=Channel.WECHAT,
            division=division,
            data=actions.ReportInput(
                concerns_name=_("(see the message)"),
                facts=message.content,
                reporter_contact={"wechat_openid": message.from_user},
            ),
            channel_ref=message.msg_id,
        )
    except IntegrityError:  # the same message delivered twice at once: the other request made it
        earlier = _wechat_report(message.msg_id)
        if earlier is None:
            raise
        return _wechat_already(message, earlier)
    except actions.InvalidReport:
        reply = _("Please describe whom the report concerns and what happened (at least 10 characters).")
        return HttpResponse(wechat.text_reply(message, reply), content_type="application/xml")
    reply = _(
        "Your report %(number)s has been received. Your receipt code is %(code)s — keep it to follow "
        "the report up on the web; it will not be shown again."
    ) % {"number": report.number, "code": receipts.grouped(code)}
    return HttpResponse(wechat.text_reply(message, reply), content_type="application/xml")


# --- staff -------------------------------------------------------------------------------------------


@capability_required("register_report")
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    reports = services.reports_for(user).select_related("division")
    state = request.GET.get("state", "")
    if state in State.values:
        reports = reports.filter(state=state)
    return render(
        request,
        "intake/staff_list.html",
        {
            "reports": reports[:200],
            "clocks": services.due_soon(user, days=30)[:50],
            "states": State.choices,
            "state": state,
            "channels": [
                (Channel(code).label, n)
                for code, n in services.counts_by_channel(services.reports_for(user)).items()
            ],
            "feedback": services.feedback_kpi(services.reports_for(user)),
            "satisfaction": services.satisfaction_kpi(services.reports_for(user)),
        },
    )


STAFF_CHANNELS = [(c, label) for c, label in Channel.choices if c != Channel.WEB]


@capability_required("register_report")
def staff_new(request: HttpRequest) -> HttpResponse:
    """Register a letter (scan attached), visit, 12388 call or WeChat message written down by an officer."""
    user = _user(request)
    errors: dict[str, str] = {}
    divisions = visible_divisions(user).filter(level__lte=3).order_by("code")
    if request.method == "POST":
        channel = request.POST.get("channel", "")
        if channel not in dict(STAFF_CHANNELS):
            errors["channel"] = _("choose the channel the report came by")
        division = divisions.filter(code=request.POST.get("division", "")).first()
        if division is None:
            errors["division"] = _("choose the commission the report goes to")
        try:
            received_on = dt.date.fromisoformat(request.POST.get("received_on", ""))
        except ValueError:
            errors["received_on"] = _("give the date it was received (YYYY-MM-DD)")
            received_on = timezone.localdate()
        if received_on > timezone.localdate():
            errors["received_on"] = _("the date received cannot be in the future")
        files = _files(request, errors)
        if not errors:
            assert division is not None
            received_at = dt.datetime.combine(
                received_on, timezone.localtime().time(), tzinfo=timezone.get_current_timezone()
            )
            try:
                report, code = actions.submit_report(
                    channel=channel,
                    division=division,
                    data=_report_input(request.POST),
                    files=files,
                    received_by=user,
                    received_at=min(received_at, timezone.now()),
                    channel_ref=request.POST.get("channel_ref", ""),
                )
            except actions.InvalidReport as error:
                errors.update(error.errors)
            else:
                return render(
                    request, "intake/staff_receipt.html", {"report": report, "code": receipts.grouped(code)}
                )
    return _form_page(
        request,
        "intake/staff_new.html",
        errors,
        channels=STAFF_CHANNELS,
        divisions=divisions,
        today=timezone.localdate().isoformat(),
    )


def _staff_report(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(services.reports_for(_user(request)).select_related("division"), pk=pk)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise ActionRefused(_("the form is out of date; reload the page")) from None


def _staff_action(request: HttpRequest, report: Report) -> str:
    """Run the POSTed action; returns the confirmation to show."""
    user = _user(request)
    action = request.POST.get("action", "")
    post = request.POST
    if action == "accept":
        division = None
        if post.get("lead_division"):
            division = visible_divisions(user).filter(code=post["lead_division"]).first()
            if division is None:
                raise ActionRefused(_("choose a commission in your scope for the lead"))
        actions.accept(
            report, user, version=_version(request), division=division, priority=post.get("priority") == "on"
        )
        return _("Accepted; lead %(lead)s registered for case supervision.") % {"lead": report.lead_number}
    if action == "transfer":
        to = Division.objects.filter(code=post.get("to", "")).first()
        if to is None:
            raise ActionRefused(_("choose where the report goes"))
        actions.transfer(report, user, version=_version(request), to=to, reason=post.get("reason", ""))
        return _("Transferred to %(division)s.") % {"division": to.name}
    if action == "not_accept":
        actions.not_accept(report, user, version=_version(request), reason=post.get("reason", ""))
        return _("Recorded as not accepted.")
    if action == "conclude":
        actions.conclude(report, user, version=_version(request))
        return _("Handling recorded as concluded; tell the reporter the result.")
    if action == "message":
        actions.write_to_reporter(report, user, post.get("kind", ""), post.get("text", ""))
        return _("Message saved.")
    if action == "merge":
        into = services.reports_for(user).filter(pk=post.get("into") or 0).first()
        if into is None:
            raise ActionRefused(_("choose the report to merge into"))
        actions.merge(report, into, user, version=_version(request))
        return _("Merged into %(number)s.") % {"number": into.number}
    raise ActionRefused(_("unknown action"))


@capability_required("register_report")
def staff_report(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = _staff_report(request, pk)
    if request.method == "POST":
        try:
            messages.success(request, _staff_action(request, report))
            return HttpResponseRedirect(reverse("intake:staff_report", args=[report.pk]))
        except actions.InvalidReport as error:
            for problem in error.errors.values():
                messages.error(request, problem)
        except ActionRefused as error:
            messages.error(request, str(error))
        report = _staff_report(request, pk)
    scope = services.reports_for(user).exclude(pk=report.pk).exclude(state=State.MERGED)
    related = actions.related_reports(report, scope.filter(concerns_name=report.concerns_name)[:200])
    division = report.division
    return render(
        request,
        "intake/staff_report.html",
        {
            "report": report,
            "thread": list(report.messages.select_related("author")),
            "attachments": list(report.attachments.defer("cleaned", "original_sealed")),
            "related": related,
            "open": report.state in actions.OPEN_STATES,
            "lead_divisions": visible_divisions(user)
            .filter(code__startswith=division.prefix)
            .order_by("code")[:100],
            "up": division.parent,
            "down": Division.objects.filter(parent=division).order_by("code"),
            "message_kinds": [(k, label) for k, label in Message.Kind.choices if k != Message.Kind.REPORTER],
            "can_reveal": has_capability(user, "view_reporter_identity"),
            "clock_problem": problem_text(report.clock_problem) if report.clock_problem else "",
        },
    )


@capability_required("view_reporter_identity")
def staff_identity(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter's identity, after a reason; each viewing is a ledger event."""
    report = _staff_report(request, pk)
    identity: dict[str, str] | None = None
    error = ""
    if request.method == "POST":
        try:
            identity = actions.reveal_identity(report, _user(request), request.POST.get("reason", ""))
        except actions.InvalidReport as refused:
            error = "; ".join(refused.errors.values())
        except keys.KeyUnavailable:
            log.error("intake: the private key is not available for an identity request")
            error = _(
                "The reporter's identity cannot be opened on this server: the intake office's private "
                "key is not here or is missing. Ask the administrator (see docs/intake.md, Keys)."
            )
    response = render(
        request, "intake/staff_identity.html", {"report": report, "identity": identity, "error": error}
    )
    response["Cache-Control"] = "no-store"
    return response


def _download(data: bytes, attachment: Attachment) -> HttpResponse:
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.name)
    response["Cache-Control"] = "no-store"
    return response


@capability_required("register_report")
def staff_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """An attachment as a download, never rendered inline.

    Images (metadata removed) download directly. Other files are kept as delivered and may name
    their author in their metadata: like the reporter's identity, they need ``view_reporter_identity``
    and a reason, and each download is the ledger event ``intake.file_viewed``.
    """
    user = _user(request)
    attachment = get_object_or_404(Attachment.objects.select_related("report"), pk=pk)
    if not services.reports_for(user).filter(pk=attachment.report_id).exists():
        raise Http404  # as for a report outside the scope: whether it exists is not told
    if attachment.metadata_removed:
        return _download(bytes(attachment.cleaned), attachment)
    if not has_capability(user, "view_reporter_identity"):
        raise PermissionDenied(
            _("this file may carry its author's metadata; it needs the identity permission")
        )
    error = ""
    if request.method == "POST":
        try:
            return _download(
                actions.document_file(attachment, user, request.POST.get("reason", "")), attachment
            )
        except actions.InvalidReport as refused:
            error = "; ".join(refused.errors.values())
    response = render(
        request,
        "intake/staff_document.html",
        {"attachment": attachment, "report": attachment.report, "error": error},
        status=400 if error else 200,
    )
    response["Cache-Control"] = "no-store"
    return response
