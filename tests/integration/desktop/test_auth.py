"""Staff login on a store PC's real SQLCipher database: PIN or password, delays, lockout."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.app.auth import (
    LOCKOUT,
    MAX_FAILURES,
    LoginRefused,
    StaffUser,
    failure_delay,
    login,
    login_state,
)
from shared.db import tables as t
from shared.domain.errors import AuthError
from tests.integration.desktop.store_folder import make_store_folder

T0 = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    store, _ = make_store_folder(tmp_path)
    yield store
    store.engine.dispose()


def refused(store, username, secret, at):
    with pytest.raises(LoginRefused) as caught:
        login(store, username, secret, now=at)
    return caught.value


def test_staff_log_in_with_their_pin_or_their_password(store):
    by_pin = login(store, "ana", "1234", now=T0)
    assert isinstance(by_pin, StaffUser)
    assert (by_pin.username, by_pin.full_name, by_pin.role) == ("ana", "Ana Pérez", "cajero")
    assert login(store, "  ANA ", "contraseña de ana", now=T0) == by_pin
    assert login(store, "beto", "contraseña de beto", now=T0).role == "deposito"


def test_unknown_inactive_and_other_store_users_get_the_same_answer(store):
    for username, secret in [("nadie", "1234"), ("carla", "9999"), ("otro", "1234"),
                             ("ana", "contraseña de beto")]:
        error = refused(store, username, secret, T0)
        assert isinstance(error, AuthError)
        assert error.reason == "unknown_or_wrong" and error.retry_after_seconds == 0


def test_each_wrong_pin_makes_the_next_attempt_wait_longer(store):
    at = T0
    waits = []
    for _ in range(MAX_FAILURES - 1):
        error = refused(store, "ana", "0000", at)
        assert error.reason == "unknown_or_wrong"
        waits.append(error.retry_after_seconds)
        at += timedelta(seconds=error.retry_after_seconds)
    assert waits == [0, 1, 2, 4] == [failure_delay(n) for n in range(1, MAX_FAILURES)]

    # Too soon, even with the right PIN: refused without counting a failure.
    early = refused(store, "ana", "1234", at - timedelta(seconds=1))
    assert early.reason == "wait" and early.retry_after_seconds == pytest.approx(1)
    assert login_state(store, "ana", now=at - timedelta(seconds=1)) == (4, pytest.approx(1))
    # On time, the right PIN works and clears the count.
    assert login(store, "ana", "1234", now=at).username == "ana"
    assert login_state(store, "ana", now=at) == (0, 0.0)
    assert refused(store, "ana", "0000", at).retry_after_seconds == 0


def test_repeated_failures_lock_the_user_until_the_lockout_has_passed(store):
    at = T0
    for _ in range(MAX_FAILURES - 1):
        at += timedelta(seconds=refused(store, "ana", "0000", at).retry_after_seconds)
    locking = refused(store, "ana", "0000", at)
    assert locking.reason == "locked"
    assert locking.retry_after_seconds == LOCKOUT.total_seconds() == 300

    during = refused(store, "ana", "1234", at + timedelta(minutes=4))
    assert during.reason == "locked" and during.retry_after_seconds == pytest.approx(60)
    # Another user is not affected.
    assert login(store, "beto", "contraseña de beto", now=at).username == "beto"

    after = at + LOCKOUT + timedelta(seconds=1)
    assert login(store, "ana", "1234", now=after).username == "ana"
    assert refused(store, "ana", "0000", after).reason == "unknown_or_wrong"


def test_after_a_lockout_one_more_failure_locks_again(store):
    at = T0
    for _ in range(MAX_FAILURES):
        at += timedelta(seconds=refused(store, "ana", "0000", at).retry_after_seconds)
    at += LOCKOUT
    again = refused(store, "ana", "0000", at)
    assert again.reason == "locked" and again.retry_after_seconds == 300


def test_attempts_are_audited_on_this_pc_and_never_replicated(store):
    refused(store, "ana", "0000", T0)
    refused(store, "nadie", "0000", T0)
    login(store, "beto", "contraseña de beto", now=T0)
    with Session(store.engine) as session:
        events = session.execute(
            select(t.AuditEvent.action, t.AuditEvent.details).order_by(t.AuditEvent.at,
                                                                       t.AuditEvent.id)
        ).all()
        assert [(action, details["username"]) for action, details in events] == [
            ("staff_login.failed", "ana"), ("staff_login.failed", "nadie"),
            ("staff_login.succeeded", "beto")]
        assert events[0][1]["failures"] == 1
        assert session.scalar(select(func.count()).select_from(t.OutboxEntry)) == 0
        guards = session.scalars(select(t.ReplicaMeta.key).where(
            t.ReplicaMeta.key.like("login_guard:%"))).all()
        assert len(guards) == 2 and all("ana" not in key for key in guards)
