"""A stand-in for ClamAV's daemon that speaks its INSTREAM protocol (clamd(8)): it
reads the length-prefixed chunks, keeps what it received, and answers "FOUND" for
the EICAR test string and "OK" for anything else. Over TCP or a Unix socket."""

import socket
import struct
import threading
from pathlib import Path

import pytest

# The industry's harmless test "virus": every scanner reports it.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    def __init__(self, unix_path: Path | None = None) -> None:
        if unix_path is None:
            self.server = socket.create_server(("127.0.0.1", 0))
            self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        else:
            self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.server.bind(str(unix_path))
            self.server.listen()
            self.address = str(unix_path)
        self.scanned: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return  # closed
            with connection:
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        command = b""
        while not command.endswith(b"\0"):
            command += reader.read(1)
        assert command == b"zINSTREAM\0", command
        data = b""
        while size := struct.unpack("!I", reader.read(4))[0]:
            data += reader.read(size)
        self.scanned.append(data)
        verdict = b"stream: Eicar-Test-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
        connection.sendall(verdict)

    def close(self) -> None:
        self.server.close()


@pytest.fixture(name="clamd")
def clamd_fixture(settings):
    """A running fake clamd over TCP, configured as the portal's scanner."""
    server = FakeClamd()
    settings.CLAMD_ADDRESS = server.address
    yield server
    server.close()


@pytest.fixture(name="clamd_down")
def clamd_down_fixture(settings):
    """A configured scanner address where nothing answers: a port bound but never listening (refused at once)."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    settings.CLAMD_ADDRESS = f"127.0.0.1:{holder.getsockname()[1]}"
    yield settings.CLAMD_ADDRESS
    holder.close()
