"""ERPKeeper settings: one module, driven by ERPKEEPER_* environment variables.

Bad values never raise here; see erpkeeper.lib.env and the erpkeeper.E0xx system checks.
"""

import sys
from pathlib import Path

from erpkeeper.lib import env
from erpkeeper.lib.roles import Role

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent

# Plain `pytest` runs as `make test` does: test mode, and a home of its own, never ./var.
UNDER_PYTEST = "pytest" in sys.modules
DEFAULT_HOME = PROJECT_DIR / ".cache" / "test-home" if UNDER_PYTEST else Path.cwd() / "var"
HOME = env.home_directory("ERPKEEPER_HOME", DEFAULT_HOME)
SECRET_KEY = env.secret_key("ERPKEEPER_SECRET_KEY", HOME)
DEBUG = env.envbool("ERPKEEPER_DEBUG", False)
ALLOWED_HOSTS = env.envlist("ERPKEEPER_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.envlist("ERPKEEPER_CSRF_TRUSTED_ORIGINS", [])
TIME_ZONE = env.envtimezone("ERPKEEPER_TIME_ZONE", "UTC")
REDIS_URL = env.envstr("ERPKEEPER_REDIS_URL", "")
# Where `erpkeeper up` listens (its --host and --port override these).
LISTEN_HOST = env.envstr("ERPKEEPER_HOST", "127.0.0.1")
LISTEN_PORT = env.envint("ERPKEEPER_PORT", 8000, minimum=1)
TESTING = env.envbool("ERPKEEPER_TESTING", UNDER_PYTEST)
# Notification channels (docs/notifications.md): webhooks may not reach private addresses (SSRF).
ALLOW_PRIVATE_WEBHOOKS = env.envbool("ERPKEEPER_ALLOW_PRIVATE_WEBHOOKS", False)
# The console's address (https://erpkeeper.example.com), to make links in notifications absolute.
PUBLIC_URL = env.envstr("ERPKEEPER_PUBLIC_URL", "")
NOTIFICATION_CONNECT_TIMEOUT = env.envfloat("ERPKEEPER_NOTIFICATION_CONNECT_TIMEOUT", 5.0, 0.1)
NOTIFICATION_READ_TIMEOUT = env.envfloat("ERPKEEPER_NOTIFICATION_READ_TIMEOUT", 10.0, 0.1)

# The code review of custom ERP modules (docs/performance.md "ERP code health"): the time one
# review may take in all (tools still running then are stopped), and vulture's confidence threshold.
# Folders under which custom module folders may be named for the code review (it shows file
# names and repeated lines of what it reads, so not /etc or a home's secrets).
CODE_ROOTS = env.envlist("ERPKEEPER_CODE_ROOTS", [str(HOME), "/opt", "/srv", "/home", "/usr/local"])
CODE_REVIEW_TIME_LIMIT = env.envint("ERPKEEPER_CODE_REVIEW_TIME_LIMIT", 600, minimum=10)
CODE_REVIEW_MIN_CONFIDENCE = env.envint(
    "ERPKEEPER_CODE_REVIEW_MIN_CONFIDENCE", 60, minimum=0, maximum=100
)

# Signing in to the console (docs/accounts.md): the roles that must use two-factor
# authentication (empty: nobody must), how long a browser may skip the code (0: never), and how
# long a console session lasts without activity.
TWO_FACTOR_REQUIRED_ROLES = env.envlist_of(
    "ERPKEEPER_2FA_REQUIRED_ROLES",
    [Role.ADMINISTRATOR.value, Role.SECURITY_AUDITOR.value],
    lambda text: Role.parse(text).value,
    expected="role names, e.g. Administrator,Security auditor",
)
TWO_FACTOR_REMEMBER_DAYS = env.envint("ERPKEEPER_2FA_REMEMBER_DAYS", 30, minimum=0, maximum=365)
SESSION_IDLE_MINUTES = env.envint("ERPKEEPER_SESSION_IDLE_MINUTES", 30, minimum=1, maximum=20160)

# Risky ERP accounts (docs/access.md): an account unused this many days is dormant; more active
# administrators than this is a finding; logins matching one of these patterns (regular
# expressions, matched whole and case-insensitively) are generic or shared.
SECURITY_DORMANT_DAYS = env.envint("ERPKEEPER_DORMANT_DAYS", 90, minimum=1, maximum=3650)
SECURITY_MAX_ADMINISTRATORS = env.envint("ERPKEEPER_MAX_ADMINISTRATORS", 2, minimum=0, maximum=1000)
SECURITY_GENERIC_LOGINS = env.envlist(
    "ERPKEEPER_GENERIC_LOGINS",
    ["admin", "administrator", "test.*", "guest", "user\\d*", "shared", "demo", "公共.*", "测试.*"],
)

# Backups (docs/backups.md): the repository key lives outside the database; empty means
# <home>/keys/backup.key. Staging: where a SQLite snapshot is written before it is streamed.
BACKUP_KEY_FILE = env.envstr("ERPKEEPER_BACKUP_KEY_FILE", "")
BACKUP_STAGING = env.envstr("ERPKEEPER_BACKUP_STAGING", "")

# Jobs and the worker (docs/jobs.md). Seconds; an interval of 0 turns that loop off.
KEEP_HISTORY_DAYS = env.envint("ERPKEEPER_KEEP_HISTORY_DAYS", 180, minimum=0, maximum=36500)
HEALTH_BEAT_SECONDS = env.envfloat("ERPKEEPER_HEALTH_BEAT_SECONDS", 10.0, minimum=0.1)
HEALTH_STALE_SECONDS = env.envfloat("ERPKEEPER_HEALTH_STALE_SECONDS", 60.0, minimum=0.1)
COLLECT_INTERVAL = env.envfloat("ERPKEEPER_COLLECT_INTERVAL", 10.0, minimum=0)
ALERT_INTERVAL = env.envfloat("ERPKEEPER_ALERT_INTERVAL", 10.0, minimum=0)
DELIVERY_INTERVAL = env.envfloat("ERPKEEPER_DELIVERY_INTERVAL", 5.0, minimum=0)
# Service desk: the SLA and outgoing-mail loop, reopening, attachments, mail, incidents.
SERVICEDESK_INTERVAL = env.envfloat("ERPKEEPER_SERVICEDESK_INTERVAL", 30.0, minimum=0)
# Changes: how often the safety-backup loop looks, and how long before a window opens it backs up.
CHANGES_INTERVAL = env.envfloat("ERPKEEPER_CHANGES_INTERVAL", 60.0, minimum=0)
CHANGES_SAFETY_BACKUP_MINUTES = env.envint("ERPKEEPER_CHANGES_SAFETY_BACKUP_MINUTES", 60, minimum=1)
CHANGES_PREFIX = env.envstr("ERPKEEPER_CHANGES_PREFIX", "CHG")
SERVICEDESK_REOPEN_DAYS = env.envint("ERPKEEPER_SERVICEDESK_REOPEN_DAYS", 7, 0, 3650)
SERVICEDESK_ATTACHMENT_MAX_MB = env.envint("ERPKEEPER_SERVICEDESK_ATTACHMENT_MAX_MB", 10, 1, 1024)
SERVICEDESK_ATTACHMENT_TYPES = env.envlist(
    "ERPKEEPER_SERVICEDESK_ATTACHMENT_TYPES",
    [
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "txt",
        "log",
        "csv",
        "xlsx",
        "xls",
        "docx",
        "doc",
        "pptx",
        "odt",
        "ods",
        "zip",
        "eml",
    ],
)
# The e-mail channel whose SMTP server mails people (ticket requesters); empty: the first enabled.
MAIL_CHANNEL = env.envstr("ERPKEEPER_MAIL_CHANNEL", "")
SERVICEDESK_TICKET_PREFIX = env.envstr("ERPKEEPER_SERVICEDESK_TICKET_PREFIX", "ERP")
SERVICEDESK_PROBLEM_PREFIX = env.envstr("ERPKEEPER_SERVICEDESK_PROBLEM_PREFIX", "PRB")
INCIDENTS_FROM_ALERTS = env.envbool("ERPKEEPER_INCIDENTS_FROM_ALERTS", True)
INCIDENT_SEVERITIES = env.envlist("ERPKEEPER_INCIDENT_SEVERITIES", ["critical"])
# The portal's self-registration: the e-mail domains (example.com) whose people may create a
# Portal user account themselves, confirmed by a link mailed to them; empty: the team only.
PORTAL_SIGNUP_DOMAINS = [
    domain.lower().lstrip("@") for domain in env.envlist("ERPKEEPER_PORTAL_SIGNUP_DOMAINS", [])
]

INSTALLED_APPS = [
    # First: its admin/index.html (the dashboard) overrides unfold's and Django's.
    "erpkeeper.console",
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # Two-factor devices: authenticator apps (TOTP) and recovery codes (static). Before
    # erpkeeper.accounts, whose admin takes their device pages out of the console.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "huey.contrib.djhuey",
    "erpkeeper.core",
    "erpkeeper.accounts",
    "erpkeeper.targets",
    "erpkeeper.backups",
    "erpkeeper.notifications",
    "erpkeeper.monitoring",
    "erpkeeper.servicedesk",
    "erpkeeper.security",
    "erpkeeper.alerts",
    "erpkeeper.knowledge",
    "erpkeeper.performance",
    "erpkeeper.assets",
    "erpkeeper.changes",
    "erpkeeper.governance",
    "erpkeeper.demo",
]

MIDDLEWARE = [
    "erpkeeper.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the two-factor step.
    "django_otp.middleware.OTPMiddleware",
    "erpkeeper.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs idle sessions out before anything else looks at the user.
    "erpkeeper.accounts.middleware.IdleSessionMiddleware",
    # The code first (it proves who is there), then a one-time password's change, then enrolment.
    "erpkeeper.accounts.middleware.TwoFactorRequiredMiddleware",
    "erpkeeper.accounts.middleware.PasswordChangeRequiredMiddleware",
    # Portal users (ERP end users, not staff) are kept on the portal, away from the console.
    "erpkeeper.accounts.middleware.PortalUserMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "erpkeeper.core.middleware.AuditActorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "erpkeeper.urls"
WSGI_APPLICATION = "erpkeeper.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.database_config(
        "ERPKEEPER_DATABASE_URL", f"sqlite:///{HOME / 'erpkeeper.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# NIST SP 800-63B: length, a blocklist and similarity; no composition rules, no forced rotation.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = 0.25  # hours: a locked account and address may try again after 15 minutes
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "erpkeeper.accounts.lockout.lockout_response"
AXES_VERBOSE = False

# The name authenticator apps show next to the user name.
OTP_TOTP_ISSUER = "ERPKeeper"

# Each language named in itself, as language pickers do.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# The platform's language: the sign-in page before a choice, notifications, scheduled jobs'
# messages and anyone who has not chosen one (each user's own choice wins for them).
LANGUAGE_CODE = env.envchoice("ERPKEEPER_LANGUAGE", "en", [code for code, _name in LANGUAGES])
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
if HOME.is_dir():
    STATIC_ROOT.mkdir(exist_ok=True)
# Serve the apps' static files straight from their packages: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.envbool("ERPKEEPER_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "erpkeeper.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["erpkeeper.lib.permissions.RolePermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "erpkeeper.lib.api.Pagination",
    # JSON, the browsable pages, and ?format=xlsx on every list.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "erpkeeper.lib.api.XlsxRenderer",
    ],
    # Each list's filters: its viewset's filterset_class (<app>/filters.py), on the list only.
    "DEFAULT_FILTER_BACKENDS": ["erpkeeper.lib.api.ListFilterBackend"],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "erpkeeper.lib.api.exception_handler",
}

