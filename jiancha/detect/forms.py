from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiancha.pool.services import MIN_PURPOSE_LENGTH

from .models import AlertStatus, DismissReason


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=AlertStatus.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConfirmForm(forms.Form):
    """Confirm an alert (确认): it becomes a lead carrying its evidence."""

    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class DismissForm(forms.Form):
    """Dismiss an alert (排除) for a reason from the list; "other" needs a note (checked in actions)."""

    reason = forms.ChoiceField(label=_("Reason"), choices=DismissReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class ProfileForm(forms.Form):
    """Opening a profile from an alert is a pool query: it needs a purpose, which the ledger keeps."""

    entity = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    purpose = forms.CharField(label=_("Purpose of the query"), min_length=MIN_PURPOSE_LENGTH, max_length=500)
