"""Settings for the self-care portal.

Everything that differs between a laptop, CI and production comes from environment variables
(see `.env.example`). The defaults run the whole product embedded: SQLite and Celery's filesystem
transport under `var/`, so `make run` needs no server.
"""

import datetime as dt
import hashlib
import re
from pathlib import Path

import environ
from celery.schedules import crontab
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Sessions, CSRF tokens and password-reset links are signed with this key, so a key anyone can read
# lets anyone forge them. Production sets DJANGO_SECRET_KEY, or DJANGO_SECRET_KEY_FILE (a file
# holding it; relative to the project's folder). `make run` writes a random key of its own to the
# default file, var/secret_key, which every command run in this checkout reads too. With no key,
# only DEBUG falls back to a public one; otherwise the portal refuses to start.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
_secret_key_file = BASE_DIR / (env("DJANGO_SECRET_KEY_FILE", default="") or "var/secret_key")
if not SECRET_KEY and _secret_key_file.is_file():
    SECRET_KEY = _secret_key_file.read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "No secret key: set DJANGO_SECRET_KEY to a long random string (e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or "
            f"DJANGO_SECRET_KEY_FILE to a file holding one ({_secret_key_file} does not exist). "
            "Only with DJANGO_DEBUG=true does the portal run on a public development key."
        )
    SECRET_KEY = "insecure-local-only-key-set-DJANGO_SECRET_KEY"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Brute-force lockout on every sign-in (portal, console, admin): "Signing in" below.
    "axes",
    "rest_framework",
    # The API's OpenAPI schema and its docs page, with Swagger UI served from our static files.
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # OAuth2 for the API: client credentials for systems, PKCE for customers' apps ("API" below).
    "oauth2_provider",
    "django_htmx",
    "template_partials",
    "selfcare",
    "selfcare.portal",
    "catalog",
    "orders",
    "campaigns",
    "backoffice",
    # The TM Forum API: its event hub's listeners and delivery log are models ("API" in README).
    "tmf",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Every error under /api/ is JSON, whichever layer answered it.
    "selfcare.middleware.ApiErrorsAsJsonMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of the browser (or of the console's switch) for everyone; a signed-in
    # customer's own language replaces it below, once she is known.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in customer's pages in her language (Customer.language), whatever the browser says.
    "selfcare.middleware.CustomerLanguageMiddleware",
    # Cache-Control: private, no-store on every answer to someone signed in.
    "selfcare.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a locked-out sign-in into the portal's "Too many wrong tries" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "selfcare.urls"
WSGI_APPLICATION = "selfcare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "selfcare.portal.context_processors.operator",
                "selfcare.portal.context_processors.brand",
                "selfcare.portal.context_processors.inbox",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'selfcare.sqlite3'}"),
}
# Persistent connections (checked before reuse): opening one per request tripled the cost of a
# small page in the benchmarks.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL only: a pool of at most this many connections per process (Django's, psycopg-pool),
# shared by the process's threads, instead of one persistent connection per thread. For granian:
# its idle threads end (--blocking-threads-idle-timeout) and a connection kept by a thread that
# ended stays open until garbage collection, so without the pool they pile up past the thread count.
DB_POOL_SIZE = env.int("DJANGO_DB_POOL_SIZE", default=0)
if DB_POOL_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django insists on 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_SIZE,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has a web process and a worker writing at once: WAL lets readers
    # run beside the writer, IMMEDIATE transactions take the write lock up front (SQLite's
    # stand-in for SELECT ... FOR UPDATE) and busy_timeout waits for it instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    VAR_DIR.mkdir(exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "selfcare:dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Signing in -----------------------------------------------------------------------------------
