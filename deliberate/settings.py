"""Settings for Deliberate, read from the environment and nowhere else.

Every variable is documented in `.env.example`. With nothing set, Deliberate runs embedded: SQLite under
`var/`, the in-memory channel layer, a secret key and a board key generated once into `var/`. The deploy
checks in `deliberate.checks` refuse that configuration for production (`manage.py check --deploy`).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from deliberate import env
from polls.core.signing import new_board_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DELIBERATE_VAR_DIR") or BASE_DIR / "var")

DEBUG = env.boolean("DEBUG", default=False)

SECRET_KEY, SECRET_KEY_GENERATED = env.secret_or_generated(
    "SECRET_KEY", VAR_DIR / "secret_key", generate=env.new_secret_key
)
DELIBERATE_BOARD_KEY, DELIBERATE_BOARD_KEY_GENERATED = env.secret_or_generated(
    "DELIBERATE_BOARD_KEY", VAR_DIR / "board_key", generate=new_board_key
)

ALLOWED_HOSTS = env.listing("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.listing("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS is terminated by the proxy in production; the cookies and HSTS follow it. Off by default so that
# `make demo` works on http://127.0.0.1:8000.
HTTPS = env.boolean("HTTPS", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.boolean("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# The preload directive only allows a submission to the browsers' list (hstspreload.org); operators who
# do not want that set SECURE_HSTS_PRELOAD=false (and the deploy check then warns, security.W021).
SECURE_HSTS_PRELOAD = HTTPS and env.boolean("SECURE_HSTS_PRELOAD", default=True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    # Before allauth: our templates override allauth's layout and form elements.
    "frontend",
    "allauth",
    "allauth.account",
    "deliberate",
    # The domain, one app per role, lower layers first (docs/architecture.md).
    "assemblies.accounts",
    "assemblies.audit",
    "assemblies.membership",
    "assemblies.roadmap",
    "polls",
    "assemblies.debates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "deliberate.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "deliberate.middleware.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "deliberate.urls"
ASGI_APPLICATION = "deliberate.asgi.application"
WSGI_APPLICATION = None

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
                "django.template.context_processors.i18n",
                "frontend.context_processors.site",
                "frontend.context_processors.notifications",
            ],
        },
    },
]

# Database -------------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'deliberate.sqlite3'}",
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", default=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a ballot is appended; IMMEDIATE takes the write lock at the start of a
    # transaction so that two concurrent writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Under ASGI, Django runs each request's sync code in a thread of its own, so a connection kept open by
# DATABASE_CONN_MAX_AGE is never reused: every request in flight holds a server connection of its own, and a
# burst of requests is refused past PostgreSQL's max_connections. A pool per process bounds and reuses them
# (README, Performance). Pooling needs DATABASE_CONN_MAX_AGE=0.
DATABASE_POOL_SIZE = env.integer("DATABASE_POOL_SIZE", default=0)
if DATABASE_POOL_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, DATABASE_POOL_SIZE),
        "max_size": DATABASE_POOL_SIZE,
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer and cache ------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# One Daphne process holds one pool; each socket's group membership and receive loop may take a
# connection at once, so the pool must cover the sockets a process serves (redis-py's default is 100).
REDIS_MAX_CONNECTIONS = env.integer("REDIS_MAX_CONNECTIONS", default=2000)
if REDIS_URL:
    # channels_redis's list-based layer rather than its publish/subscribe one: the hub (assemblies.debates.hub)
    # already receives each debate event once per process, the cost left is each socket's frame, and
    # pub/sub delivers at most once where a list keeps an event for a process whose connection blinks.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": REDIS_MAX_CONNECTIONS}],
                "capacity": 1500,
                "expiry": 30,
                "prefix": env.string("REDIS_PREFIX", default="deliberate"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "deliberate.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.string("REDIS_PREFIX", default="deliberate"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Accounts ------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "deliberate.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "assemblies.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_SIGNUP_FORM_CLASS = "frontend.forms.accounts.SignupDetailsForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_USER_MODEL_EMAIL_FIELD = "email"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Deliberate] "
ACCOUNT_PREVENT_ENUMERATION = True
# ACCOUNT_RATE_LIMITS is left at allauth's defaults on purpose: they guard log-in, codes and resets.
# Limits per address need the visitor's address: behind proxies that append X-Forwarded-For (nginx in
# docker-compose.yml), count them here, or every visitor shares the proxy's address and its allowance.
ALLAUTH_TRUSTED_PROXY_COUNT = env.integer("TRUSTED_PROXY_COUNT", default=0)

# Email ---------------------------------------------------------------------------------------------
EMAIL_HOST = env.string("EMAIL_HOST", default="")
EMAIL_BACKEND = env.string(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.integer("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", default=bool(EMAIL_HOST))
EMAIL_USE_SSL = env.boolean("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", default="Deliberate <deliberate@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Internationalisation --------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("fr", _("French")), ("pt", _("Portuguese"))]
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
TIME_ZONE = env.string("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Static files ----------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Without a collected manifest (tests, a first `runserver`), fall back to the plain names.
WHITENOISE_MANIFEST_STRICT = False
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

# Logging: no request lines with addresses from the app itself; Daphne's access log is off in our run
# commands (see Makefile and docker-compose.yml) so that secret ballots leave no address behind.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "daphne.access": {"level": "WARNING"},
    },
}

# Deliberate --------------------------------------------------------------------------------------------
DELIBERATE_SITE_NAME = env.string("DELIBERATE_SITE_NAME", default="Deliberate")
# Whether the sign-up page lets anyone create an account.
DELIBERATE_OPEN_SIGNUP = env.boolean("DELIBERATE_OPEN_SIGNUP", default=True)
# The public address of the site, for links in emails (notifications, invitations, voting codes).
DELIBERATE_BASE_URL = env.string("DELIBERATE_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Ballots a minute: per member on the roll-call form, per address on the voting-code form and the JSON API
# (a hall voting on one Wi-Fi shares an address: keep that one generous). Beyond them: 429 and a wait.
DELIBERATE_CASTS_PER_MINUTE = env.integer("DELIBERATE_CASTS_PER_MINUTE", default=10)
DELIBERATE_CASTS_PER_ADDRESS_PER_MINUTE = env.integer("DELIBERATE_CASTS_PER_ADDRESS_PER_MINUTE", default=1200)
