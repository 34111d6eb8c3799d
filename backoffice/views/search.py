"""Finding the customer on the phone: one box, answered as the agent types."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import replace_url

from backoffice.selectors import SEARCH_LIMIT, SearchResult, customer_search

from .common import agent_required

PAGE = "backoffice/search/page.html"


MAX_QUERY = 100


def _search(request) -> SearchResult:
    return customer_search(query=request.GET.get("q", "")[:MAX_QUERY])


@agent_required
@require_GET
def console(request):
    """The console's home: the search box, with the results of a plain (no-JavaScript) search."""
    return render(request, PAGE, {"result": _search(request), "limit": SEARCH_LIMIT})


@agent_required
@require_GET
def search(request):
    """The results alone, for the box to swap in as the agent types. The address bar follows
    (replaced, not pushed: one history entry, not one per keystroke), so going back from a
    customer, or reloading, shows the same results."""
    result = _search(request)
    response = render(request, f"{PAGE}#results", {"result": result, "limit": SEARCH_LIMIT})
    url = reverse("backoffice:console")
    if result.query:
        url += "?" + urlencode({"q": result.query})
    return replace_url(response, url)
