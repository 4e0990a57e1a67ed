from django.urls import path

from . import views

app_name = "subjects"

urlpatterns = [
    path("", views.registry, name="registry"),
    path("entries/<int:pk>/", views.person, name="person"),
    path("changes/", views.changes, name="changes"),
    path("refresh/", views.refresh, name="refresh"),
    path("coverage/", views.coverage, name="coverage"),
    path("staffing/", views.staffing, name="staffing"),
]
