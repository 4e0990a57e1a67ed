from django.urls import URLPattern

app_name = "subjects"

urlpatterns: list[URLPattern] = []
