"""Settings for dangjian.

Production reads everything from the environment (DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS,
FIELD_ENCRYPTION_KEY, DEBUG). `make run` sets DJANGO_DEBUG=1 and keeps a generated secret under
var/ so that a second run reuses the same database and can still decrypt it.
"""
from pathlib import Path
import os

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DANGJIAN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = env_bool("DANGJIAN_TESTING", False)

SECRET_KEY = os.environ.get("SECRET_KEY") or os.environ.get("DJANGO_SECRET_KEY")
if not SECRET_KEY and (VAR_DIR / "secret_key").exists():
    # A local install (`make setup` or the `dangjian` CLI) keeps its generated key here.
    SECRET_KEY = (VAR_DIR / "secret_key").read_text().strip()
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "dev-only-insecure-key-change-me-5d1f0c7e9a"
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("生产环境必须设置环境变量 SECRET_KEY（DEBUG 关闭时）。")

# Key for the ID-number cipher and its blind index. Defaults to one derived from SECRET_KEY;
# production should set its own so that rotating SECRET_KEY does not make data unreadable.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
# Keys still accepted for decryption after a rotation (`dangjian rotate_id_key`; docs/key-rotation.md).
FIELD_ENCRYPTION_OLD_KEYS = [k for k in os.environ.get("FIELD_ENCRYPTION_OLD_KEYS", "").split(",") if k.strip()]

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG or TESTING:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "treebeard",
    "auditlog",
    "huey.contrib.djhuey",
    "rules",
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.orgs",
    "dangjian.people",
    "dangjian.orglife",
    "dangjian.dispositions",
    "dangjian.recruitment",
    "dangjian.dues",
    "dangjian.membership",
    "dangjian.study",
    "dangjian.supervision",
    "dangjian.duty",
    "dangjian.assessment",
    "dangjian.elections",
    "dangjian.fourstrong",
    "dangjian.exams",
    "dangjian.textquality",
    "dangjian.dashboards",
    "dangjian.partystats",
    "dangjian.privacy",
    "dangjian.notify",
    "dangjian.djx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dangjian.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dangjian.core.middleware.RequestIdMiddleware",
    "dangjian.core.dbdown.DatabaseUnavailableMiddleware",   # database down → 503 page (docs/faults.md)
    "dangjian.accounts.middleware.SessionMiddleware",  # Django's; a poll marked leaves_session_alone is not saved
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dangjian.accounts.middleware.HtmxLoginRedirectMiddleware",  # htmx + expired session → HX-Redirect to login
    "django.contrib.messages.middleware.MessageMiddleware",
    "dangjian.accounts.middleware.TwoFactorRequiredMiddleware",  # 2FA required mid-session → back to the code
    "dangjian.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"

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
                "dangjian.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default (WAL, IMMEDIATE transactions, busy timeout); PostgreSQL via DATABASE_URL.
_default_sqlite = f"sqlite:///{VAR_DIR / 'dangjian.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite),
                                              conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
                                              conn_health_checks=True)}   # a restarted database: reconnect
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        # busy timeout (s): a writer waits this long behind another's transaction before "database is locked";
        # under gunicorn's 110 s (deploy/gunicorn.conf.py) so the wait, not the worker, gives up first
        "timeout": int(os.environ.get("SQLITE_BUSY_TIMEOUT", "60")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DANGJIAN_TEST_DB") or None}
# A streaming replica (docs/deploy.md): dashboards and reports read it inside `replica_reads()`; writes never do.
# Its probe gives up after a short connect timeout and the primary answers instead. The test suite mirrors it
# onto the default test database.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"],
                                                 conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
                                                 conn_health_checks=True)
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DATABASE_REPLICA_CONNECT_TIMEOUT", "2"))
    # A runaway report query stops here (as long as max_standby_streaming_delay may hold replay back).
    DATABASES["replica"]["OPTIONS"]["options"] = "-c statement_timeout={}".format(
        int(float(os.environ.get("DATABASE_REPLICA_STATEMENT_TIMEOUT", "30")) * 1000))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Replay lag (seconds) past which the replica is not read (dangjian/core/dbrouter.py replication_problem).
DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "30"))
DATABASE_ROUTERS = ["dangjian.core.dbrouter.ReplicaRouter"]
# pgbouncer in transaction pooling: a server connection is lent for one transaction only, so no server-side
# cursors (they outlive it). Prepared statements are already off (psycopg's prepare_threshold=None by Django).
if env_bool("PGBOUNCER"):
    for _db in DATABASES.values():
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Auth, sessions, passwords --------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "dangjian.accounts.validators.CharacterClassValidator"},
]
if TESTING:
    # Tests create many accounts; the production hasher (PBKDF2, 1M rounds) would dominate.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Lock an account for LOGIN_LOCKOUT_MINUTES after LOGIN_MAX_FAILURES consecutive failures.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
# 双因素认证 (TOTP) required of superusers/staff, 工委管理员 anywhere, and 党组织管理员, 只读审计 and 纪检 above branch
# level (dangjian/accounts/two_factor.py TWO_FACTOR_ROLES).
# Off by default under DJANGO_DEBUG=1 (`make run`: the demo accounts log in with their password) and in the test
# suite (the tests that need it turn it on); on in production unless TWO_FACTOR_ENFORCED=0.
TWO_FACTOR_ENFORCED = env_bool("TWO_FACTOR_ENFORCED", not (DEBUG or TESTING))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))  # a working day
SESSION_SAVE_EVERY_REQUEST = True  # idle expiry: the clock restarts on every request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG and not TESTING:
    # Behind nginx, which terminates TLS and sets X-Forwarded-Proto (docs/security.md「部署检查」).
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))  # 0 turns HSTS off
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probed over plain HTTP on loopback
# Preload lists take only a registrable domain that the operator controls; a site on a subdomain of
# a government domain must not ask for it, so the check that recommends it is silenced (docs/security.md).
SILENCED_SYSTEM_CHECKS = ["security.W021"]
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (dangjian/core/csp.py): no inline script, no eval, no inline style (looks come from
# static/css/; only DRF's browsable API pages keep 'unsafe-inline' for styles: csp.keeps_inline_styles).
CSP_POLICY = {
    "default-src": "'self'", "script-src": "'self'", "object-src": "'none'", "base-uri": "'self'",
    "frame-ancestors": "'none'", "form-action": "'self'", "img-src": "'self' data:",
    "style-src": "'self'",
}
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)

