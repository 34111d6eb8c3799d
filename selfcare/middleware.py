"""Headers every response gets by who asked and where, whichever view answered."""

from http import HTTPStatus

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_cache_control

from .languages import SESSION_KEY, customer_language_for_user

API_PREFIX = "/api/"


def request_is_signed_in(request) -> bool:
    """Someone signed in (the portal's, the console's or the admin's session) or an API client
    with credentials asked. A request with neither a session cookie nor credentials is public:
    its session is not even read, so public pages do not vary on the cookie."""
    if (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    ):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class PrivateResponsesMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in request: her balances,
    her history or a customer an agent looked up must never be kept by a shared proxy, nor by
    the browser for the next person at a shared computer who presses Back. Public answers (the
    sign-in page, static files, which WhiteNoise serves before this) keep their own headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request_is_signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


class ApiErrorsAsJsonMiddleware:
    """An error under /api/ that no API view answered (an unknown address, a host not allowed,
    a server error) is `{"detail": ...}` with its status, like every API error, never an HTML
    page a client cannot read. Django has logged a server error before this sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            try:
                detail = f"{HTTPStatus(response.status_code).phrase}."
            except ValueError:
                detail = "Error."
            json_response = JsonResponse({"detail": detail}, status=response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response


class CustomerLanguageMiddleware:
    """A signed-in customer's pages in her own language (`Customer.language`), on every request,
    whatever her browser asks; staff and anonymous pages keep what LocaleMiddleware (before this)
    chose from the language cookie or the browser. Her language is kept in the session at
    sign-in, so this reads no row; a session from before that is filled in once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_is_signed_in(request) and hasattr(request, "session"):
            language = request.session.get(SESSION_KEY)
            if language is None:
                language = customer_language_for_user(user=request.user)
                request.session[SESSION_KEY] = language
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
