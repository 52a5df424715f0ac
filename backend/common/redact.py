"""Secrets out of the server's access log: the SMS gateway's delivery reports carry the shared secret in the
query string (the gateway cannot send headers), and uvicorn logs every path with its query."""

from __future__ import annotations

import logging
import re

SECRET_PARAMETERS = ("secret", "token", "password", "access_token")
_IN_QUERY = re.compile(rf"([?&](?:{'|'.join(SECRET_PARAMETERS)})=)[^&\s\"]*", re.IGNORECASE)


def redact_query(text: str) -> str:
    """The same path with the values of secret-bearing parameters replaced by ***."""
    return _IN_QUERY.sub(r"\1***", text)


class RedactSecrets(logging.Filter):
    """Rewrites uvicorn access-log records (client, method, path, version, status) before they are written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_query(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact_query(record.msg)
        return True


def install_access_log_redaction() -> None:
    """Once per process, however many apps are built (tests build many)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())