# --- i18n ------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and uploads ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# A meeting form carries two fields per attendee: a 党员大会 of a 机关党委 with 600 members is 1,200+ fields,
# past Django's default of 1,000 (the form answered 400). Bounded still, against hash-flooding posts.
DATA_UPLOAD_MAX_NUMBER_FIELDS = int(os.environ.get("DATA_UPLOAD_MAX_NUMBER_FIELDS", "20000"))
WHITENOISE_USE_FINDERS = True
# Meeting attachments (photos, scans): size and count limits, and the types accepted (sniffed
# from the bytes, never trusted from the name).
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
ATTACHMENT_MAX_PER_MEETING = int(os.environ.get("ATTACHMENT_MAX_PER_MEETING", "20"))
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "application/pdf", "image/webp")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # URLs carry the file's content hash (?v=…): a new release never meets last week's cached CSS/JS.
    "staticfiles": {"BACKEND": "dangjian.core.staticfiles.VersionedStaticFilesStorage"},
}

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Refuses accounts with 双因素认证 (Basic carries only the password) and counts failures toward the lockout.
        "dangjian.accounts.api.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "dangjian.core.api.base.api_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["dangjian.core.api.base.RestrictedFilterBackend",
                                "rest_framework.filters.OrderingFilter"],
    "DEFAULT_PAGINATION_CLASS": "dangjian.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "dangjian 机关党建平台 API",
    "DESCRIPTION": "组织、人员、职务、预警和审计的接口。所有查询都按用户的组织范围过滤。",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several apps have fields named type/state/status: give each choice set its own enum name.
    "ENUM_NAME_OVERRIDES": {
        "TypeEnum": "dangjian.orgs.choices.OrgType",
        "StatusEnum": "dangjian.people.choices.Status",
        "StateEnum": "dangjian.core.models.FindingState",
        "MeetingTypeEnum": "dangjian.orglife.choices.MeetingType",
        "MeetingStateEnum": "dangjian.orglife.choices.MeetingState",
        "AttendanceStatusEnum": "dangjian.orglife.choices.AttendanceStatus",
        "DuesCategoryEnum": "dangjian.people.choices.DuesCategory",
        "ExemptionKindEnum": "dangjian.dues.choices.ExemptionKind",
        "StudyKindEnum": "dangjian.study.choices.StudyKind",
        "SupervisionKindEnum": "dangjian.supervision.choices.PLAN_KINDS",
        "RectificationSourceEnum": "dangjian.supervision.choices.Kind",
        "ProblemCategoryEnum": "dangjian.supervision.choices.Category",
        "VisitKindEnum": "dangjian.duty.choices.VisitKind",
        "IndicatorKindEnum": "dangjian.assessment.choices.IndicatorKind",
        "ReportKindEnum": "dangjian.assessment.choices.ReportKind",
        "AppraisalGradeEnum": "dangjian.assessment.choices.Grade",
        "AccountabilityMeasureEnum": "dangjian.assessment.choices.Measure",
        "DisciplineFormEnum": "dangjian.assessment.choices.Form",
        "DispositionMeasureEnum": "dangjian.dispositions.choices.Measure",
        "SuggestionSourceEnum": "dangjian.supervision.choices.SuggestionSource",
        "TaskStateEnum": "dangjian.duty.choices.TaskState",
        "AccessChannelEnum": "dangjian.privacy.choices.Channel",
        "DuesChannelEnum": "dangjian.dues.choices.Channel",
    },
}

# --- Audit -----------------------------------------------------------------------------------
AUDITLOG_CID_GETTER = "dangjian.core.middleware.get_request_id"
AUDITLOG_MASK_CALLABLE = "dangjian.core.crypto.mask_fully"
AUDITLOG_STORE_JSON_CHANGES = True

# --- E-mail (reminders) ------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG
                               else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 30  # a hung SMTP server must not hold claims past the 30-minute claim timeout
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "机关党建 <noreply@localhost>")
DANGJIAN_SITE_URL = os.environ.get("DANGJIAN_SITE_URL", "")  # absolute links in reminder e-mails

# --- Jobs ------------------------------------------------------------------------------------
# SQLite queue by default (one machine); with REDIS_URL a Redis queue that workers on several machines share
# (docs/deploy.md). Tests and DEBUG run jobs at once whichever the queue (HUEY_IMMEDIATE=0 turns that off).
HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "dangjian",
    "filename": str(VAR_DIR / "huey.sqlite3"),
    "immediate": env_bool("HUEY_IMMEDIATE", DEBUG or TESTING),
    # A worker killed while holding a job lock (deploy restart, out of memory) must not stop that job for good:
    # the consumer clears every task lock when it starts (`run_huey -f`).
    "consumer": {"flush_locks": True},
}
if os.environ.get("REDIS_URL"):
    HUEY.pop("filename")
    # Socket timeouts (unless the URL sets its own): a Redis that hangs instead of refusing must not hang the web
    # pages that peek at the queue (预警中心's pending-checks banner) — they time out, log and show nothing.
    # The worker's blocking read waits 1 s at a time (Huey's read_timeout), well inside them.
    _redis_url = os.environ["REDIS_URL"]
    if "socket_timeout=" not in _redis_url:
        _redis_url += ("&" if "?" in _redis_url else "?") + "socket_timeout=5&socket_connect_timeout=3"
    HUEY.update({"huey_class": "huey.RedisHuey", "url": _redis_url})

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dangjian.core.middleware.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
