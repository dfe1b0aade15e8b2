"""JSON Web Tokens for people and devices (PyJWT, HS256)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from shared.domain.enums import Role
from shared.domain.errors import AuthError

ALGORITHM = "HS256"
ISSUER = "minimarket"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a person (user) or an enrolled device, with its role and store."""

    subject: uuid.UUID
    role: Role
    store_id: uuid.UUID | None = None
    username: str | None = None
    device_id: uuid.UUID | None = None

    @property
    def is_device(self) -> bool:
        return self.role is Role.DEVICE

    @property
    def user_id(self) -> uuid.UUID | None:
        return None if self.is_device else self.subject


def issue_token(
    secret: str, principal: Principal, ttl: timedelta, *, now: datetime | None = None
) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": str(principal.subject),
        "role": principal.role.value,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    if principal.store_id is not None:
        claims["store"] = str(principal.store_id)
    if principal.username is not None:
        claims["name"] = principal.username
    if principal.device_id is not None:
        claims["dev"] = str(principal.device_id)
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(secret: str, token: str) -> Principal:
    """The principal of a valid token; AuthError for an expired, forged or malformed one."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
        return Principal(
            subject=uuid.UUID(claims["sub"]),
            role=Role(claims["role"]),
            store_id=uuid.UUID(claims["store"]) if claims.get("store") else None,
            username=claims.get("name"),
            device_id=uuid.UUID(claims["dev"]) if claims.get("dev") else None,
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("token expired") from None
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise AuthError("invalid token") from None


def expires_in(ttl: timedelta) -> int:
    return int(ttl.total_seconds())
