from django.urls import URLPattern, path

from . import views

app_name = "cases"

urlpatterns: list[URLPattern] = [
    path("", views.case_list, name="cases"),
    path("mine/", views.case_list, {"preset": "my_cases"}, name="my_cases"),
    path("review/", views.case_list, {"preset": "review"}, name="review"),
    path("transferred/", views.case_list, {"preset": "transferred"}, name="transferred"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/act/", views.case_action, name="case_action"),
    path("<int:pk>/evidence/<int:item>/", views.evidence_file, name="evidence_file"),
    path("leads/", views.lead_list, name="leads"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/<int:pk>/", views.lead_detail, name="lead"),
    path("leads/<int:pk>/act/", views.lead_action, name="lead_action"),
    path("approvals/", views.approval_list, name="approvals"),
    path("approvals/<int:pk>/", views.approval_decide, name="approval_decide"),
    path("deadlines/", views.deadline_list, name="deadlines"),
    path("report/", views.cycle_report, name="report"),
]
