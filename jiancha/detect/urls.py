from django.urls import URLPattern

app_name = "detect"

urlpatterns: list[URLPattern] = []
