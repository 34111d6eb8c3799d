"""Which queue each campaign task is published on: a campaign's work on its own queue, its
sweeps on the default one, so a blast never holds up the sweep that watches it."""

import pytest

from campaigns import tasks
from selfcare.celery import app

SENT_ON_CAMPAIGN_QUEUE = [
    tasks.campaign_deliveries_send_task,
    tasks.campaign_schedule_run_task,
]
SWEEPS = [tasks.campaign_deliveries_due_task, tasks.campaign_schedules_run_task]


def queue_of(task) -> str:
    route = app.amqp.router.route({}, task.name, args=(), kwargs={})
    return route["queue"].name


@pytest.mark.parametrize("task", SENT_ON_CAMPAIGN_QUEUE, ids=lambda t: t.name)
def test_a_campaigns_work_goes_on_the_campaign_queue(settings, task):
    settings.CAMPAIGN_QUEUE = "campaigns-elsewhere"

    assert queue_of(task) == "campaigns-elsewhere"


@pytest.mark.parametrize("task", SWEEPS, ids=lambda t: t.name)
def test_the_campaign_sweeps_stay_on_the_default_queue(settings, task):
    assert queue_of(task) == app.conf.task_default_queue
    assert queue_of(task) != settings.CAMPAIGN_QUEUE


def test_other_tasks_go_on_the_default_queue():
    assert queue_of(tasks.gift_return_due_task) == app.conf.task_default_queue
