"""The shared cart over the REST API, for the operator's app and other channels [TMF663-like].

The same cart the portal and the call centre edit, quoted at the API channel's prices. Errors are
`{"detail": ...}`: 400 for a malformed request, 404 for what is not hers, 409 for a stale version,
an offer she cannot buy or a changed total. Only customers are served, and only their own cart,
and call-centre agents acting for the customer they name (`relatedParty.id`), recorded as in
their console (`selfcare.api.acting`).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Offer
from selfcare.api.acting import PARTY_PARAMETER, ActsForCustomer
from selfcare.api.authentication import BearerAuthentication
from selfcare.api.schema import MoneyField, detail_errors
from selfcare.services import InsufficientBalanceError

from .. import services
from ..models import CartItem
from ..selectors import cart_quote


class IsCustomer(ActsForCustomer):
    """Her own cart, or the cart of the customer a call-centre agent acts for."""

    message = "Only customers have a cart (and agents acting for one)."

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        request.customer, request.line = request.acting.customer, request.acting.line
        return True


class CartApiView(APIView):
    """A bearer token first: a wrong, expired or revoked token is a 401 that says so."""

    authentication_classes = [BearerAuthentication, SessionAuthentication]
    permission_classes = [IsCustomer]


def quote_data(quote) -> dict:
    return {
        "id": quote.cart.pk if quote.cart else None,
        "version": quote.version,
        "channel": quote.channel,
        "currency": quote.currency,
        "items": [
            {
                "id": line.item.pk,
                "offer": {"id": line.offer.pk, "name": line.offer.name},
                "msisdn": line.item.line.msisdn,
                "options": line.item.options,
                "list_price": str(line.list_price),
                "price": str(line.price),
                "discount": str(line.discount),
                "problem": line.problem,
            }
            for line in quote.lines
        ],
        "subtotal": str(quote.subtotal),
        "discount": str(quote.discount),
        "total": str(quote.total),
        "can_checkout": quote.can_checkout,
    }


class QuoteOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class QuoteItemSerializer(serializers.Serializer):
    """One item of the cart, priced for the API channel (schema only: `quote_data` writes it)."""

    id = serializers.IntegerField()
    offer = QuoteOfferSerializer()
    msisdn = serializers.CharField()
    options = serializers.DictField(child=serializers.CharField())
    list_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    discount = serializers.DecimalField(max_digits=10, decimal_places=2)
    problem = serializers.CharField(help_text="Why it cannot be checked out; empty when it can.")


class QuoteSerializer(serializers.Serializer):
    """Her open cart and its quote (schema only: `quote_data` writes it)."""

    id = serializers.IntegerField(allow_null=True, help_text="None until she has a cart.")
    version = serializers.IntegerField(help_text="Send it back to remove or check out.")
    channel = serializers.CharField()
    currency = serializers.CharField()
    items = QuoteItemSerializer(many=True)
    subtotal = serializers.DecimalField(max_digits=10, decimal_places=2)
    discount = serializers.DecimalField(max_digits=10, decimal_places=2)
    total = serializers.DecimalField(max_digits=10, decimal_places=2)
    can_checkout = serializers.BooleanField()


class PlacedOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class CheckoutResultSerializer(serializers.Serializer):
    orders = PlacedOrderSerializer(many=True)


class ItemSerializer(serializers.Serializer):
    offer = serializers.IntegerField(min_value=1)
    options = serializers.DictField(
        child=serializers.CharField(max_length=64), required=False, default=dict
    )


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0)


class CheckoutSerializer(VersionSerializer):
    cart_id = serializers.IntegerField(min_value=1)
    expected_total = MoneyField()


def _valid(serializer_class, data) -> dict:
    """The data, validated; else a 400 naming the first field wrong (`options.data: Not a valid
    string.`), worded by the API's exception handler."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _refused(exc) -> Response:
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


def _edit(request) -> dict:
    """For whom, where and by whom: her, on the API; an agent, as in his console."""
    return request.acting.recorded_as()


class CartView(CartApiView):
    @extend_schema(
        summary="Her open cart, quoted at the API's prices",
        parameters=[PARTY_PARAMETER],
        responses={200: QuoteSerializer, **detail_errors(400, 401, 403, 404)},
    )
    def get(self, request):
        return Response(
            quote_data(cart_quote(customer=request.customer, channel=request.acting.channel))
        )


class CartItemsView(CartApiView):
    @extend_schema(
        summary="Put an offer in her cart, for her home line",
        parameters=[PARTY_PARAMETER],
        request=ItemSerializer,
        responses={201: QuoteSerializer, **detail_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        data = _valid(ItemSerializer, request.data)
        try:
            services.cart_item_add(
                offer_id=data["offer"],
                line_id=request.line.pk,
                options=data["options"],
                **_edit(request),
            )
        except Offer.DoesNotExist as exc:
            raise NotFound("No such offer.") from exc
        except services.OrderError as exc:
            return _refused(exc)
        quote = cart_quote(customer=request.customer, channel=request.acting.channel)
        return Response(quote_data(quote), status=status.HTTP_201_CREATED)


class CartItemView(CartApiView):
    @extend_schema(
        summary="Take an item out of her cart",
        parameters=[
            OpenApiParameter(
                "version",
                {"type": "integer", "minimum": 0},
                required=True,
                description="The cart's version she last saw.",
            ),
            PARTY_PARAMETER,
        ],
        responses={200: QuoteSerializer, **detail_errors(400, 401, 403, 404, 409)},
    )
    def delete(self, request, item_id: int):
        data = _valid(VersionSerializer, request.query_params)
        try:
            services.cart_item_remove(item_id=item_id, version=data["version"], **_edit(request))
        except CartItem.DoesNotExist as exc:
            raise NotFound("No such item in your cart.") from exc
        except services.OrderError as exc:
            return _refused(exc)
        return Response(
            quote_data(cart_quote(customer=request.customer, channel=request.acting.channel))
        )


class CheckoutView(CartApiView):
    @extend_schema(
        summary="Check her cart out: one order per item",
        parameters=[PARTY_PARAMETER],
        request=CheckoutSerializer,
        responses={201: CheckoutResultSerializer, **detail_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        data = _valid(CheckoutSerializer, request.data)
        try:
            orders = services.cart_checkout(**data, **_edit(request))
        except (services.OrderError, InsufficientBalanceError) as exc:
            return _refused(exc)
        return Response(
            {"orders": [{"id": order.pk, "status": order.status} for order in orders]},
            status=status.HTTP_201_CREATED,
        )
