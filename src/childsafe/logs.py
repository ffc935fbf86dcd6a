"""Structured JSON logs.

Log records carry ids, codes, counts and timings. The formatter drops any extra field whose name
suggests content (text, body, message text, e-mail, name), as a second line of defence behind
the rule that callers never pass such values at all.
"""

import logging
import sys
from datetime import UTC, datetime

import orjson

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
_FORBIDDEN = {"text", "body", "free_text", "messages", "email", "name", "reporter_name", "reporter_email",
              "grounds", "explanation", "content"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            entry[key] = "[withheld]" if key in _FORBIDDEN else value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__  # no traceback text: it can echo input
        return orjson.dumps(entry, default=str).decode()


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):  # it logs full paths, which can hold reference numbers
        logging.getLogger(noisy).disabled = True
