"""Who is calling, and may they: FastAPI dependencies over ``shared.security.tokens``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.domain.enums import Role
from shared.domain.errors import AuthError, Forbidden
from shared.security.tokens import Principal, read_token

bearer = HTTPBearer(auto_error=False, description="JWT from /api/auth/token")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthError("not authenticated")
    state = request.app.state.central
    principal = read_token(state.settings.jwt_secret(), credentials.credentials)
    if principal.is_device and await state.device_revoked(principal.subject):
        raise AuthError("device revoked")
    return principal


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting only ``roles`` (admin is always admitted)."""
    allowed = frozenset(roles) | {Role.ADMIN}

    async def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"role {principal.role.value} may not do this")
        return principal

    dependency.allowed_roles = allowed  # type: ignore[attr-defined] - read by the role matrix test
    return dependency


def check_store(principal: Principal, store_id: uuid.UUID) -> None:
    """Store-scoped callers (cashiers, devices) act on their own store only."""
    if principal.store_id is not None and principal.store_id != store_id:
        raise Forbidden("this credential is scoped to another store")
