from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiancha.pool.services import MIN_PURPOSE_LENGTH


class GraphForm(forms.Form):
    """A relation-graph query: whose relations, how far, and why (查询事由 is required)."""

    # Up to 30 characters typed by hand; longer is a subject token from another page's link.
    subject = forms.CharField(label=_("Resident ID or USCC"), max_length=400)
    hops = forms.TypedChoiceField(
        label=_("Hops"), choices=[(1, "1"), (2, "2"), (3, "3")], coerce=int, initial=2
    )
    purpose = forms.CharField(label=_("Purpose of the query"), min_length=MIN_PURPOSE_LENGTH, max_length=500)
    case_reference = forms.CharField(label=_("Case or task reference"), max_length=100, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("same entity")), ("reject", _("different entities"))]
    )
    reason = forms.CharField(label=_("Reason"), min_length=4, max_length=500)
