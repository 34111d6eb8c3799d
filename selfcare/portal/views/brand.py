"""The operator's colours as CSS custom properties (`settings.BRAND`), a stylesheet of their own:
the Content-Security-Policy allows no inline style, and every page's stylesheets use the
variables this one sets."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(public=True, max_age=86400)
def brand_css(request):
    # Pages link it with the brand's version in the query (`brand_version`): a changed brand is a
    # new URL, so a day in the browser's cache never shows the old colours.
    return render(
        request, "selfcare/brand/brand.css", {"brand": settings.BRAND}, content_type="text/css"
    )