# Axes first: it refuses a locked-out login before any backend checks it. Then her mobile number
# (any spelling) or e-mail and password, a one-time code by SMS, and usernames (staff).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "selfcare.auth.PhoneOrEmailBackend",
    "selfcare.auth.SignInCodeBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Numbers typed without a country code are read as this country's (ISO 3166 alpha-2).
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="PT")
# The header the proxy in front sets to the client's address (e.g. HTTP_X_REAL_IP), for the
# lockout and the code rate limits; empty: the connection's own address (no proxy).
CLIENT_IP_HEADER = env("DJANGO_CLIENT_IP_HEADER", default="")
# A password-reset link by e-mail works this long (seconds), and once.
PASSWORD_RESET_TIMEOUT = env.int("DJANGO_PASSWORD_RESET_TIMEOUT", default=3600)
# django-axes: after LOGIN_FAILURE_LIMIT wrong passwords or codes for one account (however its
# login is spelt) or from one address, further tries are refused for LOGIN_COOLOFF_MINUTES
# after the last wrong one. Unlock: admin's "Access attempts", or `manage.py axes_reset`.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "selfcare.auth.login_key"
AXES_CLIENT_IP_CALLABLE = "selfcare.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "selfcare.portal.views.auth.locked_out"
# A try while locked out does not restart the cool-off: "try again in 15 minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# What the attempt records never keep in clear.
AXES_SENSITIVE_PARAMETERS = ["password", "code", "new_password1", "new_password2"]
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
# The portal, its messages and the console speak these (README.md, "Languages"). A customer's own
# choice is `Customer.language`; the translations are locale/<code>/LC_MESSAGES/django.po.
LANGUAGES = [("en", "English"), ("pt", "Português")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The operator's time zone: "until 04:00" and calendar months are counted in it.
TIME_ZONE = env("OPERATOR_TIME_ZONE", default="Europe/Lisbon")
USE_I18N = True
USE_TZ = True

OPERATOR_NAME = env("OPERATOR_NAME", default="Tejo Mobile")
# The operator's brand (README.md, "Brand settings"): the name above, a logo (a path under static/,
# an SVG is best) and colours (#rrggbb): `primary` is the bar, links and buttons, `primary_ink`
# the text on it, `accent` a highlight. Pages read them through /brand.css as CSS custom
# properties. The demo's is a Lisbon operator's: the Tejo's blue and the trams' yellow.
BRAND = {
    "name": OPERATOR_NAME,
    "logo": env("BRAND_LOGO", default="brand/logo.svg"),
    "primary": env("BRAND_PRIMARY", default="#0b5f83"),
    "primary_ink": env("BRAND_PRIMARY_INK", default="#ffffff"),
    "accent": env("BRAND_ACCENT", default="#f5b400"),
}
for _key in ("primary", "primary_ink", "accent"):
    # They are written into a stylesheet: a colour, nothing else.
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", BRAND[_key]):
        raise ImproperlyConfigured(f"BRAND_{_key.upper()} must be a colour like #0b5f83.")
BRAND_VERSION = hashlib.sha256(repr(sorted(BRAND.items())).encode()).hexdigest()[:12]
OPERATOR_CURRENCY = env("OPERATOR_CURRENCY", default="EUR")
# Where the portal is reached from outside: links in SMS and e-mails start with it.
PORTAL_URL = env("PORTAL_URL", default="http://127.0.0.1:8000")
# A purchase within this many days of clicking a message's link is credited to the link.
LINK_ATTRIBUTION_DAYS = env.int("LINK_ATTRIBUTION_DAYS", default=7)

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Serve straight from the finders: no collectstatic step for `make run` or the benchmarks.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- HTTPS ----------------------------------------------------------------------------------------
# Off by default: the embedded demo is plain HTTP on 127.0.0.1. In production DJANGO_HTTPS=true
# turns on the redirect, HSTS and secure cookies at once (each can still be set on its own), and
# `manage.py check --deploy` passes with it; see "Running in production" in README.md.
HTTPS = env.bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS)
# Behind a proxy that ends TLS: the header it sets on HTTPS requests and the value, e.g.
# HTTP_X_FORWARDED_PROTO,https. Only if the proxy always sets it (dropping the client's own):
# otherwise a client can claim HTTPS. Without it, the redirect loops behind such a proxy.
SECURE_PROXY_SSL_HEADER = tuple(env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])) or None
if SECURE_PROXY_SSL_HEADER and len(SECURE_PROXY_SSL_HEADER) != 2:
    raise ImproperlyConfigured(
        "DJANGO_SECURE_PROXY_SSL_HEADER is a header and a value, e.g. HTTP_X_FORWARDED_PROTO,https"
    )
