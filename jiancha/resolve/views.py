"""Resolve pages: a person's or company's relation graph (query_pool) and the match review queue
(analyse_data). Thin: the work is in services, actions and drawing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from jiancha.access.decorators import capability_required
from jiancha.access.services import signed_in

from . import actions, drawing, ftm, services
from .forms import DecisionForm, GraphForm
from .models import ReviewPair


@capability_required("query_pool")
def relation_graph(request: HttpRequest) -> HttpResponse:
    form = GraphForm(request.POST or None)
    context: dict[str, object] = {"form": form, "size": drawing.SIZE}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            answer = services.related_parties(
                signed_in(request), data["subject"], data["purpose"], data["hops"], data["case_reference"]
            )
        except services.QueryRefused as refused:
            form.add_error(None, refused.message)
        else:
            if request.POST.get("format") == "ftm":
                response = HttpResponse(ftm.jsonl(answer), content_type="application/x-ndjson; charset=utf-8")
                response["Content-Disposition"] = 'attachment; filename="relations.ftm.jsonl"'
                return response
            nodes, lines = drawing.layout(
                answer.subject_ref, answer.subject_name or answer.subject, answer.kind, answer.parties
            )
            context.update({"answer": answer, "nodes": nodes, "lines": lines, "colours": drawing.COLOURS})
    return render(request, "resolve/graph.html", context)


@capability_required("analyse_data")
def review_queue(request: HttpRequest) -> HttpResponse:
    pairs = list(ReviewPair.objects.all()[:100])
    for pair in pairs:
        pair.explanation = services.explain(pair.explanation, pair.kind)
    return render(request, "resolve/review.html", {"pairs": pairs, "form": DecisionForm()})


@capability_required("analyse_data")
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    pair = get_object_or_404(ReviewPair, pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.decide_pair(
                signed_in(request),
                pair.kind,
                pair.left_key,
                pair.right_key,
                form.cleaned_data["decision"],
                form.cleaned_data["reason"],
            )
        except actions.DecisionRefused as refused:
            form.add_error(None, refused.message)
        else:
            return redirect("resolve:review")
    pair.explanation = services.explain(pair.explanation, pair.kind)
    return render(request, "resolve/review.html", {"pairs": [pair], "form": form, "focus": pair.pk})
