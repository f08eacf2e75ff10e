"""Secrets that travel in a URL's path, kept out of every log line.

An invitation token (links sent before invitations moved to `/invite/#<token>`),
a password-reset key and an email-confirmation key are each a way into an
account while they are valid. Browsers send them in the request line, so the
web server's access log and Django's own request logging would keep them.
Everything that logs a request line or a path passes through `redact`.
"""

import re

REDACTED = "[redacted]"
SECRET_IN_PATH = re.compile(
    r"(?P<prefix>/invite/)(?!accept/)[^/?#\s\"]+"
    r"|(?P<reset>/accounts/password/reset/key/)[^/?#\s\"]+"
    r"|(?P<confirm>/accounts/confirm-email/)[^/?#\s\"]+"
)


def redact(text: str) -> str:
    """`text` with every secret a URL path may carry replaced by [redacted]."""
    return SECRET_IN_PATH.sub(
        lambda found: (found.group("prefix") or found.group("reset") or found.group("confirm")) + REDACTED, text
    )
