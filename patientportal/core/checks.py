"""System checks, which make `manage.py check`, `runserver` and `migrate` stop at once
naming what is wrong, rather than letting it break later in front of a person.

- The front-end files the portal needs at run time are installed. The signature pad
  script and the font for signed copies come from npm packages (`npm ci`, in production
  too); without them signing breaks only when a patient tries to sign.
- With several app servers (APP_SERVERS), what they must share is configured: Redis, and
  a file store every server sees.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.files.storage import FileSystemStorage, storages

# What templates/portal/documents/sign.html loads, from static "vendor/signature_pad/".
SIGNATURE_PAD_SCRIPT = "signature_pad.umd.min.js"

_INSTALL_HINT = "Install the front-end packages: run `npm ci` in {base} (in production `npm ci --omit=dev`)."


def front_end_assets(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    hint = _INSTALL_HINT.format(base=settings.BASE_DIR)
    script = Path(settings.SIGNATURE_PAD_DIR) / SIGNATURE_PAD_SCRIPT
    if not script.is_file():
        errors.append(
            Error(
                f"The signature pad script is missing: {script} (npm package signature_pad).",
                hint=hint,
                id="core.E001",
            )
        )
    font = Path(settings.DOCUMENT_FONT_PATH)
    if not font.is_file():
        errors.append(
            Error(
                f"The document font is missing: {font} (DOCUMENT_FONT_PATH; npm package dejavu-fonts-ttf).",
                hint=f"{hint} Or set DOCUMENT_FONT_PATH to an existing TrueType font.",
                id="core.E002",
            )
        )
    return errors


@register()
def several_app_servers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With APP_SERVERS above 1: Redis must be set (the database cache is shared too, but its
    counters are read-then-written, so servers counting at the same moment lose counts, and
    every rate-limit check costs the database several statements), and uploaded files must
    live where every server reads them (a file stored on one server's disk is missing on the
    others), so object storage, or a MEDIA_ROOT every server mounts (MEDIA_ROOT_SHARED).
    Registered here when the module is first imported (by CoreConfig.ready)."""
    servers = settings.APP_SERVERS
    if servers <= 1:
        return []
    errors: list[CheckMessage] = []
    if not settings.REDIS_URL:
        errors.append(
            Error(
                f"APP_SERVERS is {servers} but REDIS_URL is not set: rate limits and the cache must be shared "
                "through Redis when several app servers run.",
                hint="Set REDIS_URL=redis://<host>:6379/0 on every app server (docs/operations.md, "
                '"Several app servers").',
                id="core.E003",
            )
        )
    if isinstance(storages["default"], FileSystemStorage) and not settings.MEDIA_ROOT_SHARED:
        errors.append(
            Error(
                f"APP_SERVERS is {servers} but uploaded files are on this server's own disk ({settings.MEDIA_ROOT}): "
                "a document uploaded through one server would be missing on the others.",
                hint="Set STORAGE_S3_BUCKET (S3-compatible object storage), or, if MEDIA_ROOT is a disk every app "
                "server mounts (NFS), set MEDIA_ROOT_SHARED=true.",
                id="core.E004",
            )
        )
    return errors
