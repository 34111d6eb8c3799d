"""What every TM Forum resource of the API shares (TMF630 design guidelines): its `href`, `fields=`
selection, `offset` / `limit` paging with `X-Total-Count` and `X-Result-Count`, TMF's Error body
for every refusal, and who may call.

The views are adapters: they read through the domain's selectors and write through its
services; this package decides only the TM Forum shape of what those return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from selfcare.api.authentication import BearerAuthentication, SystemClient, caller_scopes
from selfcare.models import Customer, Line
from selfcare.selectors import line_get_home, user_is_agent
from selfcare.selectors_history import customer_get

ROOT = "/tmf-api"
DEFAULT_LIMIT = 100
MAX_LIMIT = 100
# Always returned, whatever `fields=` selects (TMF630: a selection keeps the resource's identity).
IDENTITY = ("id", "href", "@type")


def href(request, path: str) -> str:
    """The absolute URL of a resource, e.g. `productInventory/v4/product/12`."""
    return request.build_absolute_uri(f"{ROOT}/{path}")


def money(amount, currency: str) -> dict:
    """TMF's Money: the amount stays a Decimal here; JSON writes it as a number."""
    return {"unit": currency, "value": amount}


def period(start=None, end=None) -> dict:
    """TMF's TimePeriod, with only the ends that are known."""
    found = {"startDateTime": start, "endDateTime": end}
    return {key: value for key, value in found.items() if value is not None}


# Errors


class TmfError(exceptions.APIException):
    """A refusal worded for the caller, with a TMF error code of our own."""

    def __init__(self, message: str, *, code: str, status_code: int):
        super().__init__(detail=message, code=code)
        self.status_code = status_code


def refused(exc: Exception) -> TmfError:
    """A service's refusal as a 409, its code the exception's name (`PurchaseLimitError` is
    `purchaseLimit`), its message the service's."""
    name = type(exc).__name__.removesuffix("Error")
    return TmfError(str(exc), code=name[:1].lower() + name[1:], status_code=409)


def error_body(*, code: str, reason: str, message: str, status_code: int) -> dict:
    return {
        "code": code,
        "reason": reason,
        "message": message,
        "status": str(status_code),
        "@type": "Error",
    }


def _first_message(detail) -> str:
    """One sentence out of DRF's error detail (a string, a list, or a dict of fields)."""
    if isinstance(detail, dict):
        field, inner = next(iter(detail.items()))
        inner = _first_message(inner)
        return inner if field in ("detail", "non_field_errors") else f"{field}: {inner}"
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else "Invalid request."
    return str(detail)


