"""The brand's stylesheet, at the site's root for the portal, the console and the admin alike."""

from django.urls import path

from .views.brand import brand_css

urlpatterns = [
    path("brand.css", brand_css, name="brand_css"),
]
