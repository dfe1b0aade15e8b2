"""HQ administration use cases: stores, users and enrollment tokens.

Functions take a session and a recorder and never commit: the caller (a CLI command
or a request) owns the transaction.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.domain.enums import PERSON_ROLES, STORE_ROLES, Role
from shared.domain.errors import AlreadyExists, UnknownStore, ValidationError
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder
from shared.security.passwords import hash_secret

STORE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,79}")
MIN_PASSWORD_LENGTH = 8
DEFAULT_TOKEN_TTL_HOURS = 72


def find_store(session: Session, code: str) -> t.Store:
    store = session.scalars(
        select(t.Store).where(t.Store.code == code, t.Store.deleted.is_(False)).order_by(t.Store.id)
    ).first()
    if store is None:
        raise UnknownStore(f"unknown store {code!r}")
    return store


def add_store(session: Session, recorder: Recorder, code: str, name: str) -> uuid.UUID:
    code = code.strip()
    if not STORE_CODE.fullmatch(code):
        raise ValidationError("a store code is 1-32 letters, digits, '-' or '_'")
    if not name.strip():
        raise ValidationError("a store needs a name")
    try:
        find_store(session, code)
    except UnknownStore:
        store_id = new_id()
        recorder.upsert("store", store_id, {"code": code, "name": name.strip()}, store_id=store_id)
        return store_id
    raise AlreadyExists(f"store {code!r} already exists")


PIN = re.compile(r"\d{4,8}")


def add_user(
    session: Session, recorder: Recorder, username: str, password: str, role: str,
    store_code: str | None = None, full_name: str | None = None, pin: str | None = None,
) -> uuid.UUID:
    """A person with a role; a store-scoped role needs its store.

    ``pin`` (4 to 8 digits) lets store staff log in at the counter with it instead of the
    password; both are kept only as Argon2id hashes and travel to the store's PCs.
    """
    if pin is not None and not PIN.fullmatch(pin):
        raise ValidationError("a PIN is 4 to 8 digits")
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise ValidationError("a username is 2-80 lowercase letters, digits, '.', '-' or '_'")
    try:
        person_role = Role(role)
    except ValueError:
        person_role = None
    if person_role not in PERSON_ROLES:
        roles = ", ".join(sorted(r.value for r in PERSON_ROLES))
        raise ValidationError(f"unknown role {role!r} (roles: {roles})")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    store_id = find_store(session, store_code).id if store_code else None
    if person_role in STORE_ROLES and store_id is None:
        raise ValidationError(f"role {role} needs --store")
    taken = session.scalar(
        select(t.User.id).where(t.User.username == username, t.User.deleted.is_(False))
    )
    if taken is not None:
        raise AlreadyExists(f"user {username!r} already exists")
    user_id = new_id()
    recorder.upsert("user", user_id, {
        "username": username, "full_name": full_name or username, "role": person_role.value,
        "store_id": store_id, "password_hash": hash_secret(password), "active": True,
        "pin_hash": hash_secret(pin) if pin is not None else None,
    }, store_id=store_id)
    return user_id


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_enrollment_token(
    session: Session, store_code: str, *, ttl_hours: float = DEFAULT_TOKEN_TTL_HOURS,
    created_by: uuid.UUID | None = None, now: datetime | None = None,
) -> str:
    """A one-time token for enrolling a device of ``store_code``; only its hash is kept."""
    if not 0 < ttl_hours <= 24 * 30:
        raise ValidationError("--ttl is between 0 and 720 hours")
    store = find_store(session, store_code)
    token = secrets.token_urlsafe(32)
    issued = now or datetime.now(UTC)
    session.add(t.EnrollmentToken(
        id=new_id(), store_id=store.id, token_hash=token_digest(token), created_at=issued,
        expires_at=issued + timedelta(hours=ttl_hours), created_by=created_by,
    ))
    session.add(t.AuditEvent(
        id=new_id(), at=issued, user_id=created_by, store_id=store.id,
        action="enrollment_token.created", entity="store", entity_id=store.id,
    ))
    return token


# --- sign-in and devices ---------------------------------------------------------


def authenticate(session: Session, username: str, password: str) -> t.User:
    """The active user with this password; one message for every failure (no user probing)."""
    from shared.domain.errors import AuthError
    from shared.security.passwords import verify_secret

    user = session.scalars(
        select(t.User)
        .where(t.User.username == username.strip().lower(), t.User.deleted.is_(False))
        .order_by(t.User.id)
    ).first()
    # Verify against a dummy hash when the user is unknown, so timing does not tell.
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    if not verify_secret(stored, password) or user is None or user.active is False:
        raise AuthError("incorrect username or password")
    return user


@functools.cache
def _dummy_hash() -> str:
    return hash_secret(secrets.token_urlsafe(16))


def enroll_device(
    session: Session, token: str, *, name: str = "", kind: str = "pc", now: datetime | None = None,
) -> tuple[t.Device, str, t.Store]:
    """Trade a one-time enrollment token for a device id and a long-lived secret."""
    from sqlalchemy import update

    from shared.domain.errors import AuthError

    moment = now or datetime.now(UTC)
    if kind not in ("pc", "edge"):
        raise ValidationError("a device is a 'pc' or an 'edge'")
    device_id = new_id()
    claimed = session.execute(
        update(t.EnrollmentToken)
        .where(t.EnrollmentToken.token_hash == token_digest(token))
        .where(t.EnrollmentToken.used_at.is_(None))
        .where(t.EnrollmentToken.expires_at > moment)
        .values(used_at=moment, device_id=device_id)
        .returning(t.EnrollmentToken.store_id)
    ).first()
    if claimed is None:  # unknown, used or expired: one answer for all
        raise AuthError("invalid, used or expired enrollment token")
    store = session.get(t.Store, claimed.store_id)
    if store is None:
        raise AuthError("the token's store no longer exists")
    secret = secrets.token_urlsafe(32)
    device = t.Device(id=device_id, store_id=store.id, name=name[:200], kind=kind,
                      secret_hash=hash_secret(secret), enrolled_at=moment)
    session.add(device)
    session.add(t.AuditEvent(id=new_id(), at=moment, device_id=device_id, store_id=store.id,
                             action="device.enrolled", entity="device", entity_id=device_id))
    session.flush()
    return device, secret, store


def authenticate_device(session: Session, device_id: uuid.UUID, secret: str) -> t.Device:
    from shared.domain.errors import AuthError
    from shared.security.passwords import verify_secret

    device = session.get(t.Device, device_id)
    stored = device.secret_hash if device is not None and device.secret_hash else _dummy_hash()
    if not verify_secret(stored, secret) or device is None:
        raise AuthError("unknown device or wrong secret")
    if device.revoked_at is not None:
        raise AuthError("device revoked")
    return device
