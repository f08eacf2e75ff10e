"""Real components for fault tests: a TCP proxy in front of PostgreSQL that can be cut
(a server restart, as the processes see it), an SMTP server that refuses or accepts,
killing a database connection, and running the task worker in-process."""

import asyncio
import contextlib
import socket
import threading
from dataclasses import dataclass, field

import psycopg
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from patientportal.core.management.commands.run_worker import worker_for


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target. `cut()` drops every open connection and
    refuses new ones (closes them at once), as a restarting server does; `restore()` heals."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._up = threading.Event()
        self._up.set()
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if not self._up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self._up.clear()
        with self._lock:
            for end in self._open:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
            self._open.clear()

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@dataclass
class SmtpHandler:
    """Answers RCPT with the queued replies first (e.g. "451 …", "550 …"), then accepts."""

    replies: list[str] = field(default_factory=list)
    received: list[bytes] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.replies:
            return self.replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free local port, started and stopped by the test."""

    def __init__(self) -> None:
        self.handler = SmtpHandler()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, loop=asyncio.new_event_loop())
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def refuse_next(self, *replies: str) -> None:
        self.handler.replies.extend(replies)

    @property
    def received(self) -> list[bytes]:
        return self.handler.received


def run_worker_once() -> None:
    """What one round of `manage.py run_worker` does: run every task that is ready."""
    worker_for(queues=["default"], worker_id="test-worker").run()


def time_passes() -> None:
    """Every deferred task (an email's next attempt) becomes due: the clock moved on."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).exclude(run_after=get_date_max()).update(
        run_after=timezone.now()
    )


def kill_this_threads_connection() -> None:
    """pg_terminate_backend on this thread's database connection, from another connection."""
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(
        host=params.get("host"),
        port=params.get("port"),
        user=params.get("user"),
        password=params.get("password"),
        dbname=params["dbname"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


class FlakyEmailBackend:
    """An email backend that raises the exceptions queued in `FAILURES` (one per send),
    then delivers like Django's test backend (into mail.outbox)."""

    FAILURES: list[Exception] = []

    def __init__(self, *args, **kwargs) -> None:
        from django.core.mail.backends.locmem import EmailBackend

        self._delivering = EmailBackend(*args, **kwargs)

    def send_messages(self, messages):
        if FlakyEmailBackend.FAILURES:
            raise FlakyEmailBackend.FAILURES.pop(0)
        return self._delivering.send_messages(messages)


class task_table_refuses_writes:  # used as a context manager, like a function
    """While inside, the database itself refuses every new task row (a trigger raises), as a
    full disk or a lost connection would at the moment the email's task is written."""

    NAME = "test_refuse_task_rows"

    def __enter__(self) -> None:
        table = DBTaskResult._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE FUNCTION {self.NAME}() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'the task store cannot be written'; END; $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    f"CREATE TRIGGER {self.NAME} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {self.NAME}()"
                )
            else:
                cursor.execute(
                    f"CREATE TRIGGER {self.NAME} BEFORE INSERT ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'the task store cannot be written'); END"
                )

    def __exit__(self, *exc_info: object) -> None:
        table = DBTaskResult._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER {self.NAME}" + (f" ON {table}" if connection.vendor == "postgresql" else ""))
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP FUNCTION {self.NAME}()")
