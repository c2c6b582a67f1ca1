"""``COORD_LOG_FORMAT=json``: one JSON object a line, for a log collector.

Each line holds the time (UTC, ISO 8601), the level, the logger, the process and thread, and the message
as the redacting filter left it (coord.entrypoints.logs: no secret, no resident's details), plus the
exception's traceback when there is one. Nothing else of the record (its arguments, say) is written.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "process": record.process,
            "thread": record.threadName,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def use_json_logs() -> None:
    """Write every handler of the root logger as JSON lines."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(JsonFormatter())
