"""System checks: the front-end files the portal needs at run time are installed.

The signature pad script and the font for signed copies come from npm packages
(`npm ci`, in production too). Without them signing breaks only when a patient
tries to sign; these checks make `manage.py check`, `runserver` and `migrate`
stop at once instead, naming the missing file and the command that installs it.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

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