# Browsers remember HSTS for this long: start lower (e.g. 3600) if unsure the whole host is HTTPS.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
# Consent to browsers' built-in HTTPS-only list, which is slow to leave: the operator's decision.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Content-Security-Policy (django-csp) ---------------------------------------------------------
# Scripts, styles, frames and form targets from this site only, and no inline script or style
# anywhere: an injected <script> or onclick= does not run, even if a page ever echoed one. The
# portal's own JS is static/js/portal.js, htmx's inline indicator styles are off (base.html),
# the Swagger UI page's inline <style> is a static file (templates/drf_spectacular/). img-src
# allows data: for the portal's inline favicon and Swagger UI's CSS icons. No page may be framed
# by another site (frame-ancestors); the offer preview in the admin is a srcdoc frame of the
# admin's own page, which inherits this policy. The same policy on every path, the admin and
# /api/docs/ included: none of them needs more (tests/selfcare/test_csp.py,
# tests/e2e/test_csp.py). With DEBUG on, django-csp leaves Django's technical 404/500 pages
# (inline code of their own) without it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
        "base-uri": [csp.NONE],
        "object-src": [csp.NONE],
    },
}

REST_FRAMEWORK = {
    # The portal's session, or an OAuth2 bearer token (a customer's app or a system client).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "selfcare.api.authentication.BearerAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "selfcare.api.throttling.SystemClientRateThrottle",
        "selfcare.api.throttling.CustomerRateThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON in, JSON out: a body is strict JSON within bounds (selfcare/api/parsers.py) and every
    # refusal is a 4xx with {"detail": ...}, never Django's HTML error page. The browsable API
    # (HTML forms over every endpoint) only in DEBUG.
    "DEFAULT_PARSER_CLASSES": ["selfcare.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    "EXCEPTION_HANDLER": "selfcare.api.exceptions.api_exception_handler",
}
# --- API ------------------------------------------------------------------------------------------
# Requests a minute (DRF throttles, counted in the default cache: Redis when there is one): per
# system client, and per customer across her browser and her apps. Beyond it: 429, Retry-After.
API_RATE_LIMITS = {
    "system": env.str("API_RATE_SYSTEM", default="1200/min"),
    "customer": env.str("API_RATE_CUSTOMER", default="300/min"),
}
# django-oauth-toolkit: systems get tokens by client credentials (`manage.py api_client_create`),
# customers' apps by the authorization code flow with PKCE (an app the operator registers in the
# admin). A system's token carries only the scopes its client was given; an app's, `customer` and
# `catalog:read`. Tokens live an hour; a revoked client's tokens die with it.
OAUTH2_PROVIDER = {
    "SCOPES": {
        "usage:write": "Feed network usage",
        "catalog:read": "Read the published catalog",
        "orders:write": "Place and read orders",
        "events:listen": "Register listeners for events",
        "customer": "Act for the customer who signed in: her cart, products and balances",
    },
    "SCOPES_BACKEND_CLASS": "selfcare.api.authentication.ClientScopes",
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("API_TOKEN_SECONDS", default=3600),
    # The OAuth 2.0 Security BCP (RFC 9700), as django-oauth-toolkit 4.0 will by default: no
    # implicit or password grant, PKCE with S256 only, tokens only in the Authorization header
    # and kept hashed, `iss` in authorization responses, a replayed refresh token revokes its
    # family, and redirect URIs over https (or the app's own scheme, API_APP_REDIRECT_SCHEMES).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", *env.list("API_APP_REDIRECT_SCHEMES", default=[])],
}
# Named so that a migration may point at it (a system client's application).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# The OpenAPI 3 schema at /api/schema/ and its docs at /api/docs/ (README.md, "API").
SPECTACULAR_SETTINGS = {
    "TITLE": "Self-care API",
    "DESCRIPTION": "The shared cart, the network's usage feed and the TM Forum resources "
    "(/tmf-api/...). Errors of /api/ are a JSON object with a detail; errors of /tmf-api/ are "
    "TM Forum's Error body.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files: the docs load nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "OAUTH2_FLOWS": ["clientCredentials", "authorizationCode"],
    "OAUTH2_AUTHORIZATION_URL": "/o/authorize/",
    "OAUTH2_TOKEN_URL": "/o/token/",
    # TMF679's overall and per-item results share one list of values.
    "ENUM_NAME_OVERRIDES": {
        "QualificationResultEnum": "tmf.qualification.RESULTS",
        "QualificationStateEnum": "tmf.qualification.TASK_STATES",
        "ProductOrderStateEnum": "tmf.ordering.STATE_VALUES",
    },
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
# Sessions are read on every request: from Redis when there is one (written through to the
# database), else from the database. A per-process cache would let a logged-out session live on
# in another process, so there is no session cache without Redis.
if env("REDIS_URL", default=""):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL"),
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery ---------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # Celery's filesystem transport: a folder of message files, good for one machine.
    _broker_dir = VAR_DIR / "broker"
    for _folder in (_broker_dir, VAR_DIR / "broker-control"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "broker-control"),
        "polling_interval": 0.1,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_IGNORE_RESULT = True
# At-least-once delivery: a message is acknowledged only after its task ran, a worker that dies
# mid-task gives its message back, and each worker process holds one message at a time.
# Tasks are idempotent, so a redelivery is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
# A campaign's work (its decisions carried out, its messages, its schedules) has a queue of its
# own, with a worker of its own (Procfile), so a campaign of 100,000 messages never delays an
# activation or a transactional message (codes, alerts, receipts) on the default queue.
CAMPAIGN_QUEUE = env("CAMPAIGN_QUEUE", default="campaigns")
# Its sweeps stay on the default queue, not behind the sends they watch (selfcare/celery.py).
CELERY_TASK_ROUTES = ["selfcare.celery.task_route"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often the stuck sweeps look for work whose job was lost (a killed worker, a broker restart, a
# publish that failed): with the deadlines below, lost work runs again within about 20 s.
STUCK_SWEEP_SECONDS = env.float("STUCK_SWEEP_SECONDS", default=5.0)
# A queue holding this many jobs is in backlog: the stuck sweeps publish nothing onto it (the jobs
# they would publish again are most likely waiting in it), and catch up once it drains.
STUCK_SWEEP_BACKLOG = env.int("STUCK_SWEEP_BACKLOG", default=1000)
CELERY_BEAT_SCHEDULE = {
    "expire-due-product-instances": {
        "task": "orders.tasks.product_instance_expire_due_task",
        "schedule": 60.0,
    },
    "start-postponed-product-instances": {
        "task": "orders.tasks.product_instance_start_due_task",
        "schedule": 60.0,
    },
    "roll-over-unused-data": {
        "task": "orders.tasks.bucket_rollover_due_task",
        "schedule": 300.0,
    },
    "return-unaccepted-gifts": {
        "task": "campaigns.tasks.gift_return_due_task",
        "schedule": 300.0,
    },
    "cancel-unconfirmed-orders": {
        "task": "orders.tasks.order_confirmation_expire_due_task",
        "schedule": 60.0,
    },
    "renew-due-product-instances": {
        "task": "orders.tasks.product_instance_renew_due_task",
        "schedule": 60.0,
    },
    "retry-stuck-notifications": {
        "task": "selfcare.tasks.notification_retry_stuck_task",
        "schedule": STUCK_SWEEP_SECONDS,
    },
    "retry-stuck-product-instances": {
        "task": "orders.tasks.product_instance_retry_stuck_task",
        "schedule": STUCK_SWEEP_SECONDS,
    },
    "retry-stuck-service-bars": {
        "task": "orders.tasks.service_bar_retry_stuck_task",
        "schedule": STUCK_SWEEP_SECONDS,
    },
    "settle-pending-top-ups": {
        "task": "selfcare.tasks.topup_settle_pending_task",
        "schedule": 60.0,
    },
    "remind-product-instances-ending-soon": {
        "task": "orders.tasks.product_instance_remind_due_task",
        "schedule": 300.0,
    },
    # The API's hub: listeners whose deliveries wait and whose retry is due (tmf/hub_delivery.py).
    "deliver-due-hub-events": {
        "task": "tmf.tasks.hub_deliver_due_task",
        "schedule": STUCK_SWEEP_SECONDS,
    },
    # Events whose dispatch job was lost (the event log, selfcare/services/events.py).
    "dispatch-stuck-events": {
        "task": "selfcare.tasks.event_dispatch_stuck_task",
        "schedule": STUCK_SWEEP_SECONDS,
    },
    # Bars a monthly spend cap made, lifted when the month starts (operator's time zone): one
    # cheap query when there is nothing to lift.
    "lift-spend-cap-bars": {
        "task": "selfcare.tasks.spend_cap_bars_lift_due_task",
        "schedule": 300.0,
    },
    # Daily, just after midnight in the operator's time zone (CELERY_TIMEZONE); a missed day is
    # caught up by the next run.
    "record-contract-anniversaries": {
        "task": "selfcare.tasks.contract_anniversary_record_task",
        "schedule": crontab(minute=5, hour=0),
    },
    # Lifecycle campaigns: schedules due, messages whose quiet hours are over, lost send jobs.
    "run-campaign-schedules": {
        "task": "campaigns.tasks.campaign_schedules_run_task",
        "schedule": 30.0,
    },
    "send-due-campaign-deliveries": {
        "task": "campaigns.tasks.campaign_deliveries_due_task",
        "schedule": STUCK_SWEEP_SECONDS * 2,
    },
    # Sign-in codes and wrong voucher PINs older than SECURITY_RECORDS_DAYS are deleted.
    "prune-security-records": {
        "task": "selfcare.tasks.security_records_prune_task",
        "schedule": crontab(minute=35, hour=3),
    },
}
# Sign-in codes and wrong voucher PINs count for an hour; they are kept this long for a fraud
# review, then deleted.
SECURITY_RECORDS_DAYS = env.int("SECURITY_RECORDS_DAYS", default=30)

# --- Provisioning ---------------------------------------------------------------------------------
NETWORK_ADAPTER = env("NETWORK_ADAPTER", default="orders.provisioning.SimulatedNetworkAdapter")
NETWORK_SIMULATED_LATENCY_MS = env.int("NETWORK_SIMULATED_LATENCY_MS", default=400)
NETWORK_SIMULATED_FAILURE_RATE = env.float("NETWORK_SIMULATED_FAILURE_RATE", default=0.0)
# How many times a transient network failure is retried (with exponential backoff) before the
# activation is given up, refunded and the customer told.
ACTIVATION_MAX_RETRIES = env.int("ACTIVATION_MAX_RETRIES", default=4)
ACTIVATION_RETRY_BACKOFF_SECONDS = env.int("ACTIVATION_RETRY_BACKOFF_SECONDS", default=2)
# A product's activation or deprovisioning job that has neither finished nor been taken up (started,
# enqueued again, or due for its retry) for this long is taken for lost and enqueued again by the
# stuck sweep. Longer than a network call may take (the adapter's timeout): a job still talking
# to the network would otherwise get a twin (harmless, but a second call).
PENDING_DEADLINE_SECONDS = env.int("PENDING_DEADLINE_SECONDS", default=15)

# --- Top-up ---------------------------------------------------------------------------------------
# The payment gateway (dotted path; see selfcare/payments.py for the simulated one's test cards).
PAYMENT_GATEWAY = env("PAYMENT_GATEWAY", default="selfcare.payments.SimulatedPaymentGateway")
# What one top-up may be, in the operator's currency, and the amounts the portal offers first.
TOPUP_MIN_AMOUNT = env.str("TOPUP_MIN_AMOUNT", default="1.00")
TOPUP_MAX_AMOUNT = env.str("TOPUP_MAX_AMOUNT", default="100.00")
TOPUP_PRESETS = env.list("TOPUP_PRESETS", default=["5.00", "10.00", "20.00"])
# Auto top-up: at most this many a calendar month (operator's time zone) per customer.
AUTO_TOPUP_MAX_PER_MONTH = env.int("AUTO_TOPUP_MAX_PER_MONTH", default=3)
# Wrong voucher PINs a customer may type in an hour before vouchers are locked for her.
VOUCHER_MAX_WRONG_PINS = env.int("VOUCHER_MAX_WRONG_PINS", default=5)
# A card top-up whose gateway did not answer is settled (the gateway asked what became of it)
# once it is this old, by a sweep every minute.
TOPUP_PENDING_SETTLE_SECONDS = env.int("TOPUP_PENDING_SETTLE_SECONDS", default=60)

# --- Notifications --------------------------------------------------------------------------------
# The backend that carries each medium (dotted paths; see selfcare/notifications.py). Embedded:
# SMS to the console (and so to her in-app inbox), e-mail through Django's mail (console by
# default). Production SMS: selfcare.notifications.HttpSmsGatewayBackend with SMS_GATEWAY_*.
NOTIFICATION_BACKENDS = {
    "sms": env("NOTIFICATION_SMS_BACKEND", default="selfcare.notifications.ConsoleBackend"),
    "email": env("NOTIFICATION_EMAIL_BACKEND", default="selfcare.notifications.EmailBackend"),
    "in_app": env("NOTIFICATION_IN_APP_BACKEND", default="selfcare.notifications.InAppBackend"),
}
# Where selfcare.notifications.FileBackend appends one JSON line per message (relative: to the
# project's folder).
NOTIFICATION_FILE_PATH = str(
    BASE_DIR / (env("NOTIFICATION_FILE_PATH", default="") or "var/notifications.jsonl")
)
# A transient delivery failure is retried this many times, waiting 10, 20, 40… seconds (at most
# NOTIFICATION_MAX_RETRY_WAIT_SECONDS), then the message is marked failed.
NOTIFICATION_MAX_RETRIES = env.int("NOTIFICATION_MAX_RETRIES", default=5)
NOTIFICATION_RETRY_BACKOFF_SECONDS = env.int("NOTIFICATION_RETRY_BACKOFF_SECONDS", default=10)
NOTIFICATION_MAX_RETRY_WAIT_SECONDS = env.int("NOTIFICATION_MAX_RETRY_WAIT_SECONDS", default=300)
# The same deadline for a queued message's job: longer than the SMS gateway's timeout.
NOTIFICATION_DEADLINE_SECONDS = env.int("NOTIFICATION_DEADLINE_SECONDS", default=15)
# The HTTP SMS gateway (HttpSmsGatewayBackend): POST {to, from, text} with a bearer token.
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_SENDER = env("SMS_GATEWAY_SENDER", default="Selfcare")
SMS_GATEWAY_TIMEOUT_SECONDS = env.float("SMS_GATEWAY_TIMEOUT_SECONDS", default=10.0)
# E-mail (EmailBackend uses Django's send_mail): e.g. smtp+tls://user:password@host:587.
globals().update(
    {
        key: value
        for key, value in environ.Env.email_url_config(
            env("EMAIL_URL", default="") or "consolemail://"
        ).items()
        if value not in (None, "")
    }
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{OPERATOR_NAME} <noreply@localhost>")
# Reminders ("ends tomorrow", "renews tomorrow") go this many hours before a product's end.
REMINDER_LEAD_HOURS = env.int("REMINDER_LEAD_HOURS", default=24)

# --- Events and alerts ----------------------------------------------------------------------------
# A charge that takes a prepaid balance from this or more to below it records a BalanceLow event.
LOW_BALANCE_THRESHOLD = env.str("LOW_BALANCE_THRESHOLD", default="2.00")

# --- Events and campaigns -----------------------------------------------------------------------
# Who reacts to the event log, in this order, each called with the events being dispatched inside
# the dispatch's transaction: they write rows and schedule jobs on commit, never call out.
EVENT_SUBSCRIBERS = [
    "selfcare.services.alerts.alerts_send_for_events",
    "campaigns.engine.campaigns_decide_for_events",
    # The API's event hub: each event recorded for the listeners that want it (tmf/hub.py).
    "tmf.hub.hub_events_for_domain_events",
]
# The API's event hub ("Hub" in README): listeners' callbacks may only be on these hosts (names,
# or addresses such as 127.0.0.1 for a local demo; a name resolving to an address that is not
# public is refused unless that address is listed too). Empty: no listener can be registered.
TMF_HUB_ALLOWED_HOSTS = env.list("TMF_HUB_ALLOWED_HOSTS", default=[])
# A delivery waits this long for the listener's answer.
TMF_HUB_DELIVERY_TIMEOUT_SECONDS = env.float("TMF_HUB_DELIVERY_TIMEOUT_SECONDS", default=5.0)
# A listener that refuses is tried again after 10, 20, 40... seconds; after this many refusals in
# a row it is failing and tried every TMF_HUB_FAILING_RETRY_SECONDS until it accepts again.
TMF_HUB_RETRY_BACKOFF_SECONDS = env.int("TMF_HUB_RETRY_BACKOFF_SECONDS", default=10)
TMF_HUB_DELIVERY_MAX_ATTEMPTS = env.int("TMF_HUB_DELIVERY_MAX_ATTEMPTS", default=8)
TMF_HUB_FAILING_RETRY_SECONDS = env.int("TMF_HUB_FAILING_RETRY_SECONDS", default=300)
# Deliveries read at a time by a listener's walk, and how long a process may believe no listener
# exists after one registered elsewhere (register and unregister clear the shared cache at once;
# without Redis each process has its own).
TMF_HUB_DELIVERY_BATCH = 100
TMF_HUB_LISTENERS_CACHE_SECONDS = env.int("TMF_HUB_LISTENERS_CACHE_SECONDS", default=10)
# Counts who may buy an offer for the product manager's offer page, with the engine of
# eligibility and campaigns' audiences (the catalog names it here; it does not import orders).
OFFER_AUDIENCE_COUNTER = "orders.selectors.audience.offer_audience_count"
# One contact-pressure budget per customer across all marketing: at most this many campaign
# messages in so many days (transactional messages never count).
CAMPAIGN_CONTACT_BUDGET = env.int("CAMPAIGN_CONTACT_BUDGET", default=3)
CAMPAIGN_CONTACT_BUDGET_DAYS = env.int("CAMPAIGN_CONTACT_BUDGET_DAYS", default=7)
# Quiet hours in the operator's time zone, from the first hour to the second: a campaign message
# due then waits for the morning.
CAMPAIGN_QUIET_HOURS = tuple(env.list("CAMPAIGN_QUIET_HOURS", cast=int, default=[21, 9]))
# A purchase of the campaign's offer within this many days of its decision converts.
CAMPAIGN_CONVERSION_DAYS = env.int("CAMPAIGN_CONVERSION_DAYS", default=7)
# The next best offer's holdout: this share of customers (always the same ones) is shown no card,
# so what the cards bring can be measured against them (campaigns/recommendations.py).
NBO_HOLDOUT_PERCENT = env.int("NBO_HOLDOUT_PERCENT", default=10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
