import pytest
from django.db import connection

from tests.core.faults import SmtpServer, TcpProxy

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings):
    """Production's task backend: tasks are rows in the database, run by the worker."""
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server, running, that the portal sends through."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://…")


@pytest.fixture
def db_through_proxy(transactional_db, postgres_only):
    """This thread's database connection goes through a TCP proxy the test can cut."""
    settings_dict = connection.settings_dict
    before = settings_dict["HOST"], settings_dict["PORT"]
    proxy = TcpProxy(before[0] or "127.0.0.1", int(before[1] or 5432))
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    yield proxy
    proxy.restore()
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = before
    proxy.close()


@pytest.fixture
def flaky_mail(settings):
    """Sending fails with the exceptions the test puts in the returned list, then works."""
    from tests.core.faults import FlakyEmailBackend

    settings.EMAIL_BACKEND = "tests.core.faults.FlakyEmailBackend"
    FlakyEmailBackend.FAILURES = []
    yield FlakyEmailBackend.FAILURES
    FlakyEmailBackend.FAILURES = []
