"""Dashboard agent (8080): sign-in for people and devices, the dashboard's JSON API and
its web pages (``web.py`` and ``pages/``)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from pydantic import BaseModel

from central import identity
from central.kit.auth import current_principal, require
from central.kit.metrics import LOGIN_ATTEMPTS
from shared.db import tables as t
from shared.domain.enums import Role
from shared.domain.errors import AuthError, MinimarketError
from shared.domain.ids import new_id
from shared.domain.jsonout import dumps
from shared.security.tokens import Principal, issue_token

DEVICE_TOKEN_MINUTES = 15
LOGIN_WINDOW_SECONDS = 300
LOGIN_MAX_ATTEMPTS = 10


class TooManyAttempts(MinimarketError):
    status_code = 429


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class DeviceCredentials(BaseModel):
    device_id: uuid.UUID
    device_secret: str


class Me(BaseModel):
    subject: uuid.UUID
    role: Role
    store_id: uuid.UUID | None
    username: str | None
    device_id: uuid.UUID | None


auth = APIRouter(prefix="/api/auth", tags=["auth"])


async def authenticate_person(request: Request, username: str, password: str) -> Principal:
    """Check a person's password (rate-limited per username and client; audited).

    The token endpoint and the dashboard's login form both sign in through here.
    """
    state = request.app.state.central
    client = request.client.host if request.client else "?"
    bucket = f"login:{username.strip().lower()}:{client}"
    if await state.cache.hits(bucket) >= LOGIN_MAX_ATTEMPTS:  # failures only count
        LOGIN_ATTEMPTS.labels("limited").inc()
        raise TooManyAttempts("too many sign-in attempts; wait a few minutes")

    def sign_in(session):  # type: ignore[no-untyped-def]
        try:
            user = identity.authenticate(session, username, password)
        except AuthError:
            session.add(
                t.AuditEvent(
                    id=new_id(),
                    action="auth.failed",
                    entity="user",
                    details={"username": username[:80], "client": client},
                )
            )
            raise
        session.add(
            t.AuditEvent(
                id=new_id(),
                user_id=user.id,
                store_id=user.store_id,
                action="auth.signed_in",
                entity="user",
                entity_id=user.id,
            )
        )
        return Principal(user.id, Role(user.role), user.store_id, user.username)

    try:
        principal: Principal = await state.database.read(sign_in)
    except AuthError:
        LOGIN_ATTEMPTS.labels("failed").inc()
        await state.cache.hit(bucket, LOGIN_WINDOW_SECONDS)
        raise
    LOGIN_ATTEMPTS.labels("ok").inc()
    return principal


@auth.post("/token", response_model=TokenOut)
async def token(
    request: Request,
    username: Annotated[str, Form(min_length=1, max_length=80)],
    password: Annotated[str, Form(min_length=1, max_length=200)],
) -> TokenOut:
    """Sign in with username and password (form fields, OAuth2 password style)."""
    state = request.app.state.central
    principal = await authenticate_person(request, username, password)
    ttl = timedelta(minutes=state.settings.jwt_expire_minutes)
    return TokenOut(
        access_token=issue_token(state.settings.jwt_secret(), principal, ttl),
        expires_in=int(ttl.total_seconds()),
    )


@auth.post("/device-token", response_model=TokenOut)
async def device_token(request: Request, body: DeviceCredentials) -> TokenOut:
    """Trade an enrolled device's secret for a short-lived ``device`` JWT."""
    state = request.app.state.central

    def check(session):  # type: ignore[no-untyped-def]
        device = identity.authenticate_device(session, body.device_id, body.device_secret)
        return Principal(device.id, Role.DEVICE, device.store_id, device_id=device.id)

    principal = await state.database.read(check)
    ttl = timedelta(minutes=DEVICE_TOKEN_MINUTES)
    return TokenOut(
        access_token=issue_token(state.settings.jwt_secret(), principal, ttl),
        expires_in=int(ttl.total_seconds()),
    )


@auth.get("/me", response_model=Me)
async def me(principal: Annotated[Principal, Depends(current_principal)]) -> Me:
    return Me(
        subject=principal.subject,
        role=principal.role,
        store_id=principal.store_id,
        username=principal.username,
        device_id=principal.device_id,
    )


dashboard = APIRouter(prefix="/api/dashboard", tags=["dashboard"])
Viewer = Annotated[Principal, Depends(require(Role.DEPOSITO, Role.NEGOCIO, Role.ML_SERVICE))]


@dashboard.get("/overview")
async def overview(request: Request, _principal: Viewer) -> Response:
    """KPIs per store for the business day (Buenos Aires): sales, intakes, critical stock."""
    from central.dashboard.overview import overview as compute

    data = await request.app.state.central.database.read(compute)
    return Response(dumps(data), media_type="application/json")


def routers() -> list[APIRouter]:
    from central.dashboard import web

    return [auth, dashboard, *web.routers()]
