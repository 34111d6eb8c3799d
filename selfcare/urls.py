from django.contrib import admin
from django.urls import include, path

from selfcare.views.auth import PortalLoginView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", PortalLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("backoffice/", include("backoffice.urls")),
    path("api/", include("orders.api.urls")),
    path("", include("selfcare.views.urls")),
]
