"""Configuration read from the environment, with a test variant."""
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("DIPLOMA_INSTANCE_PATH", PROJECT_ROOT / "instance"))


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


LOCAL_SITE = "http://127.0.0.1:5000"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _instance_setting(name):
    """A setting that ``make run`` wrote into the instance folder (the secret key it made, the address it
    serves on), so that the command line finds them with nothing exported; None when there is none."""
    try:
        return (INSTANCE_PATH / name).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _env_list(name):
    value = os.environ.get(name)
    if value is None:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


def trusted_hosts_for(public_base_url, configured=None):
    """The Host headers the app answers: those configured (TRUSTED_HOSTS), else the public address's host,
    and the loopback names when the public address is itself on this machine (development)."""
    if configured:
        return list(configured)
    host = urlsplit(public_base_url).hostname or ""
    return [*LOCAL_HOSTS] if host in LOCAL_HOSTS else [host]


class Config:
    """Production-safe defaults; every setting can be overridden by an environment variable."""

    DEBUG = _env_bool("FLASK_DEBUG")
    SECRET_KEY = os.environ.get("SECRET_KEY") or _instance_setting("secret_key")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'diploma.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_PATH / "uploads"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "50")) * 1024 * 1024
    MAX_LOGO_BYTES = 2 * 1024 * 1024

    # The site's public address: every absolute link (certificates' QR codes and verification links,
    # set-password links) is built on it, never on the Host header a request brings.
    PUBLIC_BASE_URL = (os.environ.get("PUBLIC_BASE_URL") or os.environ.get("BASE_URL")
                       or _instance_setting("public_base_url") or LOCAL_SITE).rstrip("/")
    # Requests for any other host are refused (400): a forged Host header reaches nothing.
    TRUSTED_HOSTS = trusted_hosts_for(PUBLIC_BASE_URL, _env_list("TRUSTED_HOSTS"))
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", urlsplit(PUBLIC_BASE_URL).scheme or "http")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies are also marked Secure on every request that arrived over HTTPS (see system.py), so this
    # only needs setting when the app cannot tell (HTTPS ended by a proxy that is not trusted).
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", PREFERRED_URL_SCHEME == "https")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # "Keep me logged in" lasts this long; a login without it, PERMANENT_SESSION_LIFETIME. Both are also
    # enforced on the server (auth.services), so a copied cookie does not outlive them.
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "30")))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # How many proxies (nginx …) stand in front of the app and set X-Forwarded-For/-Proto/-Host. With 0 those
    # headers are ignored, as any client could send them; behind one proxy, set 1, so that the per-address
    # limits and the audit log see the visitor's address rather than the proxy's.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    BABEL_DEFAULT_LOCALE = "ar"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    LANGUAGES = ("ar", "en")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Prepended to the limiter's keys, so that several sites (or test runs) can share one Redis database.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per minute")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute")
    # The public certificate verification page, per address (it answers whether a serial and code match).
    VERIFY_LIMIT = os.environ.get("VERIFY_LIMIT", "30 per minute")
    # Verify by upload: the largest PDF accepted (read in memory, never stored), and its own rate limit
    # (checking a PDF costs far more than a serial and code).
    VERIFY_UPLOAD_MAX_MB = int(os.environ.get("VERIFY_UPLOAD_MAX_MB", "5"))
    VERIFY_UPLOAD_LIMIT = os.environ.get("VERIFY_UPLOAD_LIMIT", "10 per minute")
    # The signature check of an upload runs in a process of its own under these limits (a genuine
    # certificate takes well under a second); over them the file is refused as too complex.
    VERIFY_UPLOAD_CPU_SECONDS = int(os.environ.get("VERIFY_UPLOAD_CPU_SECONDS", "5"))
    VERIFY_UPLOAD_WALL_SECONDS = int(os.environ.get("VERIFY_UPLOAD_WALL_SECONDS", "15"))
    VERIFY_UPLOAD_ISOLATED = True  # False: checked in the request's own process (tests that read its log)
    # The most certificates one batch PDF from the web may hold; larger batches are printed from the CLI.
    CERTIFICATE_BATCH_WEB_LIMIT = int(os.environ.get("CERTIFICATE_BATCH_WEB_LIMIT", "200"))

    # Encrypts the signing keys at rest (diploma.signing); make run writes one for the demo in the instance
    # folder. The same passphrase must be set wherever certificates are signed.
    SIGNING_PASSPHRASE = os.environ.get("SIGNING_PASSPHRASE") or _instance_setting("signing_passphrase")
    # PBKDF2-HMAC-SHA256 iterations protecting each private key at rest (OWASP 2023: 600,000).
    SIGNING_KDF_ITERATIONS = int(os.environ.get("SIGNING_KDF_ITERATIONS", "600000"))
    # An RFC 3161 time-stamp server: PDFs are then signed PAdES B-T instead of B-B.
    SIGNING_TSA_URL = os.environ.get("SIGNING_TSA_URL") or None
    # The time-stamp server's root (or issuing) certificate(s), PEM: whom its time stamps chain to, so that
    # the signature can carry their validation data. Required with SIGNING_TSA_URL.
    SIGNING_TSA_ROOTS = os.environ.get("SIGNING_TSA_ROOTS") or None
    # Fetch the revocation data of the time-stamp server's certificates (its CRL or OCSP) when signing, to
    # embed it (the programme's own CRL is never fetched: it is in the database).
    SIGNING_TSA_FETCH_REVOCATION = os.environ.get("SIGNING_TSA_FETCH_REVOCATION", "0") == "1"

    # Background jobs (diploma.jobs). The queue only carries "run job <id>" to a worker: a SQLite file in the
    # instance folder by default (nothing else to run), Redis when REDIS_URL is set or JOBS_BACKEND=redis.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND") or ("redis" if REDIS_URL else "sqlite")
    JOBS_SQLITE_PATH = os.environ.get("JOBS_SQLITE_PATH", str(INSTANCE_PATH / "jobs-queue.sqlite"))
    # The queue's name (Redis: the prefix of its keys), so that several sites can share one Redis.
    JOBS_QUEUE_NAME = os.environ.get("JOBS_QUEUE_NAME", "diploma")
    # Jobs one worker process runs at once (threads; a print job also uses every core for its PDFs).
    JOBS_WORKERS = int(os.environ.get("JOBS_WORKERS", "2"))
    # How much the worker yields the CPU to the site (Unix niceness added to the worker and its PDF
    # processes, 0–19): a long print then uses only what the web requests leave. 0 keeps it level.
    JOBS_NICE = int(os.environ.get("JOBS_NICE", "10"))
    # Finished jobs' files (PDFs, ZIPs, backups), kept JOB_RESULT_HOURS, then removed. With several servers,
    # a folder every app server and worker mounts (as UPLOAD_FOLDER).
    JOB_RESULT_FOLDER = os.environ.get("JOB_RESULT_FOLDER", str(INSTANCE_PATH / "job-results"))
    JOB_RESULT_HOURS = float(os.environ.get("JOB_RESULT_HOURS", "24"))
    # A running job's worker writes a heartbeat this often; a job silent for JOB_STALE_SECONDS is failed.
    JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "1"))
    JOB_STALE_SECONDS = int(os.environ.get("JOB_STALE_SECONDS", "60"))
    # Issuing or importing more items than this (certificates; students and enrolments) goes to the queue;
    # fewer are done at once, in the request (well under a second).
    JOBS_INLINE_MAX_ITEMS = int(os.environ.get("JOBS_INLINE_MAX_ITEMS", "50"))

    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
    PASSWORD_TOKEN_MAX_AGE = int(os.environ.get("PASSWORD_TOKEN_HOURS", "72")) * 3600
    # argon2id parameters (OWASP's second recommended set).
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19 * 1024


class TestConfig(Config):
    """Used by the test suite: a throw-away database, fast hashing, generous rate limits (the tests of
    the limits lower them)."""

    TESTING = True
    DEBUG = False
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # The test client's host (http://localhost/...).
    PUBLIC_BASE_URL = "http://localhost"
    TRUSTED_HOSTS = trusted_hosts_for(PUBLIC_BASE_URL)
    PREFERRED_URL_SCHEME = "http"
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_LIMIT_PER_ADDRESS = "1000 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "1000 per minute"
    VERIFY_LIMIT = "1000 per minute"
    VERIFY_UPLOAD_LIMIT = "1000 per minute"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    SIGNING_PASSPHRASE = "test-signing-passphrase"
    SIGNING_KDF_ITERATIONS = 4096  # fast tests; above the 2,048 of keys wrapped the old way
    SIGNING_TSA_URL = None
    # Jobs wait in memory: nothing runs them unless a test starts a worker (tests/jobs) on a real queue.
    JOBS_BACKEND = "memory"
    JOB_RESULT_FOLDER = str(Path(tempfile.gettempdir()) / f"diploma-test-job-results-{os.getpid()}")
