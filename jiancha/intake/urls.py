from django.urls import URLPattern, path

from . import views

app_name = "intake"

urlpatterns: list[URLPattern] = [
    path("", views.public_form, name="public_form"),
    path("follow/", views.follow, name="follow"),
    path("wechat/", views.wechat_webhook, name="wechat"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/<int:pk>/", views.staff_report, name="staff_report"),
    path("staff/<int:pk>/identity/", views.staff_identity, name="staff_identity"),
    path("staff/attachments/<int:pk>/", views.staff_attachment, name="staff_attachment"),
]
