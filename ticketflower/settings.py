"""TicketFlower settings, read from the environment (twelve-factor).

Every knob a deployment needs is an environment variable; the defaults make a
fresh checkout run on a local SQLite file with `DEBUG` on.
"""

import os
from datetime import timedelta
from pathlib import Path

import corsheaders.defaults
import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from workflow_design import layout_contract

# Django's generic classes (ModelAdmin[...] and the like) accept type arguments at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "insecure-dev-key-only-for-local-runs-never-deploy-this-value-0123456789"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "guardian",
    "axes",
    "strawberry_django",
    "users",
    "workflow_design",
]

MIDDLEWARE = [
    # /healthz, /readyz, /metrics: before every other middleware (no host check, no HTTPS redirect, no session).
    "ticketflower.probes.ProbeMiddleware",
    "ticketflower.middleware.RequestIdMiddleware",
    "ticketflower.middleware.RequestMetricsMiddleware",
    # Before every middleware that answers by itself (413, HTTPS redirect, static files): a browser app can then
    # read those answers too, and preflights are answered without further work.
    "corsheaders.middleware.CorsMiddleware",
    "ticketflower.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Row-level security (ticketflower/tenancy.py): users and companies of every company while the user is being
    # found, then the user's company's rows only.
    "ticketflower.tenancy.AuthenticationScopeMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the session user is known: a bearer token, when present, replaces it.
    "users.middleware.BearerTokenMiddleware",
    "ticketflower.tenancy.CompanyScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ticketflower.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "schema" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "ticketflower.wsgi.application"

# No DATABASE_URL: a local SQLite file, so a newcomer needs nothing else.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

# A runaway statement cannot hold a worker (or locks) for long.
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 15000)
# The role the application connects as in production, which does not own the tables: PostgreSQL's row-level security
# then shows each request only its company's rows (kernel/row_security.py). `migrate` makes it (without LOGIN) unless
# it exists and grants it what the service does to rows; migrations and management commands run as the owner.
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "ticketflower_app")
# DATABASE_URL names a transaction pooler (PgBouncer, pool_mode = transaction): consecutive transactions of one
# connection may run on different server sessions, so nothing may rely on session state (README "Production").
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, writing each request's tenant scope (row-level security) into its transactions.
    DATABASES["default"]["ENGINE"] = "ticketflower.postgresql"
    # A dead database is noticed within seconds rather than at the TCP timeout.
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT_SECONDS", 5)}
    if DATABASE_TRANSACTION_POOLING:
        # No session state: the statement timeout is set per transaction (ticketflower/postgresql/base.py) and
        # by the role (ALTER ROLE ... SET statement_timeout); `.iterator()` reads without a server-side cursor,
        # which would live in a session. Prepared statements are off already (Django's default for psycopg 3).
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        DATABASES["default"]["OPTIONS"]["options"] = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}"

# Request bodies: at most 10 MiB (HTTP 413 above, see ticketflower.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BODY_BYTES", 10 * 1024 * 1024)
# Requests without valid credentials (sign-up, login, token refresh: all tiny) send at most this
# much (HTTP 413 above, see schema/views.py): decoded JSON can take ~17 times its text's size
# (a 10 MiB body of empty objects grew a worker by 170 MB).
MAX_ANONYMOUS_REQUEST_BODY_BYTES = env_int("MAX_ANONYMOUS_REQUEST_BODY_BYTES", 256 * 1024)

# Every upload keeps a full version (up to ~9 MiB) for good: a company's stored versions may
# take this many bytes (1 GiB: a thousand versions of a 1,000-task workflow), then uploads are
# refused (QUOTA_EXCEEDED) until workflows are deleted.
COMPANY_STORAGE_QUOTA_BYTES = env_int("COMPANY_STORAGE_QUOTA_BYTES", 1024**3)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out client is refused before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, reading a user's permissions with the user (users/permissions.py).
    "users.permissions.PermissionsBackend",
    "guardian.backends.ObjectPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end assets installed from npm by the set-up script (GraphiQL, React);
