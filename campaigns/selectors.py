from selfcare.models import Customer

from .models import Gift


def gift_list_received(*, customer: Customer) -> list[Gift]:
    return list(
        Gift.objects.filter(recipient_line__customer=customer)
        .select_related("giver", "giver_product__offer", "recipient_line")
        .order_by("-created_at")[:50]
    )
