"""A logging filter that masks passwords in URLs, whatever logs them."""

import logging
import re
import sys

_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]+)@")


def redact(text: str) -> str:
    return _URL_PASSWORD.sub(lambda m: m.group("scheme") + "********@", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes, not when logging was set up:
    a stream swapped and closed since (a test's captured output, a daemonised launcher)
    would otherwise turn every later record into a "Logging error" traceback."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass  # always the current sys.stderr
