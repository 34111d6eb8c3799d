from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/reference/<int:pk>/", views.reference, name="bench_reference"),
    path("", include("selfcare.urls")),
]
