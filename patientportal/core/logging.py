import logging

from patientportal.core import request_context


class RequestIdFilter(logging.Filter):
    """Adds the request id and escapes line breaks so input cannot forge log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_context.current().request_id
        message = record.getMessage()
        if "\n" in message or "\r" in message:
            record.msg = message.replace("\r", "\\r").replace("\n", "\\n")
            record.args = None
        return True
