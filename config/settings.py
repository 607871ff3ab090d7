"""Django settings for the Prefhub project.

Environment variables are read here and only here; every one has a working default for a
development machine. See the configuration table in docs/configuration.md.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.mailers import mailer_from_url
from hub import celery_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

DEVELOPMENT_SECRET_KEY = "prefhub-development-only-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "Set SECRET_KEY: the development default is refused when DEBUG is off."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_results",
    # Apps that bind per-instance preference models come before `preferences` (R-DJ-2).
    "config.demo",
    "hub",
    "preferences",
    "preferences.users",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Records request.user as the actor of preference changes (F1).
    "hub.actor.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "preferences.processors.global_preferences",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web, worker and beat processes write one SQLite file: WAL lets readers run beside a
    # writer, and BEGIN IMMEDIATE makes writers queue instead of failing with "database
    # is locked" when a reader turns writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL;"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache: a per-process cache would serve stale preferences across web and worker
# processes (spec R-CACHE-9).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "prefhub",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Files served at the site root, such as /favicon.ico, which browsers ask every page for.
WHITENOISE_ROOT = BASE_DIR / "config" / "public"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# The admin login refuses non-staff users; this one lets users reach their own preference pages.
LOGIN_URL = "preferences:login"

# Django 6.1's MAILERS replaces the EMAIL_* settings; EMAIL_URL configures the default one.
MAILERS = {"default": mailer_from_url(env("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="prefhub@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = env.list("ADMINS", default=["admin@localhost"])

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Prefhub API",
    "DESCRIPTION": "Run-time preferences and the hub that delivers their changes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema names every preference and section: signed-in users only, like the API.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the installed sidecar package, not a CDN: /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

DYNAMIC_PREFERENCES = {}

# Celery: every key is read by celery_app.py through the CELERY_ namespace.
CELERY_BROKER_URL = REDIS_URL
# A commit must return quickly when the broker is down (R3): the publish after commit
# retries once at once, then gives up, and the outbox sweeper publishes the event later
# (F2). The connect timeout bounds the wait for a broker that does not even refuse.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
# Workers keep reconnecting when the broker goes away and comes back.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Redis redelivers a message not acknowledged within the visibility timeout: it must
# exceed the longest task run and countdown (hub.W003), and is the delay after which a
# killed worker's task runs again (R4).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXPIRES = timedelta(days=7)
CELERY_TIMEZONE = TIME_ZONE
# Celery's Django fixup closes the database connection before and after every task, so
# each task paid a new PostgreSQL connection (about a tenth of a delivery's time): keep
# one for this many tasks instead (a connection broken meanwhile fails tasks until the
# next recycle; the sweepers re-publish what they left undone).
CELERY_DB_REUSE_MAX = 200
CELERY_TASK_DEFAULT_QUEUE = "default"

# The hub's own settings (hub/conf.py lists every key and its default); HUB_SETTINGS may
# give a JSON object of overrides, e.g. '{"OUTBOX_GRACE": 10}'.
HUB = env.json("HUB_SETTINGS", default={})

# What Flower itself reads (`celery flower` takes FLOWER_* variables): no default, so the
# hub.W004 check sees an unset credential. bin/run generates one on first run.
FLOWER_BASIC_AUTH = env("FLOWER_BASIC_AUTH", default="")

# The superuser that `manage.py demo_setup` creates on first run (bin/run); an empty
# password means "generate one and print it once".
DEMO_ADMIN_USERNAME = env("DEMO_ADMIN_USERNAME", default="admin")
DEMO_ADMIN_EMAIL = env("DEMO_ADMIN_EMAIL", default="admin@localhost")
DEMO_ADMIN_PASSWORD = env("DEMO_ADMIN_PASSWORD", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default logging gives "django" a console handler of its own: its records
        # (every django.request warning) reached the console twice, there and through root.
        # Only Django's mail to ADMINS stays; the console is root's.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
    },
}

# The queues, routes, beat schedule and reliability settings of the hub (hub/celery_config.py).
celery_config.configure(
    globals(),
    outbox_sweep=env.float("OUTBOX_SWEEP_SECONDS", default=15.0),
    webhook_sweep=env.float("WEBHOOK_SWEEP_SECONDS", default=10.0),
    email_sweep=env.float("EMAIL_SWEEP_SECONDS", default=60.0),
)
