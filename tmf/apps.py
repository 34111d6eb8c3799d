from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TmfConfig(AppConfig):
    name = "tmf"
    verbose_name = _("TM Forum API")

    def ready(self) -> None:
        # The hub hears order and product changes where they are made (see tmf.hub).
        from . import hub

        hub.hub_receivers_connect()
