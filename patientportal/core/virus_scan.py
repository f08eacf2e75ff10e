"""The virus-scan hook for uploads: ClamAV's daemon (clamd), spoken to with its
INSTREAM command over TCP or a Unix socket. Off unless `CLAMD_ADDRESS` is set.

When it is set, every upload is scanned before it is stored, and the scan
fails closed: a file is stored only after clamd has answered "OK". A file
clamd flags is refused; so is every file while clamd cannot be reached or
answers anything else (an upload can wait, an unscanned file in a patient's
record cannot be taken back from the people who downloaded it).

The protocol is a few lines (clamd(8), "INSTREAM"), so it is written here
rather than taken from one of the Python clients, which are unmaintained.
"""

import logging
import socket
import struct
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
# The longest answer clamd gives is one line naming a signature; anything longer is not clamd.
MAX_REPLY_BYTES = 4096


class UploadRefused(Exception):
    """Why an upload was not stored, with a message for the person uploading."""

    message: "StrOrPromise"

    def __init__(self, message: "StrOrPromise") -> None:
        self.message = message
        super().__init__(str(message))


class VirusFound(UploadRefused):
    def __init__(self, signature: str) -> None:
        self.signature = signature
        super().__init__(
            _(
                "This file was refused because the virus scanner found something harmful in it (%(signature)s). "
                "It was not stored. Check the file with your IT support before trying again."
            )
            % {"signature": signature}
        )


class ScannerUnavailable(UploadRefused):
    def __init__(self) -> None:
        super().__init__(
            _(
                "The file was not stored because the virus scanner could not check it just now. "
                "Please try again in a few minutes; if this keeps happening, tell your administrator."
            )
        )


def scanning_enabled() -> bool:
    return bool(settings.CLAMD_ADDRESS)


def scan(data: bytes) -> None:
    """Return if the bytes may be stored: no scanner configured, or clamd said OK.
    Raise VirusFound or ScannerUnavailable (both UploadRefused) otherwise."""
    if not scanning_enabled():
        return
    try:
        reply = _instream(data)
    except (OSError, ValueError) as error:  # ValueError: an address that is not host:port or a path
        # The operator needs to know at once: uploads stop until the scanner is back.
        logger.error("Virus scanner at %s could not be reached: %s", settings.CLAMD_ADDRESS, error)
        raise ScannerUnavailable from None
    if reply == "stream: OK":
        return
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        signature = reply.removeprefix("stream: ").removesuffix(" FOUND")
        logger.warning("Virus scanner refused an upload: %s", signature)
        raise VirusFound(signature)
    # "INSTREAM size limit exceeded. ERROR" (StreamMaxLength below the upload limit) and any other error.
    logger.error("Virus scanner answered %r; the upload was refused", reply[:200])
    raise ScannerUnavailable


def _connect() -> socket.socket:
    """`CLAMD_ADDRESS` is `host:port` for TCP, or the path of clamd's Unix socket (`/run/clamav/clamd.ctl`)."""
    address: str = settings.CLAMD_ADDRESS
    timeout = float(settings.CLAMD_TIMEOUT_SECONDS)
    path = address.removeprefix("unix://")
    if path.startswith("/"):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        try:
            connection.connect(path)
        except OSError:
            connection.close()
            raise
        return connection
    host, _colon, port = address.removeprefix("tcp://").rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def _instream(data: bytes) -> str:
    """Send the bytes in length-prefixed chunks, a zero-length chunk to end; clamd's one-line answer."""
    with _connect() as connection:
        connection.sendall(b"zINSTREAM\0")
        for start in range(0, len(data), CHUNK_BYTES):
            chunk = data[start : start + CHUNK_BYTES]
            connection.sendall(struct.pack("!I", len(chunk)) + chunk)
        connection.sendall(struct.pack("!I", 0))
        reply = b""
        while not reply.endswith(b"\0") and len(reply) < MAX_REPLY_BYTES:
            received = connection.recv(MAX_REPLY_BYTES)
            if not received:
                break
            reply += received
    if not reply.endswith(b"\0"):
        raise OSError("clamd closed the connection without a complete answer")
    return reply.rstrip(b"\0").decode("utf-8", errors="replace").strip()