# served by the app itself so GraphiQL works without internet access.
STATICFILES_DIRS = [BASE_DIR / "static_vendor"] if (BASE_DIR / "static_vendor").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Bearer tokens (PyJWT, HS256). Access tokens are short-lived and stateless;
# refresh tokens are opaque, stored hashed, rotated on every use.
JWT_SIGNING_KEY = env_str("JWT_SIGNING_KEY", SECRET_KEY)
ACCESS_TOKEN_LIFETIME = timedelta(seconds=env_int("ACCESS_TOKEN_LIFETIME_SECONDS", 5 * 60))
REFRESH_TOKEN_LIFETIME = timedelta(seconds=env_int("REFRESH_TOKEN_LIFETIME_SECONDS", 14 * 24 * 3600))
# A rotated refresh token sent again within this many seconds, while its successor is unused, gets that same
# successor (two tabs refreshing at once, React StrictMode's double effects, a retry after a lost answer); later, it
# revokes its family (users.services.refresh_token_rotate). Okta's default leeway is 30 s, Cognito allows up to 60 s,
# Auth0's reuse interval is set per application: 10 s covers simultaneous and retried requests and leaves a thief
# who replays a stolen token that much less time unnoticed. 0 turns the interval off.
REFRESH_TOKEN_REUSE_SECONDS = env_int("REFRESH_TOKEN_REUSE_SECONDS", 10)

# Browser apps on other origins (django-cors-headers), for /graphql/; the JSON Schemas under /schemas/ are public
# documents any origin may read (workflow_design.views.public_documents_for_any_origin). In development the dev
# servers' usual origins: Create React App and Next.js on 3000, Vite on 5173. Otherwise only the origins listed; unset,
# none: a frontend served from the API's own origin needs no CORS, and an origin is a decision, not a default.
_DEV_SERVER_ORIGINS = [f"http://{host}:{port}" for port in (3000, 5173) for host in ("localhost", "127.0.0.1")]
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", _DEV_SERVER_ORIGINS if DEBUG else [])
CORS_URLS_REGEX = r"^/graphql/?$"
# Bearer tokens travel in a header, never in cookies: no credentialed cross-origin requests.
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "OPTIONS", "POST")  # all GraphQL over HTTP uses
# What browser clients send: Apollo Client's and urql's headers, a request id, `Cache-Control: no-cache`.
CORS_ALLOW_HEADERS = (
    *corsheaders.defaults.default_headers,
    "x-request-id",
    "cache-control",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
)
CORS_EXPOSE_HEADERS = ("X-Request-ID", "X-Response-Cache")
# Chromium keeps a preflight at most 2 hours (Firefox 24): this many everywhere, so a change of the lists above
# reaches every browser within 2 hours.
CORS_PREFLIGHT_MAX_AGE = 2 * 3600
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Login throttling (django-axes): a username is locked for a client address
# after repeated failures, for a cool-off period; and, against guesses spread over
# many addresses, for every address after LOGIN_USERNAME_FAILURE_LIMIT failures
# (users.auth.LoginLockoutHandler).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_USERNAME_FAILURE_LIMIT = env_int("LOGIN_USERNAME_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("LOGIN_COOLOFF_SECONDS", 15 * 60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "users.auth.LoginLockoutHandler"
AXES_USERNAME_CALLABLE = "users.auth.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "users.auth.lockout_response"
AXES_VERBOSE = False

# The client address of login lockouts and sign-up throttling (users.auth.client_address):
# REMOTE_ADDR, or behind this many reverse proxies appending to X-Forwarded-For, what the
# outermost one saw. 0 behind a proxy would make every client share the proxy's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "users.auth.client_address"
RATELIMIT_IP_META_KEY = "users.auth.client_address"
# Sign-ups (createCompany) per client address and users created (createUser) per acting user
# (django-ratelimit). Both answer DUPLICATE for a username taken in any company, so the rates
# also bound how fast usernames can be probed.
SIGNUP_RATE = env_str("SIGNUP_RATE", "10/h")
USER_CREATE_RATE = env_str("USER_CREATE_RATE", "60/h")
# refreshToken per client address: a browser tab refreshes about 12 times an hour (5-minute access
# tokens), so this is an office of about 100 users behind one address.
REFRESH_RATE = env_str("REFRESH_RATE", "1200/h")
# The throttles count in a cache of their own (CACHES["throttles"]) that every worker and server
# shares and restarts keep: counted per process, each worker allowed the whole rate and a
# recycled worker (bin/serve's --max-requests) started again from zero. Redis when REDIS_URL is
# set; otherwise a database table (made by `migrate`), whose increments read, then write, so a
# burst of concurrent attempts can count a few fewer.
RATELIMIT_USE_CACHE = "throttles"
REDIS_URL = env_str("REDIS_URL", "")
THROTTLE_CACHE_TABLE = "throttle_counts"

# /metrics (Prometheus text format, ticketflower/probes.py): with no token it does not exist (404); with one, a
# scrape must send `Authorization: Bearer <token>`.
METRICS_BEARER_TOKEN = env_str("METRICS_BEARER_TOKEN", "")

# django-guardian: no anonymous user row (every user belongs to a company).
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

