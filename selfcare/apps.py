from django.apps import AppConfig


class SelfcareConfig(AppConfig):
    name = "selfcare"
    verbose_name = "Customers"
