from django.urls import URLPattern

app_name = "resolve"

urlpatterns: list[URLPattern] = []
