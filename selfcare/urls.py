"""The project's URLs. UI modules are named, never imported: no module outside the UI imports one
(see the import contracts in pyproject.toml)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("selfcare.portal.accounts_urls")),
    path("backoffice/", include("backoffice.urls")),
    path("api/usage/", include("selfcare.api.urls")),
    path("api/", include("orders.api.urls")),
    path("", include("selfcare.portal.urls")),
]
