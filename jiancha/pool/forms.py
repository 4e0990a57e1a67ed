from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MIN_PURPOSE_LENGTH


class QueryForm(forms.Form):
    """A data-pool query: what to look for and why (查询事由 is required)."""

    q = forms.CharField(label=_("Name, resident ID or USCC"), max_length=100)
    birth_date = forms.DateField(label=_("Birth date (to narrow a common name)"), required=False)
    purpose = forms.CharField(label=_("Purpose of the query"), min_length=MIN_PURPOSE_LENGTH, max_length=500)
    case_reference = forms.CharField(label=_("Case or task reference"), max_length=100, required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
