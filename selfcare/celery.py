import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfcare.settings")

app = Celery("selfcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="selfcare.noop")
def noop_task() -> None:
    """Does nothing: the benchmarks time the broker's round trip with it."""


# The campaigns' sweeps are quick, and must not wait behind the blast they are there to watch:
# they stay on the default queue (a sweep stuck behind 100,000 sends would run minutes late, and
# beat would add one more every few seconds).
CAMPAIGN_SWEEPS = frozenset(
    {
        "campaigns.tasks.campaign_deliveries_due_task",
        "campaigns.tasks.campaign_schedules_run_task",
    }
)


def task_route(name, args, kwargs, options, task=None, **kw):
    """CELERY_TASK_ROUTES: a campaign's work (its decisions carried out, its messages, its
    schedules' runs) on settings.CAMPAIGN_QUEUE, read at each publish; everything else, the
    campaigns' sweeps too, on the default queue."""
    if name.startswith("campaigns.tasks.campaign_") and name not in CAMPAIGN_SWEEPS:
        return {"queue": settings.CAMPAIGN_QUEUE}
    return None
