import logging

from patientportal.core import request_context
from patientportal.core.redaction import redact


class RequestIdFilter(logging.Filter):
    """Adds the request id, escapes line breaks so input cannot forge log lines, and
    redacts the secrets a URL may carry (Django logs the path of a 404 or an error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_context.current().request_id
        message = record.getMessage()
        cleaned = redact(message.replace("\r", "\\r").replace("\n", "\\n"))
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
