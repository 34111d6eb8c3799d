import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfcare.settings")

app = Celery("selfcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="selfcare.noop")
def noop_task() -> None:
    """Does nothing: the benchmarks time the broker's round trip with it."""
