"""Browser sessions of the dashboard: a server-side record in the cache, an opaque cookie,
and a per-session CSRF token that every form posts back.

The cookie holds only a random id; the record (who, role, store, CSRF token) lives in
the cache (Redis in production, so any dashboard process behind nginx reads it), so
signing out ends the session everywhere. Cookies are HttpOnly and SameSite=Strict, and
Secure when the request came over TLS (directly, or through nginx's X-Forwarded-Proto).
"""

from __future__ import annotations

import hmac
import json
import secrets
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from fastapi import Request, Response

from shared.domain.enums import Role
from shared.security.tokens import Principal

SESSION_COOKIE = "mm_session"
#: Before sign-in there is no session: the login form's token is a double-submit cookie.
LOGIN_CSRF_COOKIE = "mm_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
NAMESPACE = "dashboard-session"
#: Roles that may sign in to the dashboard (store staff use the desktop app).
DASHBOARD_ROLES = frozenset({Role.ADMIN, Role.DEPOSITO, Role.NEGOCIO})


@dataclass
class WebSession:
    id: str
    user_id: str
    username: str
    role: str
    store_id: str | None
    csrf: str
    flashes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def principal(self) -> Principal:
        return Principal(uuid.UUID(self.user_id), Role(self.role),
                         uuid.UUID(self.store_id) if self.store_id else None, self.username)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def is_secure(request: Request) -> bool:
    """Did the browser reach us over TLS (directly or through the proxy)?"""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, secure=is_secure(request),
                        samesite="strict", path="/")


def _ttl(request: Request) -> int:
    return int(request.app.state.central.settings.jwt_expire_minutes) * 60


async def create(request: Request, response: Response, principal: Principal) -> WebSession:
    session = WebSession(
        id=new_token(), user_id=str(principal.subject), username=principal.username or "",
        role=principal.role.value,
        store_id=str(principal.store_id) if principal.store_id else None, csrf=new_token(),
    )
    await save(request, session)
    set_cookie(request, response, SESSION_COOKIE, session.id, _ttl(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return session


async def save(request: Request, session: WebSession) -> None:
    cache = request.app.state.central.cache
    await cache.set(NAMESPACE, session.id, json.dumps(asdict(session)), ttl=_ttl(request))


async def load(request: Request) -> WebSession | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    raw = await request.app.state.central.cache.get(NAMESPACE, session_id)
    if not isinstance(raw, str) or not raw:
        return None
    data: dict[str, Any] = json.loads(raw)
    data["flashes"] = [tuple(item) for item in data.get("flashes", [])]
    return WebSession(**data)


async def destroy(request: Request, response: Response, session: WebSession | None) -> None:
    if session is not None:  # the cache has no delete: an empty value expires at once
        await request.app.state.central.cache.set(NAMESPACE, session.id, "", ttl=1)
    response.delete_cookie(SESSION_COOKIE, path="/")


async def flash(request: Request, session: WebSession, kind: str, message: str) -> None:
    """A message shown once on the next page (after a redirect)."""
    session.flashes.append((kind, message))
    await save(request, session)


async def take_flashes(request: Request, session: WebSession) -> list[tuple[str, str]]:
    if not session.flashes:
        return []
    shown, session.flashes = session.flashes, []
    await save(request, session)
    return shown
