from django.apps import AppConfig


class TmfConfig(AppConfig):
    name = "tmf"
    verbose_name = "TM Forum API"

    def ready(self) -> None:
        # The hub hears order and product changes where they are made (see tmf.hub).
        from . import hub

        hub.hub_receivers_connect()