# GraphQL abuse limits (see README "Limits"). Documents travel as variables, which
# these do not count, so an upload of 1,000 tasks is one small operation.
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 15)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 30)
# Bytes of stored workflow documents (WorkflowDefinition.document, WorkflowVersion.document) one request may read:
# three of the largest a request body can carry.
GRAPHQL_DOCUMENT_BYTES_PER_REQUEST = env_int("GRAPHQL_DOCUMENT_BYTES_PER_REQUEST", 32 * 1024 * 1024)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 5000)
# List fields nested inside one another on any path of an operation: each multiplies the work of
# the fields below it. The designer's deepest real query (bench R3: a page of workflows -> tasks ->
# their extRef) nests 3.
GRAPHQL_MAX_LIST_NESTING = env_int("GRAPHQL_MAX_LIST_NESTING", 3)
# Introspection and "did you mean" field suggestions for anonymous clients: only in development.
GRAPHQL_PUBLIC_INTROSPECTION = env_bool("GRAPHQL_PUBLIC_INTROSPECTION", DEBUG)
# The performance devices that lean on the GraphQL libraries' internals (schema/library_internals.py);
# off, the libraries' own paths run: for re-measuring after an upgrade (README "Upgrading the GraphQL libraries").
GRAPHQL_EXECUTION_SHORT_PATHS = env_bool("GRAPHQL_EXECUTION_SHORT_PATHS", True)
# previewWorkflow's evaluation budget (workflow_design/validation/budget.py): JsonLogic
# operations and JSON Schema keyword checks, and seconds, per preview; BUDGET_EXCEEDED past either.
PREVIEW_BUDGET_STEPS = env_int("PREVIEW_BUDGET_STEPS", 1_000_000)
PREVIEW_BUDGET_SECONDS = env_int("PREVIEW_BUDGET_MILLISECONDS", 2000) / 1000
# Action URLs aimed at localhost, private, link-local or cloud-metadata hosts are refused
# (UNSAFE_ACTION_URL, workflow_design/validation/action_urls.py); on for local development only.
ACTION_URLS_ALLOW_PRIVATE_HOSTS = env_bool("ACTION_URLS_ALLOW_PRIVATE_HOSTS", False)
# The layout contract (workflow_design/layout_contract.py, README "Layouts"): the frontend's design-system package,
# which layouts may import beside react, and the categories of escaping constructs (dangerouslySetInnerHTML, fetch,
# ...) layouts may use; none by default (UNSAFE_LAYOUT).
LAYOUT_DESIGN_SYSTEM_PACKAGE = env_str("LAYOUT_DESIGN_SYSTEM_PACKAGE", layout_contract.DEFAULT_DESIGN_SYSTEM)
LAYOUT_ALLOWED_ESCAPES = env_list("LAYOUT_ALLOWED_ESCAPES", [])
if unknown_escapes := sorted(set(LAYOUT_ALLOWED_ESCAPES) - set(layout_contract.ESCAPE_CATEGORIES)):
    categories = sorted(layout_contract.ESCAPE_CATEGORIES)
    raise ImproperlyConfigured(f"LAYOUT_ALLOWED_ESCAPES names {unknown_escapes}; the categories are {categories}")
# Read answers reused per user while the company's data is unchanged (schema/response_cache.py).
# Per process without REDIS_URL: entries x max bytes bounds each worker's memory (64 x 4 MiB). In Redis, shared by
# every worker and server: an entry is never stale (keys carry the data generation), so its TTL only bounds how long an
# answer nobody asks for again takes memory (bound Redis itself with maxmemory).
GRAPHQL_RESPONSE_CACHE = env_bool("GRAPHQL_RESPONSE_CACHE", True)
GRAPHQL_RESPONSE_CACHE_MAX_BYTES = env_int("GRAPHQL_RESPONSE_CACHE_MAX_BYTES", 4 * 1024 * 1024)
GRAPHQL_RESPONSE_CACHE_TTL_SECONDS = env_int("GRAPHQL_RESPONSE_CACHE_TTL_SECONDS", 3600)
# Automatic persisted queries (schema/persisted_queries.py): query texts registered by their SHA-256, shared by every
# worker and server like the throttle counts, for a day after registration (a client whose hash is no longer known
# sends the text again, once). In the database at most PERSISTED_QUERY_ENTRIES texts of at most the query length limit
# (100,000 characters); in Redis every entry expires after the TTL (bound its memory with Redis's maxmemory).
PERSISTED_QUERY_CACHE_TABLE = "persisted_queries"
PERSISTED_QUERY_TTL_SECONDS = env_int("PERSISTED_QUERY_TTL_SECONDS", 24 * 3600)
PERSISTED_QUERY_ENTRIES = env_int("PERSISTED_QUERY_ENTRIES", 2000)
# Trusted documents: a path (absolute, or relative to the repository) to an Apollo persisted query manifest; when set,
# only its operations run and clients register nothing. Unset (the default), any operation runs.
GRAPHQL_TRUSTED_DOCUMENTS = env_str("GRAPHQL_TRUSTED_DOCUMENTS", "")


