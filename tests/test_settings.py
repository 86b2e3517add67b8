"""Settings: production mode refuses to start unsafely and turns on the protections.

Each case starts a fresh Python process, because settings are read once at start-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Variables of the developer's or the test run's own environment that would change the result.
PRODUCTION = {"ALLOWED_HOSTS": "inspiring.example.org", "SITE_URL": "https://inspiring.example.org"}
LOCAL = {
    "SITE_URL",
    "TASKS_BACKEND",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEMO_MODE",
    "DATABASE_URL",
    "DATABASE_JIT",
    "SESSION_ABSOLUTE_HOURS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
STRONG_KEY = "k" * 30 + "abcdefghijklmnopqrstuvwxyz0123456789"

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name, None) for name in %r}, default=str))
"""


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run Python in a fresh process with only `env` on top of a neutral environment."""
    clean = {k: v for k, v in os.environ.items() if k not in LOCAL}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start(
    env: dict[str, str], names: tuple[str, ...] = ("DEBUG",)
) -> subprocess.CompletedProcess[str]:
    """Import the settings with `env`; print the named settings as JSON."""
    return run(["-c", PRINT_SETTINGS % (names,)], {"DATABASE_URL": "sqlite:///:memory:", **env})


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = start(PRODUCTION)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("key", ["short", "django-insecure-" + "x" * 60, "a" * 60])
def test_production_refuses_a_weak_secret_key(key: str) -> None:
    result = start({"SECRET_KEY": key, **PRODUCTION})
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    result = start({"SECRET_KEY": STRONG_KEY, "SITE_URL": PRODUCTION["SITE_URL"]})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


@pytest.mark.parametrize("site_url", ["", "http://inspiring.example.org"])
def test_production_needs_the_public_https_address_for_email_links(site_url: str) -> None:
    result = start({"SECRET_KEY": STRONG_KEY, **PRODUCTION, "SITE_URL": site_url})
    assert result.returncode != 0
    assert "SITE_URL must be the site's public https:// address" in result.stderr


def test_a_bad_yes_no_value_fails_loudly() -> None:
    result = start({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a yes/no value" in result.stderr


def test_production_turns_on_secure_cookies_hsts_and_https() -> None:
    names = (
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "CONTENT_SECURITY_POLICY",
        "TWO_FACTOR_REQUIRED",
        "STORAGES",
    )
    result = start({"SECRET_KEY": STRONG_KEY, **PRODUCTION}, names)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert "default-src" in str(values["CONTENT_SECURITY_POLICY"])
    assert values["TWO_FACTOR_REQUIRED"] is True
    assert "CompressedManifestStaticFilesStorage" in str(values["STORAGES"])


def test_production_passes_djangos_deployment_checks() -> None:
    env = {
        "SECRET_KEY": STRONG_KEY,
        **PRODUCTION,
        # The check reads the settings only; nothing connects to this database.
        "DATABASE_URL": "postgres://inspiring@db.example.org:5432/inspiring",
        "TASKS_BACKEND": "database",
        # Joining the browsers' HSTS preload list is the deployer's choice
        # (it binds every subdomain), so it is off unless asked for.
        "SECURE_HSTS_PRELOAD": "1",
    }
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_checks_warn_about_sqlite_and_in_request_tasks() -> None:
    env = {"SECRET_KEY": STRONG_KEY, **PRODUCTION, "DATABASE_URL": "sqlite:///:memory:"}
    result = run(["manage.py", "check", "--deploy"], env)
    assert "inspiring.W001" in result.stderr + result.stdout
    assert "inspiring.W002" in result.stderr + result.stdout


def test_development_mode_needs_no_configuration() -> None:
    result = start({"DEBUG": "1"}, ("DEBUG", "SESSION_COOKIE_SECURE", "ALLOWED_HOSTS"))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is True
    assert "127.0.0.1" in values["ALLOWED_HOSTS"]


def test_postgresql_runs_without_jit_unless_asked() -> None:
    """JIT compiling cost more than it saved on matching's queries (ADR 0010); options
    given in DATABASE_URL are kept; DATABASE_JIT=1 (behind PgBouncer) leaves them alone."""
    url = "postgres://u@db.example.org:5432/inspiring"
    found = []
    for env in (
        {"DATABASE_URL": url},
        {"DATABASE_URL": url + "?options=-c%20statement_timeout%3D5000"},
        {"DATABASE_URL": url, "DATABASE_JIT": "1"},
    ):
        result = start({"DEBUG": "1", **env}, ("DATABASES",))
        assert result.returncode == 0, result.stderr
        found.append(json.loads(result.stdout)["DATABASES"]["default"].get("OPTIONS", {}))
    assert found[0]["options"] == "-c jit=off"
    assert found[1]["options"] == "-c statement_timeout=5000 -c jit=off"
    assert "options" not in found[2]


def test_sessions_end_12_hours_after_sign_in_unless_configured() -> None:
    names = ("SESSION_ABSOLUTE_AGE", "SESSION_COOKIE_AGE", "MESSAGE_STORAGE")
    default = start({"DEBUG": "1"}, names)
    assert default.returncode == 0, default.stderr
    values = json.loads(default.stdout)
    assert values["SESSION_ABSOLUTE_AGE"] == 12 * 3600
    assert values["SESSION_COOKIE_AGE"] == 8 * 3600
    # Flashed messages name clients: kept in the session, never in a cookie.
    assert values["MESSAGE_STORAGE"] == "django.contrib.messages.storage.session.SessionStorage"
    three = start({"DEBUG": "1", "SESSION_ABSOLUTE_HOURS": "3"}, names)
    assert json.loads(three.stdout)["SESSION_ABSOLUTE_AGE"] == 3 * 3600
    zero = start({"DEBUG": "1", "SESSION_ABSOLUTE_HOURS": "0"}, names)
    assert zero.returncode != 0
    assert "SESSION_ABSOLUTE_HOURS=0 must be at least 1" in zero.stderr
