import io
import json
import logging
import re

import pytest
import structlog
from pydantic import SecretStr

from shared.logging import (
    bind_correlation_id,
    configure_logging,
    get_logger,
    scrub_text,
    unbind_correlation_id,
)

SECRET = "hunter2-Zq9"


@pytest.fixture
def output():
    """Configure JSON logging into a buffer; undo every global change afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    buffer = io.StringIO()
    configure_logging(level="DEBUG", json=True, stream=buffer)
    yield buffer
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()


def lines(buffer):
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_line_is_json_with_timestamp_level_event_and_logger(output):
    get_logger("minimarket.test").info("stock counted", sku="7790001000012", quantity=12)

    [line] = lines(output)
    assert line["event"] == "stock counted"
    assert line["level"] == "info"
    assert line["logger"] == "minimarket.test"
    assert line["sku"] == "7790001000012"
    assert line["quantity"] == 12
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", line["timestamp"])


def test_the_level_filters_lines(output):
    configure_logging(level="WARNING", json=True, stream=output)
    log = get_logger("minimarket.test")

    log.info("not shown")
    log.warning("shown")

    assert [line["event"] for line in lines(output)] == ["shown"]


def test_reconfiguring_replaces_the_handler_instead_of_adding_one(output):
    configure_logging(level="DEBUG", json=True, stream=output)
    get_logger("minimarket.test").info("once")

    assert len(lines(output)) == 1


def test_secret_keys_are_redacted_and_ordinary_keys_kept(output):
    get_logger("minimarket.test").info(
        "login",
        password=SECRET,
        pin=SECRET,
        jwt_secret_key=SECRET,
        access_token=SECRET,
        api_key=SECRET,
        Authorization=f"Bearer {SECRET}",
        passphrase=SECRET,
        encryption_key=SECRET,
        key=SECRET,
        sku="SKU-1",
        keyboard_layout="es",
        idempotency_key="op-1",
        username="ana",
    )

    text = output.getvalue()
    assert SECRET not in text
    [line] = lines(output)
    for name in (
        "password",
        "pin",
        "jwt_secret_key",
        "access_token",
        "api_key",
        "Authorization",
        "passphrase",
        "encryption_key",
        "key",
    ):
        assert line[name] == "***", name
    assert line["sku"] == "SKU-1"
    assert line["keyboard_layout"] == "es"
    assert line["idempotency_key"] == "op-1"
    assert line["username"] == "ana"


def test_nested_values_and_secret_objects_are_redacted(output):
    get_logger("minimarket.test").info(
        "request",
        headers={"Authorization": f"Bearer {SECRET}", "Accept": "application/json"},
        users=[{"name": "ana", "password": SECRET}],
        configured=SecretStr(SECRET),
    )

    assert SECRET not in output.getvalue()
    [line] = lines(output)
    assert line["headers"] == {"Authorization": "***", "Accept": "application/json"}
    assert line["users"] == [{"name": "ana", "password": "***"}]
    assert line["configured"] == "***"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://minimarket:" + SECRET + "@db:5432/mm",
            "postgresql://minimarket:***@db:5432/mm",
        ),
        ("postgresql+asyncpg://u:" + SECRET + "@db/mm", "postgresql+asyncpg://u:***@db/mm"),
        ("redis://:" + SECRET + "@cache:6379/0", "redis://:***@cache:6379/0"),
        ("postgresql://u:p@" + SECRET + "@db/mm", "postgresql://u:***@db/mm"),
        ("http://hq.example.com:8080/api", "http://hq.example.com:8080/api"),
        ("postgresql://u@db/mm", "postgresql://u@db/mm"),
    ],
)
def test_url_credentials_are_scrubbed(url, expected):
    assert scrub_text(url) == expected


def test_url_credentials_are_scrubbed_in_values_and_in_the_event(output):
    url = f"postgresql://minimarket:{SECRET}@db:5432/minimarket"
    get_logger("minimarket.test").info(f"connecting to {url}", database=url)

    assert SECRET not in output.getvalue()
    [line] = lines(output)
    assert line["database"] == "postgresql://minimarket:***@db:5432/minimarket"
    assert line["event"] == "connecting to postgresql://minimarket:***@db:5432/minimarket"


def test_secret_assignments_inside_text_are_scrubbed():
    text = f'password={SECRET} db_password="{SECRET}" {{"token": "{SECRET}"}} secret_key: {SECRET}'

    scrubbed = scrub_text(text)

    assert SECRET not in scrubbed
    assert scrub_text(f"Authorization: Bearer {SECRET}") == "Authorization: Bearer ***"
    assert scrub_text("the password is wrong") == "the password is wrong"


def test_library_logs_go_through_the_same_pipeline(output):
    logging.getLogger("sqlalchemy.engine").warning(
        "could not connect to %s", f"postgresql://u:{SECRET}@db/mm"
    )

    [line] = lines(output)
    assert SECRET not in output.getvalue()
    assert line["logger"] == "sqlalchemy.engine"
    assert line["level"] == "warning"
    assert line["event"] == "could not connect to postgresql://u:***@db/mm"


def test_tracebacks_are_scrubbed(output):
    try:
        raise ConnectionError(f"cannot reach redis://:{SECRET}@cache:6379/0")
    except ConnectionError:
        get_logger("minimarket.test").exception("cache down")

    [line] = lines(output)
    assert SECRET not in output.getvalue()
    assert "ConnectionError" in line["exception"]
    assert "redis://:***@cache:6379/0" in line["exception"]


def test_correlation_id_is_on_every_line_until_unbound(output):
    log = get_logger("minimarket.test")
    cid = bind_correlation_id("batch-42")
    log.info("pushed")
    logging.getLogger("uvicorn").info("request")
    unbind_correlation_id()
    log.info("after")

    first, second, third = lines(output)
    assert cid == "batch-42"
    assert first["correlation_id"] == second["correlation_id"] == "batch-42"
    assert "correlation_id" not in third


def test_a_new_correlation_id_is_made_when_none_is_given(output):
    assert bind_correlation_id() != bind_correlation_id()


def test_secrets_bound_to_the_context_are_redacted(output):
    structlog.contextvars.bind_contextvars(device_secret=SECRET)
    get_logger("minimarket.test").info("enrolled")

    assert SECRET not in output.getvalue()
    assert lines(output)[0]["device_secret"] == "***"


def test_console_format_redacts_too(output):
    buffer = io.StringIO()
    configure_logging(level="INFO", json=False, stream=buffer)

    get_logger("minimarket.test").info(
        "login", password=SECRET, url=f"postgresql://u:{SECRET}@db/mm"
    )

    text = buffer.getvalue()
    assert "login" in text
    assert SECRET not in text
    assert not text.lstrip().startswith("{")


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging(level="chatty", stream=io.StringIO())