# The OpenAPI schema and its UIs describe every endpoint: readable without signing in only when
# the operator says so.
ERPKEEPER_API_SCHEMA_PUBLIC = env.envbool("ERPKEEPER_API_SCHEMA_PUBLIC", False)

SPECTACULAR_SETTINGS = {
    "TITLE": "ERPKeeper API",
    "DESCRIPTION": "Operations platform for ERP instances under care.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" field with different choices: name each set.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "erpkeeper.core.models.Job.Status",
        "BackupStatusEnum": "erpkeeper.backups.models.BackupStatus",
        "CopyStatusEnum": "erpkeeper.backups.models.CopyStatus",
        # Restores, drills and every other run (erpkeeper.core.runs).
        "RunStatusEnum": "erpkeeper.core.runs.RunStatus",
        "HostKindEnum": "erpkeeper.monitoring.models.HostKind",
        "TicketKindEnum": "erpkeeper.servicedesk.models.TicketKind",
        "TicketStatusEnum": "erpkeeper.servicedesk.models.TicketStatus",
        "ProblemStatusEnum": "erpkeeper.servicedesk.models.ProblemStatus",
        # A ticket's impact and urgency share their levels.
        "LevelEnum": "erpkeeper.servicedesk.models.Level",
        # Notifications, channels' minimum and performance findings grade severity alike.
        # One choice set (info, warning, critical) for notices and performance findings.
        "SeverityEnum": "erpkeeper.core.models.OutboxMessage.Severity",
        "SecurityFindingStateEnum": "erpkeeper.security.models.FindingState",
        "SecurityFindingKindEnum": "erpkeeper.security.models.FindingKind",
        # An article's language (zh-hans or en), not a user's preferred one.
        "ArticleLanguageEnum": "erpkeeper.knowledge.models.ArticleLanguage",
        # An asset's kind, also the kind an inspection template applies to.
        "AssetKindEnum": "erpkeeper.assets.models.AssetKind",
        # Two fields named "outcome": an inspection item's and a change's.
        "InspectionOutcomeEnum": "erpkeeper.assets.models.ResultOutcome",
        "ChangeOutcomeEnum": "erpkeeper.changes.models.Outcome",
        # A personal-data category (governance.privacy) and a ticket's category.
        "PersonalDataCategoryEnum": "erpkeeper.governance.privacy.detectors.Category",
        "TicketCategoryEnum": "erpkeeper.servicedesk.models.TicketCategory",
    },
}

# Jobs: SqliteHuey needs no server; RedisHuey lets workers run on several machines.
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "erpkeeper",
        "url": REDIS_URL,
        "immediate": False,
        "utc": True,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "erpkeeper",
        "filename": str(HOME / "jobs.sqlite3"),
        "immediate": False,
        "utc": True,
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "erpkeeper.core.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "erpkeeper.core.logging.StderrHandler",
            "formatter": "plain",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["console"], "level": env.envstr("ERPKEEPER_LOG_LEVEL", "INFO")},
    "loggers": {
        "huey": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # A PDF's seven rendering steps and the font subsetter are no news for an operator.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

from erpkeeper.console import UNFOLD  # noqa: E402,F401  (unfold reads it from settings)
