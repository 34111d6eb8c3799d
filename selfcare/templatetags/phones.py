"""`{{ line.msisdn|msisdn }}`: a number as its country writes it (`+351 910 000 001`).

In the customer domain's app rather than the portal's, so that the portal, the console and the
messages' templates (`templates/notifications/`, written by the domain) load the one filter."""

from django import template

from selfcare.phones import msisdn_format

register = template.Library()


@register.filter
def msisdn(value) -> str:
    return msisdn_format(str(value) if value is not None else "")