def _redis_cache(*, timeout_seconds: float, **more: object) -> dict:
    """Django's Redis backend on REDIS_URL: one store for every worker and server."""
    # A Redis that does not answer fails the request using it within this time, not at the worker timeout.
    timeouts = {"socket_connect_timeout": timeout_seconds, "socket_timeout": timeout_seconds}
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "OPTIONS": timeouts} | more


def _shared_cache(*, table: str, max_entries: int, redis_timeout_seconds: float, **more: object) -> dict:
    """A cache every worker and server shares and restarts keep: Redis when REDIS_URL is set, else a database table
    (made by `migrate`), of which the backend deletes the expired rows, then a third of the rest, past max_entries."""
    if REDIS_URL:
        backend = _redis_cache(timeout_seconds=redis_timeout_seconds)
    else:
        backend = {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
            "OPTIONS": {"MAX_ENTRIES": max_entries},
        }
    return backend | more


# How long Redis keeps an SVG drawing nobody asked for again (a day).
DIAGRAM_CACHE_TTL_SECONDS = env_int("DIAGRAM_CACHE_TTL_SECONDS", 24 * 3600)

CACHES = {
    # Nothing the service shares lives here (the caches that must be shared have aliases of their own): per process.
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    # An answer is worth keeping only while it is quick to fetch: a Redis slower than this is a miss (and is left
    # alone for a few seconds, schema/response_cache.py), since computing the answer takes about as long.
    "graphql-responses": _redis_cache(
        timeout_seconds=0.5, TIMEOUT=GRAPHQL_RESPONSE_CACHE_TTL_SECONDS, KEY_PREFIX="graphql-response"
    )
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "graphql-responses",
        "TIMEOUT": None,  # entries are never stale (their keys carry the data generation); MAX_ENTRIES bounds them
        "OPTIONS": {"MAX_ENTRIES": env_int("GRAPHQL_RESPONSE_CACHE_ENTRIES", 64)},
    },
    # Room for 100,000 live counts (client addresses and users within their periods) before any is lost.
    "throttles": _shared_cache(table=THROTTLE_CACHE_TABLE, max_entries=100_000, redis_timeout_seconds=5),
    # SVG drawings of workflows by their graph's SHA-256 (workflow_design.selectors): never stale; a Redis slower
    # than a second is a miss. Per process without Redis, few: a drawing may take megabytes.
    "diagrams": _redis_cache(timeout_seconds=1, TIMEOUT=DIAGRAM_CACHE_TTL_SECONDS, KEY_PREFIX="diagram")
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "diagrams",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 8},
    },
    # A persisted query saves bytes, it is not needed: a Redis that does not answer within a second is a miss.
    "persisted-queries": _shared_cache(
        table=PERSISTED_QUERY_CACHE_TABLE,
        max_entries=PERSISTED_QUERY_ENTRIES,
        redis_timeout_seconds=1,
        TIMEOUT=PERSISTED_QUERY_TTL_SECONDS,
        KEY_PREFIX="persisted-query",
    ),
}

# Nodes per page of a connection (first/last), and the page without either; ids per nodes(ids:).
PAGINATION_MAX_LIMIT = env_int("PAGINATION_MAX_LIMIT", 100)

STRAWBERRY_DJANGO = {
    # GraphQL descriptions of model types and their columns: the models' docstrings and help texts,
    # written for API readers (tests/test_descriptions.py).
    "FIELD_DESCRIPTION_FROM_HELP_TEXT": True,
    "TYPE_DESCRIPTION_FROM_MODEL_DOCSTRING": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "message": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "json_lines": {"class": "logging.StreamHandler", "formatter": "message"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # One JSON line per request: id, user, company, operation, status, duration.
        "ticketflower.requests": {
            "handlers": ["json_lines"],
            "propagate": False,
            "level": env_str("REQUEST_LOG_LEVEL", "WARNING" if DEBUG else "INFO"),
        },
        "axes": {"level": "WARNING"},
    },
}

# Production (DEBUG off): HTTPS only, secure cookies, HSTS. Behind a TLS-terminating
# proxy, set SECURE_PROXY_SSL_HEADER_NAME (e.g. HTTP_X_FORWARDED_PROTO).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_str("SECURE_PROXY_SSL_HEADER_NAME", ""):
    SECURE_PROXY_SSL_HEADER = (env_str("SECURE_PROXY_SSL_HEADER_NAME", ""), "https")
