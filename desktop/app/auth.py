"""Staff sign-in on a store PC, checked locally: no server needed.

Staff log in with their username and their PIN or password, checked with Argon2 against
the hashes of this store's own users (synced from HQ). Repeated failures slow the next
attempt down and then lock the username for a while; that state is kept per username in
this PC's ``replica_meta`` (it is never replicated). Every attempt is written to the
local ``audit_events`` table.

The rules, with ``n`` consecutive failures for a username:

- after failure ``n`` the next attempt must wait ``failure_delay(n)`` seconds
  (0, 1, 2, 4, … s); an attempt made sooner is refused as ``"wait"`` without checking
  the secret and without counting;
- failure number ``MAX_FAILURES`` locks the username for ``LOCKOUT`` (``"locked"``);
  when the lockout has passed, one more failure locks it again, so a guesser gets one
  try per lockout period; a successful login clears the count.

A PIN never opens the database: the database is already open (machine slot or the
operator passphrase) when staff log in.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.app.store import StoreData
from shared.db import tables as t
from shared.db.replica_meta import write_meta
from shared.domain.errors import AuthError
from shared.domain.ids import new_id
from shared.security.passwords import hash_secret, verify_secret

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)
GUARD_KEY_PREFIX = "login_guard:"

Reason = Literal["unknown_or_wrong", "locked", "wait"]


@dataclass(frozen=True)
class StaffUser:
    """The person using the PC: every operation they make records ``id``."""

    id: uuid.UUID
    username: str
    full_name: str
    role: str


class LoginRefused(AuthError):
    """A refused login: ``reason`` says why, ``retry_after_seconds`` when to try again."""

    def __init__(self, reason: Reason, retry_after_seconds: float = 0.0) -> None:
        self.reason: Reason = reason
        self.retry_after_seconds = max(0.0, retry_after_seconds)
        messages = {
            "unknown_or_wrong": "unknown user or wrong PIN or password",
            "locked": "too many failed attempts: this user is locked for a while",
            "wait": "too many failed attempts: wait before trying again",
        }
        super().__init__(f"{messages[reason]} (retry after {self.retry_after_seconds:.0f} s)")


@dataclass
class _Guard:
    failures: int = 0
    last_failure: datetime | None = None
    locked_until: datetime | None = None

    def to_json(self) -> str:
        return json.dumps({
            "failures": self.failures,
            "last_failure": self.last_failure.isoformat() if self.last_failure else None,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
        })

    @classmethod
    def from_json(cls, text: str | None) -> _Guard:
        if not text:
            return cls()
        data: dict[str, Any] = json.loads(text)
        return cls(int(data.get("failures", 0)), _instant(data.get("last_failure")),
                   _instant(data.get("locked_until")))


def failure_delay(failures: int) -> float:
    """Seconds to wait before the next attempt after ``failures`` consecutive failures."""
    if failures <= 1:
        return 0.0
    return float(2 ** (failures - 2))


def normalize_username(username: str) -> str:
    return username.strip().lower()


def login(store: StoreData, username: str, secret: str, *,
          now: datetime | None = None) -> StaffUser:
    """The active user of this store whose PIN or password is ``secret``.

    Raises :class:`LoginRefused`. One answer for an unknown user and a wrong secret, and
    the same Argon2 work for both, so the screen does not tell which usernames exist.
    """
    moment = now or datetime.now(UTC)
    name = normalize_username(username)
    key = _guard_key(name)
    guard = _Guard.from_json(store.meta(key))
    _refuse_while_waiting(guard, moment)

    user = _find_user(store, name)
    hashes = [h for h in (user.pin_hash, user.password_hash) if h] if user else []
    matched = False
    for stored in hashes or [_dummy_hash()]:
        if verify_secret(stored, secret) and hashes:
            matched = True
            break

    if user is not None and matched:
        staff = StaffUser(user.id, user.username or name, user.full_name or user.username or name,
                          user.role or "")
        with store.transaction() as session:
            row = session.get(t.ReplicaMeta, key)
            if row is not None:
                session.delete(row)
            _audit(session, store, "staff_login.succeeded", name, user.id, moment, {})
        return staff

    guard.failures += 1
    guard.last_failure = moment
    refusal = LoginRefused("unknown_or_wrong", failure_delay(guard.failures))
    if guard.failures >= MAX_FAILURES:
        guard.locked_until = moment + LOCKOUT
        refusal = LoginRefused("locked", LOCKOUT.total_seconds())
    with store.transaction() as session:
        _save_guard(session, key, guard)
        _audit(session, store, "staff_login.failed", name, user.id if user else None, moment,
               {"failures": guard.failures, "locked": guard.locked_until is not None
                and guard.locked_until > moment})
    raise refusal


def login_state(store: StoreData, username: str, *,
                now: datetime | None = None) -> tuple[int, float]:
    """(consecutive failures, seconds before the next attempt is allowed) for a username."""
    moment = now or datetime.now(UTC)
    guard = _Guard.from_json(store.meta(_guard_key(normalize_username(username))))
    try:
        _refuse_while_waiting(guard, moment)
    except LoginRefused as refused:
        return guard.failures, refused.retry_after_seconds
    return guard.failures, 0.0


def _refuse_while_waiting(guard: _Guard, moment: datetime) -> None:
    if guard.locked_until is not None and guard.locked_until > moment:
        raise LoginRefused("locked", (guard.locked_until - moment).total_seconds())
    if guard.failures and guard.last_failure is not None:
        allowed = guard.last_failure + timedelta(seconds=failure_delay(guard.failures))
        if guard.locked_until is None and allowed > moment:
            raise LoginRefused("wait", (allowed - moment).total_seconds())


def _find_user(store: StoreData, name: str) -> t.User | None:
    with Session(store.engine, expire_on_commit=False) as session:
        users = session.scalars(
            select(t.User)
            .where(t.User.username == name, t.User.store_id == store.store_id,
                   t.User.deleted.is_(False))
            .order_by(t.User.id)
        ).all()
        # ``active`` unset counts as active: HQ writes it, a replica may see a user first.
        return next((user for user in users if user.active is not False), None)


def _guard_key(name: str) -> str:
    # Hashed: replica_meta keys are short, and typed usernames are not stored as keys.
    return GUARD_KEY_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:40]


def _save_guard(session: Session, key: str, guard: _Guard) -> None:
    write_meta(session, key, guard.to_json())


def _audit(session: Session, store: StoreData, action: str, username: str,
           user_id: uuid.UUID | None, moment: datetime, details: dict[str, Any]) -> None:
    session.add(t.AuditEvent(
        id=new_id(), at=moment, user_id=user_id, device_id=store.replica.device_id,
        store_id=store.store_id, action=action, entity="user", entity_id=user_id,
        details={"username": username, **details},
    ))


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@functools.cache
def _dummy_hash() -> str:
    return hash_secret(secrets.token_urlsafe(16))
