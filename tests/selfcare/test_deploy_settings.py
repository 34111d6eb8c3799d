"""Production settings: what a deployment sets passes `check --deploy`, each security setting comes
from its environment variable, and there is no public secret key unless DEBUG is asked for."""

import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "selfcare" / "settings.py"

SECURITY_VARIABLES = [
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_SECRET_KEY_FILE",
    "DJANGO_HTTPS",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_PROXY_SSL_HEADER",
    "DJANGO_SECURE_HSTS_SECONDS",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "DJANGO_SECURE_HSTS_PRELOAD",
    "DJANGO_SECURE_COOKIES",
]


def readme_production_environment() -> dict[str, str]:
    """The variables README.md's "Running in production" tells a deployment to set."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    variables = {}
    for line in block.splitlines():
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line.strip()):
            variables[match[1]] = match[2].strip('"')
    return variables


@pytest.fixture
def load_settings(monkeypatch, tmp_path):
    """Runs selfcare/settings.py afresh with the given variables (and no others of the security
    ones, nor a .env file, nor the demo's key file) and returns its names."""
    monkeypatch.setattr(environ.Env, "read_env", staticmethod(lambda *args, **kwargs: None))
    for name in SECURITY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY_FILE", str(tmp_path / "no-such-key-file"))

    def load(**variables: str) -> dict:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return load


def test_check_deploy_passes_with_the_production_settings_in_the_readme():
    documented = readme_production_environment()
    assert {"DJANGO_SECRET_KEY", "DJANGO_HTTPS", "DATABASE_URL"} <= documented.keys()
    environment = {
        "PATH": os.environ["PATH"],
        **documented,
        # The secrets the README leaves to fill in; this test's own database and Redis.
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "SMS_GATEWAY_TOKEN": "token",
        "DATABASE_URL": os.environ.get("DATABASE_URL", documented["DATABASE_URL"]),
        "REDIS_URL": os.environ.get("REDIS_URL", documented["REDIS_URL"]),
        # Not from a developer's .env.
        "DJANGO_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "selfcare.settings",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_without_a_key_and_without_debug_the_portal_refuses_to_start(load_settings):
    with pytest.raises(ImproperlyConfigured, match="No secret key: set DJANGO_SECRET_KEY"):
        load_settings()


def test_an_empty_key_is_no_key(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY_FILE"):
        load_settings(DJANGO_SECRET_KEY="", DJANGO_DEBUG="false")


def test_only_debug_runs_on_the_public_development_key(load_settings):
    assert load_settings(DJANGO_DEBUG="true")["SECRET_KEY"].startswith("insecure-local-only")


def test_the_key_comes_from_the_environment(load_settings):
    assert load_settings(DJANGO_SECRET_KEY="k" * 50)["SECRET_KEY"] == "k" * 50


def test_the_key_file_is_read_when_no_key_is_set(load_settings, tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("from-the-file\n")

    assert load_settings(DJANGO_SECRET_KEY_FILE=str(key_file))["SECRET_KEY"] == "from-the-file"
    assert (
        load_settings(
            DJANGO_SECRET_KEY="from-the-environment", DJANGO_SECRET_KEY_FILE=str(key_file)
        )["SECRET_KEY"]
        == "from-the-environment"
    )


def test_without_https_the_demo_runs_on_plain_http(load_settings):
    settings = load_settings(DJANGO_SECRET_KEY="key")

    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SECURE_PROXY_SSL_HEADER"] is None
    assert settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert settings["SECURE_HSTS_PRELOAD"] is False
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["CSRF_COOKIE_SECURE"] is False


def test_the_https_switch_turns_on_the_secure_defaults_but_not_preload(load_settings):
    settings = load_settings(DJANGO_SECRET_KEY="key", DJANGO_HTTPS="true")

    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_HSTS_PRELOAD"] is False
    assert settings["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.parametrize(
    ("variable", "value", "setting", "expected"),
    [
        ("DJANGO_SECURE_SSL_REDIRECT", "false", "SECURE_SSL_REDIRECT", False),
        ("DJANGO_SECURE_HSTS_SECONDS", "3600", "SECURE_HSTS_SECONDS", 3600),
        ("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", "false", "SECURE_HSTS_INCLUDE_SUBDOMAINS", False),
        ("DJANGO_SECURE_HSTS_PRELOAD", "true", "SECURE_HSTS_PRELOAD", True),
        ("DJANGO_SECURE_COOKIES", "false", "SESSION_COOKIE_SECURE", False),
        ("DJANGO_SECURE_COOKIES", "false", "CSRF_COOKIE_SECURE", False),
        (
            "DJANGO_SECURE_PROXY_SSL_HEADER",
            "HTTP_X_FORWARDED_PROTO,https",
            "SECURE_PROXY_SSL_HEADER",
            ("HTTP_X_FORWARDED_PROTO", "https"),
        ),
    ],
)
def test_each_security_setting_is_read_from_its_variable(
    load_settings, variable, value, setting, expected
):
    """Each one overrides what DJANGO_HTTPS would choose."""
    settings = load_settings(DJANGO_SECRET_KEY="key", DJANGO_HTTPS="true", **{variable: value})

    assert settings[setting] == expected


@pytest.mark.parametrize(
    ("variable", "value", "setting"),
    [
        ("DJANGO_SECURE_SSL_REDIRECT", "true", "SECURE_SSL_REDIRECT"),
        ("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", "true", "SECURE_HSTS_INCLUDE_SUBDOMAINS"),
        ("DJANGO_SECURE_COOKIES", "true", "SESSION_COOKIE_SECURE"),
        ("DJANGO_SECURE_COOKIES", "true", "CSRF_COOKIE_SECURE"),
    ],
)
def test_each_security_setting_can_be_turned_on_alone(load_settings, variable, value, setting):
    assert load_settings(DJANGO_SECRET_KEY="key", **{variable: value})[setting] is True


def test_a_proxy_header_without_its_value_is_refused(load_settings):
    with pytest.raises(ImproperlyConfigured, match="a header and a value"):
        load_settings(DJANGO_SECRET_KEY="key", DJANGO_SECURE_PROXY_SSL_HEADER="X_FORWARDED_PROTO")


def test_the_pool_replaces_persistent_connections_on_postgresql(load_settings):
    settings = load_settings(
        DJANGO_SECRET_KEY="key",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/selfcare",
        DJANGO_DB_POOL_SIZE="2",
    )

    database = settings["DATABASES"]["default"]
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 2}
    assert database["CONN_MAX_AGE"] == 0


def test_without_a_pool_size_connections_persist_per_thread(load_settings, monkeypatch):
    monkeypatch.delenv("DJANGO_DB_POOL_SIZE", raising=False)
    monkeypatch.delenv("DJANGO_CONN_MAX_AGE", raising=False)
    settings = load_settings(
        DJANGO_SECRET_KEY="key", DATABASE_URL="postgres://postgres@127.0.0.1:5432/selfcare"
    )

    database = settings["DATABASES"]["default"]
    assert "pool" not in database.get("OPTIONS", {})
    assert database["CONN_MAX_AGE"] == 60
