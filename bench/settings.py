"""Settings for `make bench`: the product's settings on PostgreSQL and Redis, pointed at a database
and a Celery queue of their own, with a network that answers at once.

`bench/run.py` sets DATABASE_URL and REDIS_URL for itself and for the worker and web server it
starts; the defaults below are only for running one of those by hand.
"""

import os
import warnings
from pathlib import Path

# The product refuses to start without a secret key unless DEBUG is on; the benchmark's server
# answers only on 127.0.0.1 with made-up customers, so a fixed key is enough.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-key-never-served")

from selfcare.settings import *  # noqa: F403
from selfcare.settings import BASE_DIR, TEMPLATES, env

BENCH_DIR = BASE_DIR / "bench"

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BENCH_DIR / "templates"]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/selfcare_bench"),
}
# Production runs with persistent connections (DJANGO_CONN_MAX_AGE); the web server's threads are
# bounded, so this holds at most workers x threads connections open.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/2")
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# The noop round trip reads its result back; every other task still ignores its result.
CELERY_RESULT_BACKEND = REDIS_URL
# A queue of its own: a dev worker on the same Redis never takes the benchmark's jobs.
CELERY_TASK_DEFAULT_QUEUE = "selfcare-bench"
CELERY_TASK_ALWAYS_EAGER = False
# `make bench-faults` runs one phase on the embedded default broker: a folder of message files.
if env("BENCH_BROKER", default="redis") == "filesystem":
    _broker_dir = Path(env("BENCH_BROKER_DIR"))
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "polling_interval": 0.1,
    }
    CELERY_RESULT_BACKEND = None

NETWORK_SIMULATED_LATENCY_MS = 0
NETWORK_SIMULATED_FAILURE_RATE = 0.0

WHITENOISE_AUTOREFRESH = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# WhiteNoise serves from the finders (WHITENOISE_USE_FINDERS); there is no collectstatic output.
warnings.filterwarnings("ignore", message="No directory at: .*staticfiles")
