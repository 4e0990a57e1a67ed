"""The JSON API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Authentication: the browser session (with CSRF) or ``Authorization: Bearer <token>``. Each app adds
its router here; endpoints stay thin and call the app's services.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from jiancha.access.api import router as access_router
from jiancha.access.services import user_for_token
from jiancha.cases.api import router as cases_router
from jiancha.detect.api import router as detect_router
from jiancha.intake.api import router as intake_router
from jiancha.ledger.api import router as ledger_router
from jiancha.pool.api import router as pool_router
from jiancha.resolve.api import router as resolve_router
from jiancha.subjects.api import router as subjects_router


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> object | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
            # The language middleware ran before the token was read; a token's owner gets answers
            # in their saved language like a signed-in browser does (the middleware resets it after).
            if getattr(user, "language", "") in {code for code, _name in settings.LANGUAGES}:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        return user


api = NinjaAPI(
    title="Jiancha API",
    version="1",
    description="监察平台接口 / Jiancha supervision platform API",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)
api.add_router("/", access_router)
api.add_router("/pool", pool_router)
api.add_router("/cases", cases_router)
api.add_router("/", ledger_router)
api.add_router("/resolve", resolve_router)
api.add_router("/intake", intake_router)
api.add_router("/detect", detect_router)
api.add_router("/subjects", subjects_router)
