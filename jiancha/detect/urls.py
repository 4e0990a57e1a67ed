from django.urls import path

from . import views

app_name = "detect"

urlpatterns = [
    path("", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert, name="alert"),
    path("alerts/<int:pk>/status/", views.alert_status, name="alert_status"),
    path("alerts/<int:pk>/profile/", views.open_profile, name="open_profile"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/<str:code>/", views.indicator, name="indicator"),
    path("runs/", views.runs, name="runs"),
]
