"""Template helpers of the cases pages."""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

# The rules data marks a citation read only in secondary copies with "[unconfirmed]", or with
# "[unconfirmed: article number]" when the law is right but its article number was not checked.
UNCONFIRMED = re.compile(r"\s*\[unconfirmed(?::\s*article number)?\]")


@register.filter
def legal_basis(text: str) -> SafeString:
    """A legal basis with its data markers shown as a badge in the reader's language."""
    pieces: list[tuple[str, str]] = []
    position = 0
    for marker in UNCONFIRMED.finditer(text or ""):
        badge = _("article number unconfirmed") if "article" in marker.group() else _("citation unconfirmed")
        pieces.append((text[position : marker.start()], badge))
        position = marker.end()
    rendered = format_html_join(
        "",
        '{} <span class="badge unconfirmed" title="{}">{}</span>',
        (
            (before, _("read only in secondary sources; check before citing"), badge)
            for before, badge in pieces
        ),
    )
    return format_html("{}{}", rendered, (text or "")[position:])
