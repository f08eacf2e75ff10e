"""One settings module, driven by environment variables.

With nothing set the portal runs for development: SQLite, DEBUG on, emails to
the console and the development outbox, the built-in test payment provider,
tasks run immediately. Production sets DEBUG=false and the variables listed in
docs/configuration.md; missing secrets then stop the process at start-up.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str, secret_key_problem

# Lets Django's generic classes be written with their type arguments (`admin.ModelAdmin[Clinic]`,
# `forms.ModelForm[Clinic]`) as django-stubs declares them; it only adds `__class_getitem__`.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
TESTING = env_bool("TESTING", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-secret-key-not-for-production-use-0123456789"
elif not DEBUG and (_weak_key := secret_key_problem(SECRET_KEY)):
    raise ImproperlyConfigured(_weak_key)

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env_str("SITE_NAME", "Patient Portal")
_site_host = urlsplit(SITE_URL).hostname or "localhost"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [_site_host, "localhost", "127.0.0.1"] if DEBUG else [_site_host])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    # The Django admin at /operator/, signed in through allauth (patientportal/accounts/admin_site.py).
    "patientportal.accounts.admin_apps.OperatorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # The account page's list of signed-in sessions and "sign out everywhere else".
    "allauth.usersessions",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "patientportal.core",
    "patientportal.accounts",
    "patientportal.audit",
    "patientportal.clinics",
    "patientportal.notifications",
    "patientportal.patients",
    "patientportal.scheduling",
    "patientportal.catalog",
    "patientportal.orders",
    "patientportal.payments",
    "patientportal.documents",
    "patientportal.portal",
    "patientportal.staff",
    "patientportal.hub",
    "patientportal.demo",
]

MIDDLEWARE = [
    "patientportal.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "patientportal.core.middleware.InactivityLogoutMiddleware",
    "patientportal.audit.middleware.AccessDenialAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "patientportal.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
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
                "patientportal.core.context_processors.site",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------
# Production keeps each worker's connection open between requests (connecting costs ~9 ms, as much
# as a whole page), checked before reuse so a restarted database costs one retry, not an error page.
# Development's runserver starts a thread per request, where kept connections would only pile up.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 600),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The audit index's INCLUDE column (an index-only read on PostgreSQL) is ignored by SQLite, which
    # then warns on every command of the zero-setup run; the index itself still works there.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Rate limits and other shared counters must live outside the process (and
# never in the session), so every app process sees the same numbers.
REDIS_URL = env_str("REDIS_URL")
_database_cache = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "portal_cache",
    # Django's default of 300 entries would let a burst of requests with new keys cull the
    # rate-limit counters of others; expired entries are still culled first.
    "OPTIONS": {"MAX_ENTRIES": 20_000},
}
if REDIS_URL:
    # A Redis outage must not take sign-in down: while Redis cannot be reached the cache
    # answers from the database (shared by all processes, so rate limits still hold) and
    # the outage is logged (patientportal/core/cache.py). Short socket timeouts, so a hung
    # Redis costs a second, not a worker timeout.
    CACHES = {
        "default": {
            "BACKEND": "patientportal.core.cache.FailoverCache",
            "OPTIONS": {"PRIMARY": "redis", "FALLBACK": "database", "RETRY_SECONDS": 30},
        },
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        "database": _database_cache,
    }
else:
    CACHES = {"default": _database_cache}

# --- Background work ----------------------------------------------------------
TASKS_BACKEND = env_str("TASKS_BACKEND", "immediate" if DEBUG else "database")
_task_backends = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _task_backends:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_task_backends)}, got {TASKS_BACKEND!r}")
TASKS = {"default": {"BACKEND": _task_backends[TASKS_BACKEND]}}
# An email that cannot be handed to the mail server is tried again after each of these waits
# (minutes; the default spans about a day), then shown to the clinic as not delivered.
_retry_minutes = env_list("EMAIL_RETRY_MINUTES", ["1", "5", "15", "30", "60", "120", "240", "360", "600"])
if not _retry_minutes or not all(item.isdigit() and int(item) > 0 for item in _retry_minutes):
    raise ImproperlyConfigured(f"EMAIL_RETRY_MINUTES must be positive whole minutes, e.g. 1,5,15; got {_retry_minutes}")
EMAIL_RETRY_MINUTES = [int(item) for item in _retry_minutes]
# Finished task rows are deleted, and the kept (encrypted) message of an email given up on is
# wiped, after this many days (the periodic runner's `background_records_purge`).
TASK_RETENTION_DAYS = env_int("TASK_RETENTION_DAYS", 7, minimum=1)
EMAIL_MESSAGE_RETENTION_DAYS = env_int("EMAIL_MESSAGE_RETENTION_DAYS", 7, minimum=1)
# `/healthz?background=1` and `manage.py check_background` report a background process silent,
# or tasks and emails waiting, for longer than this.
BACKGROUND_ALERT_MINUTES = env_int("BACKGROUND_ALERT_MINUTES", 10, minimum=1)
# Staff who chose a daily summary of their notifications get it at this hour (0-23) in the
# clinic's time zone, or at the periodic runner's first round after it.
NOTIFICATION_DIGEST_HOUR = env_int("NOTIFICATION_DIGEST_HOUR", 8, minimum=0)
if NOTIFICATION_DIGEST_HOUR > 23:
    raise ImproperlyConfigured(f"NOTIFICATION_DIGEST_HOUR must be an hour from 0 to 23, got {NOTIFICATION_DIGEST_HOUR}")

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # allauth's, except that an address waiting for its verification never signs in.
    "patientportal.accounts.auth_backends.VerifiedAddressAuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "patientportal.patients.account_adapter.InvitationAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(SITE_URL).scheme or "https"
# allauth's defaults, written out so they are visible and reviewed: failed
# sign-ins are limited per IP and per account, resets per IP and per address.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/180s/key",
    "change_password": "5/m/user",
    # Each change of address emails a link to an address the person typed: a few a minute,
    # and a ceiling a day, so the account page cannot be used to send mail to strangers.
    "manage_email": "5/m/user,20/d/user",
    "reauthenticate": "10/m/user",
}
# Adding, removing or changing an account's email address asks for the password again
# (allauth's reauthentication; it counts for 5 minutes): a session left open must not be
# enough to move the account, and its password resets, to another mailbox.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# One address per account: a new address waits, unverified and not primary, until its link is
# opened, and only then replaces the old one (allauth's "change email"). Until then it signs
# nothing in and receives no password reset (accounts.auth_backends, accounts.forms).
ACCOUNT_CHANGE_EMAIL = True
# allauth's security notices: the old address is told when the address changes, and the account
# when its password, passkeys or two-factor change.
ACCOUNT_EMAIL_NOTIFICATIONS = True
USERSESSIONS_ADAPTER = "patientportal.accounts.adapter.UserSessionsAdapter"
ACCOUNT_FORMS = {
    "add_email": "patientportal.accounts.forms.NewAddressForm",
    "reset_password": "patientportal.accounts.forms.PrimaryAddressResetPasswordForm",
}

# Two-factor authentication (allauth.mfa): TOTP apps, passkeys and security keys (WebAuthn),
# and recovery codes. A passkey also signs in on its own ("Sign in with a passkey").
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = SITE_NAME
# allauth refuses to add an unverified address to an account with two-factor on (and two-factor
# to an account with an unverified address), against someone who signs up with another person's
# address and locks them out. Sign-up here is by invitation and verified at the door, and an
# address being changed to is never primary, never signs in and never gets a reset; without this,
# an owner (who must have two-factor) could never change their address. docs/decisions.md.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Owners and admins of a clinic must turn it on before using the staff area
# (on by default in production; off in development so the demo logins work).
REQUIRE_MFA_FOR_CLINIC_ADMINS = env_bool("REQUIRE_MFA_FOR_CLINIC_ADMINS", not DEBUG)
# Operators (is_staff: the Django admin at /operator/) likewise, before the admin opens.
REQUIRE_MFA_FOR_OPERATORS = env_bool("REQUIRE_MFA_FOR_OPERATORS", not DEBUG)

# Sessions live in the database: sign-out ends them on the server, and any
# number of app processes share them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
STAFF_IDLE_TIMEOUT_SECONDS = env_int("STAFF_IDLE_TIMEOUT_SECONDS", 15 * 60, minimum=60)
PATIENT_IDLE_TIMEOUT_SECONDS = env_int("PATIENT_IDLE_TIMEOUT_SECONDS", 30 * 60, minimum=60)

# --- Email ----------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Patient Portal <no-reply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
elif DEBUG:
    # Console plus the development outbox page (/dev/outbox/).
    EMAIL_BACKEND = "patientportal.core.outbox.OutboxEmailBackend"
else:
    raise ImproperlyConfigured("EMAIL_HOST must be set when DEBUG is off.")

# --- Payments -------------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
# Only for tests against a local stub of Stripe's API; empty means Stripe's own.
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
# Stripe is called while the order row is locked (a refund and a payment cannot cross),
# so every call is bounded: seconds to wait for an answer (connecting: 5 s), one retry.
# With the defaults the worst case (2 × (5 + 8) s) ends before gunicorn's 30 s worker timeout,
# so the person sees "could not be reached", never a gateway error.
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 8, minimum=1)
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET and not DEBUG:
    raise ImproperlyConfigured(
        "STRIPE_WEBHOOK_SECRET must be set with STRIPE_SECRET_KEY: payments are confirmed by webhooks."
    )
# The built-in test provider (a "Pay" button, no money moves) stands in when
# no Stripe key is configured — but only in development, or when a staging
# site asks for it explicitly. A production site without Stripe takes no
# online payments at all rather than accepting fake ones.
TEST_PAYMENTS = env_bool("TEST_PAYMENTS", DEBUG)
PAYMENT_PROVIDER = "stripe" if STRIPE_SECRET_KEY else ("test" if TEST_PAYMENTS else "")
# Browsers apply CSP form-action to the redirect after a form post, so the
# payment page's origin must be allowed when Stripe Checkout is used.
CSP_EXTRA_FORM_ACTION = ["https://checkout.stripe.com"] if STRIPE_SECRET_KEY else []
# Reconciliation (the periodic job payments_reconcile, or `manage.py reconcile_payments`) asks the provider
# about checkouts still open this long after they started, so a lost webhook cannot leave a paid checkout
# unrecorded (Stripe retries its webhooks for days; this is the net under them).
PAYMENT_RECONCILE_AFTER_MINUTES = env_int("PAYMENT_RECONCILE_AFTER_MINUTES", 30, minimum=1)
# Reconciliation also asks about the refunds of payments taken in the last PAYMENT_RECONCILE_REFUNDS_DAYS
# (a refund made in the provider's dashboard, or one that failed there), and about card authorisations
# ending within a day; each such payment at most once every PAYMENT_RECONCILE_EVERY_HOURS.
PAYMENT_RECONCILE_REFUNDS_DAYS = env_int("PAYMENT_RECONCILE_REFUNDS_DAYS", 30, minimum=1)
PAYMENT_RECONCILE_EVERY_HOURS = env_int("PAYMENT_RECONCILE_EVERY_HOURS", 6, minimum=1)
# A provider event kept for a payment that has not turned up after this long is logged by each
# reconciliation run and listed for operators (a refund whose completion never came, or not ours).
PAYMENT_EVENT_STALE_MINUTES = env_int("PAYMENT_EVENT_STALE_MINUTES", 60, minimum=1)
# An order that needs approval has the card authorised at checkout and captured on approval. Days an
# authorisation stays capturable, counted from when its checkout began: Stripe cancels uncaptured card
# payments after 7 days. A day before, the order is urgent in the staff queue; when it lapses, the order
# falls back to "pay after approval" and the patient is told.
PAYMENT_AUTHORISATION_DAYS = env_int("PAYMENT_AUTHORISATION_DAYS", 7, minimum=2)

# --- Internationalisation and time ------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list = [BASE_DIR / "static"]
# Front-end libraries installed from the npm registry (`npm ci`, production too), served from our
# own origin. Without node_modules the folder is not added (so collectstatic does not stop on it),
# but nothing is skipped silently: the system check core.E001 stops `check`, `runserver` and
# `migrate` naming the missing file (patientportal/core/checks.py).
SIGNATURE_PAD_DIR = BASE_DIR / "node_modules" / "signature_pad" / "dist"
if SIGNATURE_PAD_DIR.is_dir():
    STATICFILES_DIRS.append(("vendor/signature_pad", SIGNATURE_PAD_DIR))
# A Unicode font for signed copies and typed signatures (npm package dejavu-fonts-ttf); a missing
# file is reported by the system check core.E002.
DOCUMENT_FONT_PATH = Path(
    env_str("DOCUMENT_FONT_PATH", str(BASE_DIR / "node_modules" / "dejavu-fonts-ttf" / "ttf" / "DejaVuSans.ttf"))
)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# The seal on signed copies (documents.seal): a PAdES signature made with the installation's key and
# certificate, either a PEM key and certificate (`manage.py make_signing_certificate` writes them) or a
# PKCS#12 file (a certificate bought or issued elsewhere), its password in SEAL_KEY_PASSWORD. Production
# has no default: without them `check`, `migrate` and `runserver` stop with documents.E001. Development
# seals with a certificate made on first use in the git-ignored folder seal/ (SEAL_CREATE_IF_MISSING).
_seal_development_dir = BASE_DIR / "seal"
SEAL_KEY_PATH = env_str("SEAL_KEY_PATH", str(_seal_development_dir / "key.pem") if DEBUG else "")
SEAL_CERTIFICATE_PATH = env_str(
    "SEAL_CERTIFICATE_PATH", str(_seal_development_dir / "certificate.pem") if DEBUG else ""
)
SEAL_PKCS12_PATH = env_str("SEAL_PKCS12_PATH")
SEAL_KEY_PASSWORD = env_str("SEAL_KEY_PASSWORD")
# Certificates used before the current one (after a rotation): the verify page still recognises
# copies sealed with them. Comma-separated paths of PEM certificates.
SEAL_PREVIOUS_CERTIFICATE_PATHS = env_list("SEAL_PREVIOUS_CERTIFICATE_PATHS", [])
SEAL_CREATE_IF_MISSING = DEBUG
# The virus-scan hook (patientportal/core/virus_scan.py): clamd's `host:port` or Unix socket path.
# Empty: uploads are not scanned. Set: every upload is scanned, and refused while clamd cannot answer.
CLAMD_ADDRESS = env_str("CLAMD_ADDRESS")
CLAMD_TIMEOUT_SECONDS = env_int("CLAMD_TIMEOUT_SECONDS", 30, minimum=1)
# Uploaded files (documents, signed copies, product pictures, cached page images) are never served
# from a URL: views stream them after checking access. They live on local disk under MEDIA_ROOT or,
# when STORAGE_S3_BUCKET is set, in an S3-compatible bucket (docs/configuration.md), which is what
# several app servers share.
STORAGE_S3_BUCKET = env_str("STORAGE_S3_BUCKET")
if STORAGE_S3_BUCKET:
    from botocore.config import Config as BotoConfig

    _s3_kms_key = env_str("STORAGE_S3_KMS_KEY_ID")
    _s3_addressing = env_str("STORAGE_S3_ADDRESSING_STYLE", "auto")
    if _s3_addressing not in ("auto", "path", "virtual"):
        raise ImproperlyConfigured(f"STORAGE_S3_ADDRESSING_STYLE must be auto, path or virtual; got {_s3_addressing!r}")
    _default_storage: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_S3_BUCKET,
            "endpoint_url": env_str("STORAGE_S3_ENDPOINT_URL") or None,  # None: AWS itself
            "region_name": env_str("STORAGE_S3_REGION") or None,
            # No keys here: boto3 reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the machine's role).
            # Every object is encrypted at rest by the store: with this KMS key when one is named, else S3's own.
            "object_parameters": (
                {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": _s3_kms_key}
                if _s3_kms_key
                else {"ServerSideEncryption": "AES256"}
            ),
            # No ACL is sent, so objects stay private to the bucket's owner (S3's default); buckets with
            # ACLs disabled (AWS's default since 2023) refuse any other ACL anyway. Never "public-read".
            "default_acl": None,
            # Nothing asks the storage for a URL, and nothing may: files reach browsers only through the
            # access-checked views. Should code ever ask, it gets a signed link that expires in a minute.
            "querystring_auth": True,
            "querystring_expire": 60,
            # A name already taken gets a new one; a stored file (a signed copy is evidence) is never replaced.
            "file_overwrite": False,
            # Bounded waits: a store that hangs costs 2 × (3 + 10) s at most, inside gunicorn's 30 s timeout.
            "client_config": BotoConfig(
                connect_timeout=3,
                read_timeout=10,
                retries={"max_attempts": 2, "mode": "standard"},
                s3={"addressing_style": _s3_addressing},
            ),
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"base_url": None}}
# How many app servers (machines or containers running gunicorn) serve the site. With more than one,
# the system checks core.E003 and core.E004 require what they must share: Redis (REDIS_URL), and the
# bucket above or a MEDIA_ROOT that every server mounts (MEDIA_ROOT_SHARED, e.g. NFS).
APP_SERVERS = env_int("APP_SERVERS", 1, minimum=1)
MEDIA_ROOT_SHARED = env_bool("MEDIA_ROOT_SHARED", False)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The `__Host-` prefix makes browsers refuse these cookies unless they are Secure, for
    # Path=/ and without a Domain, so no other host (a sibling subdomain) can set or shadow
    # them. Django's defaults already give Path=/ and no Domain; keep it that way.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# How many reverse proxies in front of the app append to X-Forwarded-For; 0
# means the connecting address (REMOTE_ADDR) is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# The same count for allauth's rate limits (sign-in, reset, sign-up), which read the client
# address themselves: otherwise behind a proxy every visitor counts as the proxy's address
# and one attacker's failed sign-ins lock everyone out.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- Logging: one line per event, no PHI, request id attached ---------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "patientportal.core.logging.RequestIdFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "line"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger would print the URL and exception with locals
        # on errors; we keep the message and the request id only.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # runserver's request lines, through the same filter (it redacts secrets in paths).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # fpdf2 subsets the font through fontTools, which logs dozens of INFO lines per signed copy.
        "fontTools": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "patientportal.core.views.csrf_failure"
