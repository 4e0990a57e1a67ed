"""Pool pages: query and profiles (query_pool), feeds and their quality, and uploads for liaisons."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from jiancha.access.decorators import capability_required
from jiancha.access.services import signed_in
from jiancha.identifiers import is_valid_resident_id, is_valid_uscc, normalize_resident_id, normalize_uscc

from . import services
from .forms import QueryForm, UploadForm
from .importer import ImportRefused, import_file
from .models import Feed

MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024


@capability_required("query_pool")
def query(request: HttpRequest) -> HttpResponse:
    """One box: a resident ID or USCC opens the profile; a name lists the candidates."""
    form = QueryForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        text = data["q"].strip()
        try:
            if is_valid_resident_id(text):
                answer = services.query_person(
                    signed_in(request), normalize_resident_id(text), data["purpose"], data["case_reference"]
                )
                return _render_profile(request, "person", answer)
            if is_valid_uscc(text):
                answer = services.query_company(
                    signed_in(request), normalize_uscc(text), data["purpose"], data["case_reference"]
                )
                return _render_profile(request, "company", answer)
            search, people, companies = services.search(
                signed_in(request), text, data["purpose"], data["case_reference"], data.get("birth_date")
            )
        except services.QueryRefused as refused:
            form.add_error(None, refused.message)
        else:
            context.update({"search": search, "people": people, "companies": companies})
    return render(request, "pool/query.html", context)


@capability_required("query_pool")
def profile(request: HttpRequest, token: str) -> HttpResponse:
    """A profile reached from a search result: it inherits that search's purpose."""
    try:
        kind, key = services.subject_from_token(token, signed_in(request).pk)
        parent = services.parent_search(signed_in(request), _int(request.GET.get("from")))
        if parent is None:
            raise services.QueryRefused(
                _("open profiles from a query made within the hour, so that the query has a purpose")
            )
        if kind == "person":
            answer = services.query_person(signed_in(request), key, parent=parent)
        else:
            answer = services.query_company(signed_in(request), key, parent=parent)
    except services.QueryRefused as refused:
        return render(
            request, "pool/query.html", {"form": QueryForm(), "refused": refused.message}, status=400
        )
    return _render_profile(request, kind, answer)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _render_profile(request: HttpRequest, kind: str, answer: services.ProfileAnswer) -> HttpResponse:
    return render(
        request,
        f"pool/{kind}.html",
        # Links on this page continue under this query's purpose.
        {"answer": answer, "sections": answer.sections, "query": answer.query, "search_id": answer.query.pk},
    )


@login_required
def feeds(request: HttpRequest) -> HttpResponse:
    visible = services.feeds_for(signed_in(request))
    if not visible and not services.has_capability(signed_in(request), "deliver_feed"):
        raise PermissionDenied(
            _("the feed registry is for analysts, security officers and department liaisons")
        )
    return render(request, "pool/feeds.html", {"qualities": [services.quality(feed) for feed in visible]})


@login_required
def feed_detail(request: HttpRequest, code: str) -> HttpResponse:
    feed = get_object_or_404(Feed, code=code)
    if not services.can_see_feed(signed_in(request), feed):
        raise PermissionDenied(_("feed %(code)s is not yours to see") % {"code": code})
    batches = feed.batches.all()[:50]
    latest = batches[0] if batches else None
    return render(
        request,
        "pool/feed.html",
        {
            "quality": services.quality(feed),
            "batches": batches,
            "rejects": latest.rejected_rows.all()[:200] if latest else [],
            "can_upload": services.can_deliver(signed_in(request), feed),
        },
    )


@login_required
def upload(request: HttpRequest, code: str) -> HttpResponse:
    feed = get_object_or_404(Feed, code=code)
    if not services.can_deliver(signed_in(request), feed):
        raise PermissionDenied(_("only the feed's liaison may deliver its files"))
    form = UploadForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        if uploaded.size > MAX_UPLOAD_BYTES:
            error = _("the file is larger than 2 GB")
        else:
            folder = Path(tempfile.mkdtemp(prefix="jiancha-upload-"))
            try:
                target = folder / Path(uploaded.name).name
                with target.open("wb") as handle:
                    for chunk in uploaded.chunks():
                        handle.write(chunk)
                outcome = import_file(feed.code, target, imported_by=signed_in(request).get_username())
            except ImportRefused as refused:
                error = refused.message
            else:
                return redirect(f"{request.path.rsplit('/upload', 1)[0]}/?batch={outcome.batch.pk}")
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    return render(
        request,
        "pool/upload.html",
        {"feed": feed, "form": form, "error": error},
        status=400 if error else 200,
    )


@capability_required("read_access_log")
def queries(request: HttpRequest) -> HttpResponse:
    """The log of data queries (个人信息查询记录) for the security officer: who asked what, and why."""
    from .models import ProfileQuery

    rows = ProfileQuery.objects.order_by("-requested_at")[:300]
    return render(request, "pool/queries.html", {"queries": rows})
