from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The customer portal: views, forms, template tags and context processors over the
    services and selectors of every app. UI only: no domain module imports it."""

    name = "selfcare.portal"
    label = "portal"
    verbose_name = "Customer portal"
