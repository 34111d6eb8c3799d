"""The project's URLs. UI modules are named, never imported: no module outside the UI imports one
(see the import contracts in pyproject.toml)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from oauth2_provider.urls import base_urlpatterns as oauth2_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("selfcare.portal.accounts_urls")),
    path("backoffice/", include("backoffice.urls")),
    # Django's set_language: the console's (and the sign-in page's) language switch, a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    # The OpenAPI 3 schema of every endpoint, and Swagger UI over it (README.md, "API").
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    # OAuth2: /o/token/ (client credentials, code with PKCE), /o/authorize/, /o/revoke_token/.
    path("o/", include((oauth2_urlpatterns, "oauth2_provider"))),
    path("api/usage/", include("selfcare.api.urls")),
    path("api/", include("orders.api.urls")),
    # TM Forum Open API resources (TMF620, 622, 679, 637, 654), README.md "API".
    path("tmf-api/", include("tmf.urls")),
    path("", include("selfcare.portal.brand_urls")),
    path("", include("selfcare.portal.urls")),
]
