from django.urls import path

from . import views

app_name = "usage_api"

urlpatterns = [
    path("", views.UsageFeedView.as_view(), name="usage"),
]
