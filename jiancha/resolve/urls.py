from django.urls import URLPattern, path

from . import views

app_name = "resolve"

urlpatterns: list[URLPattern] = [
    path("graph/", views.relation_graph, name="graph"),
    path("review/", views.review_queue, name="review"),
    path("review/<int:pk>/decide/", views.decide, name="decide"),
]
