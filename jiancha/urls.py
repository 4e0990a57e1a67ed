"""Top-level URL map. Each app owns its own ``urls.py``; the JSON API lives under /api/."""

from django.contrib import admin
from django.urls import include, path

from jiancha.access import views as access_views
from jiancha.api import api

urlpatterns = [
    path("", access_views.home, name="home"),
    path("accounts/", include("jiancha.access.urls")),
    path("orgs/", access_views.org_tree, name="org_tree"),
    path("orgs/<str:code>/", access_views.org_division, name="org_division"),
    path("pool/", include("jiancha.pool.urls")),
    path("cases/", include("jiancha.cases.urls")),
    path("ledger/", include("jiancha.ledger.urls")),
    path("subjects/", include("jiancha.subjects.urls")),
    path("resolve/", include("jiancha.resolve.urls")),
    path("report/", include("jiancha.intake.urls")),
    path("detect/", include("jiancha.detect.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler403 = "jiancha.access.views.permission_denied"
handler404 = "jiancha.access.views.not_found"
