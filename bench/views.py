"""The reference page the portal's pages are measured against: one row by primary key, rendered
with a ten-line template, through the same middleware as every page."""

from django.shortcuts import get_object_or_404, render

from catalog.models import Offer


def reference(request, pk: int):
    return render(request, "bench/reference.html", {"offer": get_object_or_404(Offer, pk=pk)})
