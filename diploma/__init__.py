"""The diploma application factory: a list of small configuration steps, no database queries."""
import sqlite3

from flask import Flask, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from diploma.config import INSTANCE_PATH, PROJECT_ROOT, Config
from diploma.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config=None):
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_PATH),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    _configure(app, config or Config)
    _register_extensions(app)
    _connect_domains(app)
    _configure_i18n(app)
    _configure_login(app)
    _register_blueprints(app)
    _register_job_kinds(app)
    _register_request_hooks(app)
    _register_error_handlers(app)
    _register_cli(app)
    return app


def _configure(app, config):
    from diploma.web import DatabaseIdConverter

    app.config.from_object(config)
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise RuntimeError("SECRET_KEY must be set (environment variable) unless FLASK_DEBUG=1.")
        app.config["SECRET_KEY"] = "insecure-debug-key"
    _trust_proxies(app, app.config.get("TRUSTED_PROXIES", 0))
    if app.testing:
        INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
    else:  # the app and the worker (flask CLI) start here: what they write is the service account's alone
        from diploma.private_files import make_instance_private

        make_instance_private(INSTANCE_PATH)


def _trust_proxies(app, count):
    """Behind ``count`` proxies, the visitor's address and scheme come from their X-Forwarded-* headers.
    Cookies are marked Secure on HTTPS as seen after that (see system.SecureCookiesOverHttps)."""
    from diploma.system import SecureCookiesOverHttps

    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _import_models():
    """Every table, so that migrations and ``db.metadata`` see the whole schema."""
    from diploma import audit  # noqa: F401
    from diploma.auth import models as _auth  # noqa: F401
    from diploma.certificates import models as _certificates  # noqa: F401
    from diploma.curriculum import models as _curriculum  # noqa: F401
    from diploma.dashboard import models as _dashboard  # noqa: F401
    from diploma.enrolment import models as _enrolment  # noqa: F401
    from diploma.grading import models as _grading  # noqa: F401
    from diploma.jobs import models as _jobs  # noqa: F401
    from diploma.partners import models as _partners  # noqa: F401
    from diploma.signing import models as _signing  # noqa: F401
    from diploma.teaching import models as _teaching  # noqa: F401


def _connect_domains(app):
    """The ties between domains, made here and nowhere else: a lower domain asks or tells a higher one
    through a function or a signal connected now, never through an import done somewhere by chance. The
    signed revocation lists (signing, which imports no domain) list the certificates' revocations."""
    from diploma.certificates.revocation import revoked_indexes
    from diploma.enrolment import services as enrolment
    from diploma.grading import table as gradebooks
    from diploma.signing import crl, keystore
    from diploma.signing.status_lists import REVOKED_INDEXES

    keystore.root_created.connect(crl.publish_first_crl)
    enrolment.connect_to_teaching()
    gradebooks.connect_to_teaching()
    app.extensions[REVOKED_INDEXES] = revoked_indexes


