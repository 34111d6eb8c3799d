"""Test settings: the product's settings, with jobs run inline (eagerly) after commit and a network
that answers at once. Tests that need a real worker or broker reconfigure the Celery app."""

import os

# The product refuses to start without a secret key unless DEBUG is on; tests sign only their own
# throwaway sessions, so a fixed key (one a developer's DJANGO_SECRET_KEY replaces) is enough.
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-key-never-served")

from selfcare.settings import *  # noqa: F403
from selfcare.settings import REDIS_URL

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
# A real worker (the `celery_worker_thread` fixture) uses Redis when REDIS_URL is set, else
# Celery's in-memory transport; its own queue keeps it clear of a dev worker on the same Redis.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_DEFAULT_QUEUE = "selfcare-tests"
CAMPAIGN_QUEUE = "selfcare-tests-campaigns"
CELERY_TASK_EAGER_PROPAGATES = True
NETWORK_SIMULATED_LATENCY_MS = 0
NETWORK_SIMULATED_FAILURE_RATE = 0.0
ACTIVATION_RETRY_BACKOFF_SECONDS = 0
WHITENOISE_AUTOREFRESH = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