def tmf_exception_handler(exc, context):
    """Every refusal of /tmf-api/ as TMF's Error body (code, reason, message, status, @type),
    with DRF's headers kept (WWW-Authenticate, Retry-After). Anything else is left to Django
    (a 500)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "invalid"
    response.data = error_body(
        code=code,
        reason=HTTPStatus(response.status_code).phrase,
        message=_first_message(exc.detail),
        status_code=response.status_code,
    )
    return response


# Who may call


@dataclass(frozen=True)
class Her:
    """The customer a request acts for, and her home line."""

    customer: Customer
    line: Line


class IsCustomer(BasePermission):
    """The caller is a customer: signed in to the portal, or her app with the `customer` scope.
    Sets `request.her`."""

    message = "Only a customer's own session or app (scope customer) may read this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated or isinstance(user, SystemClient):
            return False
        if request.auth is not None and "customer" not in caller_scopes(request):
            return False
        line = line_get_home(user=user)
        if line is None:
            return False
        request.her = Her(customer=line.customer, line=line)
        return True


PARTY_FILTER = "relatedParty.id"
PARTY_PARAMETER = OpenApiParameter(
    PARTY_FILTER,
    str,
    description="For a call-centre agent: the id of the customer he acts for (required for "
    "him). A customer may leave it out or give her own.",
)


class IsCustomerOrAgent(BasePermission):
    """A customer (as `IsCustomer`), for herself: naming anyone else with `relatedParty.id` is
    refused (403). Or a call-centre agent (`user_is_agent`: signed in as for his console, or his
    app's token with the scope `customer`) for the customer he names with `relatedParty.id` (her
    id, as in his console: 400 without it, 404 for no such customer). Sets `request.her` (her home
    line is None for a customer who has none left) and `request.agent` (the agent, or None)."""

    message = (
        "Only a customer's own session or app (scope customer), or a call-centre agent, may "
        "do this."
    )

    def has_permission(self, request, view) -> bool:
        request.agent = None
        named = request.query_params.get(PARTY_FILTER)
        if IsCustomer().has_permission(request, view):
            if named is not None and named != str(request.her.customer.pk):
                raise exceptions.PermissionDenied("A customer acts for herself only.")
            return True
        user = request.user
        if user is None or not user.is_authenticated or isinstance(user, SystemClient):
            return False
        if request.auth is not None and "customer" not in caller_scopes(request):
            return False
        if not user_is_agent(user=user):
            return False
        pk = id_read(named or "")
        if pk is None:
            raise TmfError(
                f"An agent names the customer he acts for with {PARTY_FILTER} (her id).",
                code="missingRelatedParty",
                status_code=400,
            )
        try:
            customer = customer_get(pk=pk)
        except Customer.DoesNotExist as exc:
            raise TmfError(
                f"No such customer ({PARTY_FILTER}).", code="notFound", status_code=404
            ) from exc
        request.her = Her(customer=customer, line=line_get_home(customer=customer))
        request.agent = user
        return True


class ReadsCatalog(BasePermission):
    """A customer (session or app), or a system client with `catalog:read`."""

    message = "Reading the catalog needs a customer's session or app, or the scope catalog:read."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        if request.auth is None:
            return not isinstance(user, SystemClient)  # a portal session
        return "catalog:read" in caller_scopes(request)


def id_read(raw: str) -> int | None:
    """The database id a path names, or None for one that cannot be an id (not digits, or
    beyond a big integer): such a resource is simply not found."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


T = TypeVar("T")


def one_found(raw_id: str, get: Callable[[int], T], *, missing: str) -> T:
    """What `get` returns for the database id a path names; TMF's 404 (code notFound, message
    `missing`) for an id that cannot be one (`id_read`) or that `get` does not find (its scoped
    selector raises the model's DoesNotExist: another customer's is not found either)."""
    pk = id_read(raw_id)
    try:
        if pk is None:
            raise ObjectDoesNotExist
        return get(pk)
    except ObjectDoesNotExist as exc:
        raise TmfError(missing, code="notFound", status_code=404) from exc


# Lists


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int


def _whole(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise TmfError(
            f"{name} must be a whole number from {low} to {high}.",
            code="invalidQuery",
            status_code=400,
        )
    return value


def page_read(request) -> Page:
    """`offset` (from 0) and `limit` (1 to MAX_LIMIT) of the query; 400 for anything else."""
    return Page(
        offset=_whole(request, "offset", 0, 0, 10**9),
        limit=_whole(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
    )


def fields_select(request, resource: dict) -> dict:
    """The attributes `fields=` names (comma-separated, first level), with the resource's
    identity; the whole resource when it names none. Unknown names are ignored."""
    wanted = {name.strip() for name in request.query_params.get("fields", "").split(",")}
    wanted.discard("")
    if not wanted:
        return resource
    return {key: value for key, value in resource.items() if key in wanted or key in IDENTITY}


def list_response(request, *, total: int, items: list[dict]) -> Response:
    """A page of resources, each selected by `fields=`, with X-Total-Count and X-Result-Count."""
    return Response(
        [fields_select(request, item) for item in items],
        headers={"X-Total-Count": str(total), "X-Result-Count": str(len(items))},
    )


def one_response(request, item: dict, status_code: int = 200) -> Response:
    """One resource, selected by `fields=`."""
    return Response(fields_select(request, item), status=status_code)


class TmfView(APIView):
    """A TM Forum resource: a bearer token (or the portal's session), TMF's Error body."""

    authentication_classes = [BearerAuthentication, SessionAuthentication]

    def get_exception_handler(self):
        return tmf_exception_handler
