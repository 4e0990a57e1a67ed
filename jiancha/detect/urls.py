from django.urls import path

from . import views, views_fairness, views_review, views_risk

app_name = "detect"

urlpatterns = [
    path("", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert, name="alert"),
    path("alerts/<int:pk>/status/", views.alert_status, name="alert_status"),
    path("alerts/<int:pk>/profile/", views.open_profile, name="open_profile"),
    path("alerts/<int:pk>/confirm/", views_review.confirm_alert, name="confirm"),
    path("alerts/<int:pk>/dismiss/", views_review.dismiss_alert, name="dismiss"),
    path("review/", views_review.inbox, name="inbox"),
    path("changes/", views_review.changes, name="changes"),
    path("changes/<int:pk>/decide/", views_review.decide, name="decide"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/<str:code>/", views.indicator, name="indicator"),
    path("indicators/<str:code>/propose/", views_review.propose, name="propose"),
    path("runs/", views.runs, name="runs"),
    path("risk/", views_risk.risk_scores, name="risk"),
    path("fairness/", views_fairness.review_page, name="fairness"),
    path("fairness/export.<str:fmt>", views_fairness.export, name="fairness_export"),
]
