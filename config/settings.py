"""Inspiring's settings: the one settings file, configured by environment variables.

Every value a deployment may change is read here through the typed helpers in
lib.env, which refuse bad values at start-up. The README lists the variables.

Modes:
- DEBUG=1 (what `make run` and `make test` use): local development, embedded SQLite.
- DEBUG unset or 0: production. Refuses to start without a real SECRET_KEY and
  ALLOWED_HOSTS; turns on secure cookies, HTTPS redirect and HSTS.
- DEMO_MODE=1: a demonstration site with made-up people; two-factor sign-in is
  not enforced so visitors can try each role, and every page says it is a demo.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from lib.env import env_bool, env_choice, env_int, env_list, env_str
from lib.mesh import area_mailboxes_from_environ, check_settings

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Mode -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
DEMO_MODE = env_bool("DEMO_MODE", False)

_DEV_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production mode (DEBUG off) refuses to start without a "
            "real secret key: set SECRET_KEY to a long random value, for example from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (
    len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith("django-insecure")
    or SECRET_KEY == _DEV_SECRET_KEY
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. In production, list the site's host names, comma-separated."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The public address of the site, for links in emails (invitations, password resets).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not DEBUG and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "SITE_URL must be the site's public https:// address in production "
        "(it is used in the links of invitation and password emails)."
    )

# --- Applications -----------------------------------------------------------

INSTALLED_APPS = [
    # Our apps, lowest first: each may import only from those above it.
    "inspiring.ui",
    "inspiring.ops",
    "inspiring.areas",
    "inspiring.accounts",
    "inspiring.directory",
    "inspiring.feeds",
    "inspiring.bookings",
    "inspiring.opendata",
    "inspiring.measures",
    "inspiring.casework",
    "inspiring.matching",
    "inspiring.surveys",
    "inspiring.evaluation",
    "inspiring.monitoring",
    "inspiring.playbook",
    "inspiring.demo",
    # Django and third-party apps.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Built-in widget templates, for the NHS.UK form renderer (TemplatesSetting).
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: the request id on every log line and in X-Request-ID; slow requests and
    # queries logged (SLOW_REQUEST_MS, SLOW_QUERY_MS).
    "inspiring.ui.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy: the browser features the site never uses are off.
    "inspiring.ui.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private, no-store on every response to a signed-in user or
    # marked as carrying personal data (accounts.privacy).
    "inspiring.accounts.middleware.PrivateResponseMiddleware",
    # Every view needs a signed-in user unless it opts out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Roles that can see personal data must complete two-factor sign-in.
    "inspiring.accounts.middleware.TwoFactorMiddleware",
    # request.membership / request.area: the area a staff user is working in.
    "inspiring.accounts.middleware.CurrentAreaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out a session SESSION_ABSOLUTE_HOURS after sign-in, however busy (it says
    # so with a message, hence after MessageMiddleware).
    "inspiring.accounts.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # On a demo site: the shared demo accounts' passwords, two-factor settings
    # and the admin site cannot be changed (a no-op otherwise).
    "inspiring.demo.guard.DemoGuardMiddleware",
    # Last, as django-axes requires: it turns lockouts into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Forms render as NHS.UK frontend components (label, hint, error message).
FORM_RENDERER = "inspiring.ui.forms.NHSUKFormRenderer"
WSGI_APPLICATION = "config.wsgi.application"

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
                "csp.context_processors.nonce",
                "inspiring.areas.context_processors.site",
                "inspiring.accounts.context_processors.staff",
                "inspiring.demo.context_processors.demo_accounts",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

# --- Database and cache -----------------------------------------------------

_DEFAULT_SQLITE = BASE_DIR / "var" / "inspiring.sqlite3"
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    _DEFAULT_SQLITE.parent.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{_DEFAULT_SQLITE}", conn_health_checks=True
    )
}
# How long a process keeps its database connection between requests, in seconds. On
# PostgreSQL 10 minutes by default (gunicorn's workers serve one request at a time, so
# each holds one connection): a new connection each request costs more than most
# pages' queries, and statements prepared on it (DATABASE_PREPARED) would be lost. A
# connection found broken is replaced before the request uses it (health checks).
DATABASES["default"]["CONN_MAX_AGE"] = env_int(
    "DATABASE_CONN_MAX_AGE",
    600 if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" else 0,
    minimum=0,
)
# The few statements every public page runs with only their values changing are
# prepared once a connection (lib.sql.prepared): off behind a PgBouncer in transaction
# mode older than 1.21, which cannot keep prepared statements.
DATABASE_PREPARED = env_bool("DATABASE_PREPARED", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one writer writes; IMMEDIATE takes the
    # write lock at the start of a transaction, so two concurrent writers wait
    # for each other instead of one failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool(
    "DATABASE_JIT", False
):
    # PostgreSQL's JIT compiles queries it expects to be long: for this site's short
    # queries over many rows the compiling costs more than it saves (seen: 1.1 s of a
    # 1.3 s matching query). Off unless DATABASE_JIT=1 (needed behind PgBouncer, which
    # refuses the "options" startup parameter unless told to ignore it).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that drops packets must not hold a request until gunicorn kills
    # its worker: connecting gives up after this many seconds (?connect_timeout= in
    # DATABASE_URL wins).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Background tasks -------------------------------------------------------

# "immediate" runs a task in the request that enqueued it (development, tests,
# small sites); "database" queues it for `manage.py db_worker` (production).
TASKS_BACKEND = env_choice("TASKS_BACKEND", "immediate", ("immediate", "database"))
# --- Operations: the scheduler and the readiness check (inspiring.ops) ------------

# The scheduler process (`manage.py run_scheduler`, the Procfile's `scheduler`) queues
# feed imports and tries waiting messages again every this many minutes (each feed is
# still fetched at most every FEEDS_INTERVAL_MINUTES), and runs the nightly jobs at
# this hour (UK time).
SCHEDULE_EVERY_MINUTES = env_int("SCHEDULE_EVERY_MINUTES", 5, minimum=1)
SCHEDULE_NIGHTLY_HOUR = env_int("SCHEDULE_NIGHTLY_HOUR", 2, minimum=0)
if SCHEDULE_NIGHTLY_HOUR > 21:
    raise ImproperlyConfigured("SCHEDULE_NIGHTLY_HOUR must be 0 to 21 (three jobs, an hour apart).")
# `/health/ready/`: a worker's or scheduler's heartbeat older than this is stale (they
# beat every 30 seconds). The scheduler is required in production, not in development.
HEALTH_STALE_SECONDS = env_int("HEALTH_STALE_SECONDS", 180, minimum=60)
HEALTH_REQUIRE_SCHEDULER = env_bool("HEALTH_REQUIRE_SCHEDULER", not DEBUG)
# A background task still running after this long lost its worker (killed, out of
# memory): the scheduler marks it failed (inspiring.ops.abandoned).
TASK_ABANDONED_MINUTES = env_int("TASK_ABANDONED_MINUTES", 60, minimum=5)

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TASKS_BACKEND == "immediate"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

# --- Authentication ---------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "areas:index"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failed attempts for one
# email address the account is locked for the cool-off period, whoever tries.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
# The sign-in form calls its email field "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "inspiring.accounts.lockout.attempted_email"
# On a demo site the shared demo accounts are never locked (a no-op otherwise).
AXES_WHITELIST_CALLABLE = "inspiring.demo.guard.never_lock_demo_accounts"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "lib.http.client_ip"
AXES_VERBOSE = False
# Locking by IP address as well would lock a whole GP practice or council office
# (one address behind NAT) out after a few colleagues' typos; the per-account
# lockout above is what stops password guessing, whatever address it comes from.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up for monitoring's summary
    # rows (ADR 0015); SQLite keeps the index without the extra columns, as intended.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
# Behind a reverse proxy, how many proxies append to X-Forwarded-For.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# Two-factor authentication (django-otp).
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Inspiring")
# The admin site must never show someone's authenticator key or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Outside demo mode, these must sign in with a second factor (see accounts.roles).
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not DEMO_MODE)

SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 8, minimum=1) * 3600
SESSION_SAVE_EVERY_REQUEST = True  # the session lapses after SESSION_HOURS of inactivity
# ...and ends this long after signing in, however busy (accounts.middleware).
SESSION_ABSOLUTE_AGE = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Flashed messages name clients ("Dylan Allsop is now on your caseload."): they are
# kept in the session, server-side, never in a cookie (signed but readable).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Invitations to join an area expire after this many days.
INVITATION_DAYS = env_int("INVITATION_DAYS", 14, minimum=1)

# --- Security headers -------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features the site never uses, refused for it and anything it embeds
# (inspiring.ui.middleware). Each maps to the origins allowed: none. Only names
# Chromium recognises (it warns of an unknown one on every page: "bluetooth" is not
# one). Nothing here finds the visitor's location: What's on asks for a postcode.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers check health over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/(ready/)?$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a promise to browsers' built-in lists that is slow to take back
        # (every subdomain, for months): off unless chosen, so Django's reminder to turn
        # it on is not a warning here (check --deploy --fail-level WARNING passes).
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content security policy, on in every mode so development sees what production
# enforces. Scripts and styles come only from this site; the one inline script
# (NHS.UK frontend's "js-enabled" marker) carries the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Email ------------------------------------------------------------------

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that does not answer must not hold a request or a worker for long.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 15, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Inspiring <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The site's sender, for messages kept and retried (a client's plan, the message back
# to the GP, booking reminders): printed to the console, sent as email by the backend
# above (texts to the console), or sent through GOV.UK Notify (see lib/senders.py for
# its templates). Named for casework, its first user.
CASEWORK_SENDER = env_choice("CASEWORK_SENDER", "console", ("console", "email", "notify"))
NOTIFY_API_KEY = env_str("NOTIFY_API_KEY")
NOTIFY_EMAIL_TEMPLATE_ID = env_str("NOTIFY_EMAIL_TEMPLATE_ID")
NOTIFY_SMS_TEMPLATE_ID = env_str("NOTIFY_SMS_TEMPLATE_ID")
# GOV.UK Notify's API address (default: the real one; tests point it at a fake on loopback).
NOTIFY_API_URL = env_str("NOTIFY_API_URL")
# The bearer token Notify sends with its delivery receipts (set the same in Notify's
# API integration > Callbacks, with the URL https://<site>/api/notify/delivery-receipts/).
# Unset: the receipt endpoint answers 404 and messages show only whether they went.
NOTIFY_CALLBACK_TOKEN = env_str("NOTIFY_CALLBACK_TOKEN")
if NOTIFY_CALLBACK_TOKEN and len(NOTIFY_CALLBACK_TOKEN) < 10:
    # Notify itself asks for at least 10 characters.
    raise ImproperlyConfigured("NOTIFY_CALLBACK_TOKEN must be at least 10 characters long.")
if CASEWORK_SENDER == "notify" and not (
    NOTIFY_API_KEY and NOTIFY_EMAIL_TEMPLATE_ID and NOTIFY_SMS_TEMPLATE_ID
):
    raise ImproperlyConfigured(
        "CASEWORK_SENDER=notify needs NOTIFY_API_KEY, NOTIFY_EMAIL_TEMPLATE_ID and "
        "NOTIFY_SMS_TEMPLATE_ID."
    )

# --- MESH -------------------------------------------------------------------

# NHS England's message exchange: the message back to the GP (a FHIR document to the
# practice's mailbox, found by its ODS code) and referrals collected from an area's
# inbox. lib/mesh.py says what each variable is. Secrets come from the environment
# only, never the database. No mailbox set: MESH is off. The sandbox (`mesh-sandbox`)
# in development and tests; NHS England's endpoint only when MESH_URL names it.
MESH_URL = env_str("MESH_URL").rstrip("/")
MESH_MAILBOX_ID = env_str("MESH_MAILBOX_ID")
MESH_PASSWORD = env_str("MESH_PASSWORD")
MESH_SHARED_KEY = env_str("MESH_SHARED_KEY")
MESH_CLIENT_CERT = env_str("MESH_CLIENT_CERT")
MESH_CLIENT_KEY = env_str("MESH_CLIENT_KEY")
MESH_CA_CERT = env_str("MESH_CA_CERT")
# A MESH that does not answer must not hold a worker for long.
MESH_TIMEOUT = env_int("MESH_TIMEOUT", 30, minimum=1)
# How often each mailbox's inbox is collected.
MESH_POLL_MINUTES = env_int("MESH_POLL_MINUTES", 5, minimum=1)
# The workflow id referrals come to our mailboxes with, as agreed with NHS England for
# the service (messages of other workflows are left for whoever reads them).
MESH_REFERRAL_WORKFLOW_ID = env_str("MESH_REFERRAL_WORKFLOW_ID") or "INSPIRING_REFERRAL"
# An area's own mailbox: MESH_MAILBOX_ID__<AREA>, MESH_PASSWORD__<AREA> (and optionally
# MESH_CLIENT_CERT__<AREA>, MESH_CLIENT_KEY__<AREA>), <AREA> its slug upper-cased with
# "_" for "-": {"MID_NOTTS": {"mailbox_id": ..., "password": ...}}.
MESH_AREA_MAILBOXES = area_mailboxes_from_environ()
check_settings(
    url=MESH_URL,
    mailbox_id=MESH_MAILBOX_ID,
    password=MESH_PASSWORD,
    shared_key=MESH_SHARED_KEY,
    client_cert=MESH_CLIENT_CERT,
    client_key=MESH_CLIENT_KEY,
    areas=MESH_AREA_MAILBOXES,
)

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
# static/ holds our own files and static/build the ones `npm run build` makes
# from npm packages (NHS.UK frontend, htmx).
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development whitenoise serves straight from the finders and picks up rebuilt
# assets; in production it serves the collected, hashed files in STATIC_ROOT.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Casework retention -----------------------------------------------------

# `manage.py apply_retention` (cron, nightly) closes and erases the clients with
# nothing recorded about them for this many years (UK GDPR storage limitation).
CASEWORK_RETENTION_YEARS = env_int("CASEWORK_RETENTION_YEARS", 6, minimum=1)

# The public self-referral form: at most this many referrals an hour from one
# address, and into one area from everyone (a flood is stopped, not triaged).
SELF_REFERRALS_PER_ADDRESS_HOURLY = env_int("SELF_REFERRALS_PER_ADDRESS_HOURLY", 3, minimum=1)
SELF_REFERRALS_PER_AREA_HOURLY = env_int("SELF_REFERRALS_PER_AREA_HOURLY", 60, minimum=1)
# Places booked online: from one address, and on one session, in an hour.
BOOKINGS_PER_ADDRESS_HOURLY = env_int("BOOKINGS_PER_ADDRESS_HOURLY", 5, minimum=1)
BOOKINGS_PER_SESSION_HOURLY = env_int("BOOKINGS_PER_SESSION_HOURLY", 60, minimum=1)
# Requests a minute from one booking partner (Open Booking API) before 429
# TooManyRequestsError: far above a real partner's traffic, well below a runaway loop.
OPEN_BOOKING_PER_PARTNER_MINUTE = env_int("OPEN_BOOKING_PER_PARTNER_MINUTE", 300, minimum=1)
# A resident's name and contact details on an online booking are blanked this many days
# after its session (forget_past_bookings, nightly).
BOOKINGS_RETENTION_DAYS = env_int("BOOKINGS_RETENTION_DAYS", 30, minimum=1)

# The public community survey: responses an hour from one address and into one survey
# from everyone, and the fewest seconds from "Start now" to "Send" (a person reads the
# questions; a script posting straight through does not).
SURVEY_RESPONSES_PER_ADDRESS_HOURLY = env_int("SURVEY_RESPONSES_PER_ADDRESS_HOURLY", 10, minimum=1)
SURVEY_RESPONSES_PER_SURVEY_HOURLY = env_int("SURVEY_RESPONSES_PER_SURVEY_HOURLY", 2000, minimum=1)
SURVEY_MIN_SECONDS = env_int("SURVEY_MIN_SECONDS", 30, minimum=0)

# --- Directory and calendar -----------------------------------------------

# Sessions are materialised this many months ahead (and rolled forward nightly).
SESSION_HORIZON_MONTHS = env_int("SESSION_HORIZON_MONTHS", 13, minimum=1)
# A listing is due for confirmation after this many days (its group is emailed a
# one-click link), and stale after the second period: flagged to the coordinator
# and left out of link workers' suggestions until confirmed.
LISTING_CONFIRM_DAYS = env_int("LISTING_CONFIRM_DAYS", 90, minimum=1)
LISTING_STALE_DAYS = env_int("LISTING_STALE_DAYS", 180, minimum=1)
# A listing unconfirmed this long is no longer shown to the public (stale ones say so first).
LISTING_HIDE_DAYS = env_int("LISTING_HIDE_DAYS", 365, minimum=1)
# How long an emailed confirmation link works.
CONFIRMATION_LINK_DAYS = env_int("CONFIRMATION_LINK_DAYS", 30, minimum=1)

# --- Calendar feeds -------------------------------------------------------------

# Feeds are fetched from public addresses only; tests serve them on loopback.
FEEDS_ALLOW_PRIVATE_ADDRESSES = env_bool("FEEDS_ALLOW_PRIVATE_ADDRESSES", False)
FEEDS_TIMEOUT_SECONDS = env_int("FEEDS_TIMEOUT_SECONDS", 20, minimum=1)
FEEDS_MAX_BYTES = env_int("FEEDS_MAX_BYTES", 5_000_000, minimum=1000)
# How often `import_feeds` (run by cron) fetches each feed.
FEEDS_INTERVAL_MINUTES = env_int("FEEDS_INTERVAL_MINUTES", 60, minimum=5)

# --- Open data ------------------------------------------------------------------

# Items per page of the OpenActive RPDE feeds.
OPENACTIVE_PAGE_SIZE = env_int("OPENACTIVE_PAGE_SIZE", 500, minimum=1)

# --- Geography --------------------------------------------------------------

# The CSV files `manage.py load_geography` reads by default (shipped in the repository).
GEOGRAPHY_DATA_DIR = BASE_DIR / "data" / "geography"

# --- Logging ----------------------------------------------------------------

# `plain` (the default): "LEVEL [request id] logger: message", one a line. `json`: one
# JSON object a line (time, level, logger, message, request_id), for a log collector.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
# A request, or any one database query, slower than this is logged as a warning
# (the path without its query string; the SQL without its parameters).
SLOW_REQUEST_MS = env_int("SLOW_REQUEST_MS", 1000, minimum=0)
SLOW_QUERY_MS = env_int("SLOW_QUERY_MS", 500, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # record.request_id: the id of the request (or task) being handled, "-" if none.
    "filters": {"request_id": {"()": "lib.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "{levelname} [{request_id}] {name}: {message}", "style": "{"},
        "json": {
            # pythonjsonlogger.json.JsonFormatter, writing only these fields.
            "()": "lib.requestid.JsonFormatter",
            "fmt": "{levelname}{name}{message}{request_id}",
            "style": "{",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        # django-axes logs every failed sign-in at WARNING; the audit log keeps them.
        "axes": {"level": "ERROR"},
        # WeasyPrint and its font library narrate every step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # APScheduler says every run of every job at INFO (the heartbeat: twice a minute);
        # the scheduler logs each job's outcome itself (inspiring.ops.scheduler).
        "apscheduler": {"level": "WARNING"},
    },
}

# --- Error reporting (optional) ---------------------------------------------

# With SENTRY_DSN set, unhandled errors go to Sentry, scrubbed of personal data
# (lib.errors: no request bodies, cookies, query strings, user or local variables).
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from lib.errors import init_sentry, sample_rate

    init_sentry(
        SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT") or None,
        traces_sample_rate=sample_rate(
            "SENTRY_TRACES_SAMPLE_RATE", env_str("SENTRY_TRACES_SAMPLE_RATE", "0")
        ),
    )