def _register_extensions(app):
    _import_models()
    db.init_app(app)
    # render_as_batch: SQLite cannot ALTER most things, so migrations rebuild its tables instead.
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, and let SQLAlchemy (not the driver) open transactions, so that
    savepoints and ``BEGIN`` behave as on PostgreSQL. In the write-ahead log (``make run``'s journal), a
    commit is not flushed to the disk by itself (``synchronous=NORMAL``, SQLite's advice for WAL): the
    database is never corrupted and a crash of the app loses nothing; a power cut may lose the last
    commits before the next checkpoint. Writers then hold the lock for microseconds, not a disk flush: the
    verification page, which counts every look, served 276 looks a second with the flush and 356 without
    (bench/load.py, 5 workers on 2 cores)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite_transaction(connection):
    """SQLite: a request that may write (POST …) takes the write lock as its transaction begins, and so
    waits (busy_timeout) for another writer. Begun as a read, it would have to upgrade its lock at its
    first write, which SQLite refuses at once ("database is locked") while another writer is committing.
    Reads (GET, and views marked ``web.writes_nothing``) keep deferred transactions, which never block one
    another."""
    if connection.dialect.name == "sqlite":
        from diploma.web import request_may_write

        writes = has_request_context() and request_may_write()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _configure_i18n(app):
    from diploma import i18n
    from diploma.arabic import format_long_date
    from diploma.auth.forms import ROLE_LABELS
    from diploma.text import format_average
    from diploma.web import absolute_url, human_size

    babel.init_app(app, locale_selector=i18n.select_locale)
    app.context_processor(i18n.template_translations)
    app.jinja_env.globals.update(
        current_language=i18n.current_language,
        text_direction=i18n.text_direction,
        language_names=i18n.LANGUAGE_NAMES,
        switches_language_by_link=i18n.switches_language_by_link,
        in_language=i18n.in_language,
        linked_language=i18n.linked_language,
        role_label=lambda role: ROLE_LABELS.get(role, role),
        absolute_url=absolute_url,
        text_attributes=i18n.text_attributes,
        year_range=i18n.year_range,
    )
    app.jinja_env.filters["long_date"] = format_long_date
    app.jinja_env.filters["bdi"] = i18n.isolate
    app.jinja_env.filters["name_list"] = i18n.name_list
    app.jinja_env.filters["human_size"] = human_size
    app.jinja_env.filters["average"] = format_average


def _configure_login(app):
    from diploma.auth.services import user_from_login_id

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(user_from_login_id)


def _register_blueprints(app):
    from diploma import system
    from diploma.auth import bp as auth_bp
    from diploma.auth import views as _auth_views  # noqa: F401  (routes register on import)
    from diploma.certificates import bp as certificates_bp
    from diploma.certificates import print_views as _print_views  # noqa: F401
    from diploma.certificates import public_views as _public_views  # noqa: F401
    from diploma.certificates import revocation_views as _revocation_views  # noqa: F401
    from diploma.certificates import views as _certificates_views  # noqa: F401
    from diploma.curriculum import bp as curriculum_bp
    from diploma.curriculum import views as _curriculum_views  # noqa: F401
    from diploma.dashboard import bp as dashboard_bp
    from diploma.dashboard import views as _dashboard_views  # noqa: F401
    from diploma.enrolment import bp as enrolment_bp
    from diploma.enrolment import import_views as _enrolment_import_views  # noqa: F401
    from diploma.enrolment import views as _enrolment_views  # noqa: F401
    from diploma.grading import bp as grading_bp
    from diploma.grading import marks_spreadsheet_views as _grading_marks_spreadsheet_views  # noqa: F401
    from diploma.grading import views as _grading_views  # noqa: F401
    from diploma.jobs import bp as jobs_bp
    from diploma.jobs import views as _jobs_views  # noqa: F401
    from diploma.partners import bp as partners_bp
    from diploma.partners import views as _partners_views  # noqa: F401
    from diploma.results import bp as results_bp
    from diploma.results import views as _results_views  # noqa: F401
    from diploma.signing import bp as signing_bp
    from diploma.signing import offline_views as _signing_offline_views  # noqa: F401
    from diploma.signing import views as _signing_views  # noqa: F401
    from diploma.teaching import bp as teaching_bp
    from diploma.teaching import views as _teaching_views  # noqa: F401

    app.register_blueprint(system.bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(partners_bp, url_prefix="/admin")
    app.register_blueprint(curriculum_bp, url_prefix="/admin")
    app.register_blueprint(teaching_bp, url_prefix="/offerings")
    app.register_blueprint(enrolment_bp)
    app.register_blueprint(grading_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(signing_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(jobs_bp)


def _register_job_kinds(app):
    """Each domain's background jobs and periodic steps (diploma.jobs.registry): the worker runs only the
    kinds and steps named here."""
    from diploma.certificates import jobs as certificate_jobs
    from diploma.enrolment import jobs as enrolment_jobs
    from diploma.grading import jobs as grading_jobs
    from diploma.jobs import backup_job
    from diploma.signing import jobs as signing_jobs

    for domain in (certificate_jobs, enrolment_jobs, grading_jobs, backup_job, signing_jobs):
        domain.register_job_kinds(app)


def _register_request_hooks(app):
    from diploma import access, commit_point, system

    app.before_request(access.enforce_access)
    app.after_request(system.add_security_headers)
    commit_point.register(app)  # after the headers' step: run before it


def _register_error_handlers(app):
    from diploma import system

    system.register_error_handlers(app)


def _register_cli(app):
    from diploma.auth.cli import users_cli
    from diploma.backup_cli import backup_cli
    from diploma.certificates import check_cli as _check_cli  # noqa: F401 - adds "certificates check"
    from diploma.certificates import compromise_cli as _compromise_cli  # noqa: F401 - adds "keys compromise"
    from diploma.certificates.cli import certificates_cli
    from diploma.demo import demo_cli
    from diploma.enrolment.cli import enrolment_cli
    from diploma.jobs.cli import jobs_cli
    from diploma.results.cli import reports_cli
    from diploma.signing.cli import keys_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(enrolment_cli)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(jobs_cli)
