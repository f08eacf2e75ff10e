"""gunicorn's logger with the secrets a URL may carry taken out of every access-log
line: the request line, the path, the query, the Referer (the page after a reset
link names it) and every other header gunicorn can print. See core/redaction.py."""

from typing import Any

from gunicorn.glogging import Logger

from patientportal.core.redaction import redact


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}
