from django.urls import path

from . import views

app_name = "pool"

urlpatterns = [
    path("", views.query, name="query"),
    path("profile/<str:token>/", views.profile, name="profile"),
    path("queries/", views.queries, name="queries"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/<slug:code>/", views.feed_detail, name="feed"),
    path("feeds/<slug:code>/upload/", views.upload, name="upload"),
]
