"""Structured logging: one configuration for our loggers and the libraries' alike.

``configure_logging`` installs one handler on the root logger whose formatter runs the
structlog pipeline, so a line from uvicorn or SQLAlchemy looks like ours: JSON with
``timestamp`` (ISO 8601, UTC), ``level``, ``event``, ``logger`` and the bound context
(the correlation id among it). Before rendering, secrets are redacted: values under
secret-looking keys become ``***``, and so do passwords inside URLs and
``password=...`` fragments in any text, the event and the traceback included.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Mapping
from typing import Any, TextIO

import structlog
from pydantic import SecretBytes, SecretStr
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "***"

# Keys whose values are never logged. "key" alone is a secret, "sku" or "idempotency_key"
# are not; "pin" is a cashier's PIN.
SECRET_KEY_PATTERN = re.compile(
    r"(pass(word|phrase)?|secret|token|api[_-]?key|authorization|cookie"
    r"|encryption[_-]?key|private[_-]?key|^key$|^pin$)",
    re.IGNORECASE,
)

# scheme://user:password@host -> scheme://user:***@host (the user may be empty: redis://:pw@h)
_URL_CREDENTIALS = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/?#@]*):[^\s/]+@")

# password=hunter2, db_password=..., jwt_secret_key=..., "token": "abc",
# Authorization: Bearer abc -> the value becomes ***
_SECRET_ASSIGNMENT = re.compile(
    r"(?P<head>(?<![a-zA-Z])(?:pass(?:word|phrase)?|secret|token|api[_-]?key|authorization)"
    r"[\w-]*[\"']?\s*[=:]\s*[\"']?(?:(?:bearer|basic)\s+)?)[^\s\"',;&]+",
    re.IGNORECASE,
)

# Keys structlog itself uses for exception objects; they are rendered, not scrubbed here.
_EXCEPTION_KEYS = frozenset({"exc_info", "stack_info"})
_MAX_DEPTH = 8


def scrub_text(text: str) -> str:
    """``text`` with URL passwords and ``secret=value`` fragments replaced by ``***``."""
    text = _URL_CREDENTIALS.sub(rf"\g<head>:{REDACTED}@", text)
    return _SECRET_ASSIGNMENT.sub(rf"\g<head>{REDACTED}", text)


def _redact_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, SecretStr | SecretBytes):
        return REDACTED
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= _MAX_DEPTH:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and SECRET_KEY_PATTERN.search(key)
            else _redact_value(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(item, depth + 1) for item in value]
    # Other objects are rendered with str() later; if that text holds a credential,
    # hand the renderer the scrubbed text instead.
    text = str(value)
    scrubbed = scrub_text(text)
    return value if scrubbed == text else scrubbed


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: no secret value reaches the renderer."""
    for key, value in event_dict.items():
        if key in _EXCEPTION_KEYS:
            continue
        if SECRET_KEY_PATTERN.search(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact_value(value)
    return event_dict


class _MinimarketHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler configure_logging owns, so reconfiguring replaces it."""


def _level_number(level: str | int) -> int:
    if isinstance(level, int):
        return level
    mapping = logging.getLevelNamesMapping()
    name = level.strip().upper()
    if name not in mapping:
        raise ValueError(f"unknown log level {level!r}")
    return mapping[name]


def configure_logging(
    level: str | int = "INFO", json: bool = True, stream: TextIO | None = None
) -> None:
    """Send every log record, ours and the libraries', to ``stream`` (stderr by default).

    ``json=True`` writes one JSON object per line (production, Loki); ``json=False`` a
    readable console format. Calling it again replaces the previous configuration.
    """
    level_number = _level_number(level)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        structlog.processors.StackInfoRenderer(),
    ]
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if json:
        # Tracebacks become text before redaction so that they are scrubbed too.
        final += [
            structlog.processors.format_exc_info,
            redact_secrets,
            structlog.processors.JSONRenderer(default=str),
        ]
    else:
        colors = bool(getattr(stream or sys.stderr, "isatty", lambda: False)())
        final += [redact_secrets, structlog.dev.ConsoleRenderer(colors=colors)]

    handler = _MinimarketHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=final)
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _MinimarketHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level_number)

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """The logger for a module: ``log = get_logger(__name__)``."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


def bind_correlation_id(cid: str | None = None) -> str:
    """Attach a correlation id to every line logged from this context (task, thread).

    Without an argument a new id is made. Returns the id, to pass on (HTTP header,
    sync batch) so the other side logs the same one.
    """
    cid = cid or uuid.uuid4().hex
    structlog.contextvars.bind_contextvars(correlation_id=cid)
    return cid


def unbind_correlation_id() -> None:
    structlog.contextvars.unbind_contextvars("correlation_id")
