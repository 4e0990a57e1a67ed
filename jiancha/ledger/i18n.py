"""Translation for modules that must also run without Django (the offline verifier, the witness).

With Django configured, strings go through Django's catalogue (zh-hans by default); without it,
for a verifier outside the commission who runs ``python -m jiancha.ledger.verify``, the English
msgid is shown as it is.
"""

from __future__ import annotations


def gettext(message: str) -> str:
    try:
        from django.conf import settings

        if not settings.configured:
            return message
        from django.utils.translation import gettext as django_gettext

        return django_gettext(message)
    except Exception:  # an unconfigured or half-configured Django must never break verification
        return message
