"""Administration: stores, devices and sync health (enrollment tokens, revoke), the
conflict review queue, the audit log, and users with their roles."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central import identity
from central.dashboard.pages import lookups
from central.dashboard.pages.conflict_queue import conflict_page
from central.dashboard.web import (
    PAGE_SIZE,
    DashboardRoute,
    done,
    field,
    page_number,
    poster,
    read,
    render,
    viewer,
    write,
)
from central.devices import revoke_device
from central.identity import find_store
from central.sync.conflicts import ConflictRef
from central.sync.decisions import Decision, decide
from shared.db import tables as t
from shared.domain.enums import PERSON_ROLES
from shared.domain.errors import ValidationError
from shared.settings import BUSINESS_TIMEZONE

router = APIRouter(route_class=DashboardRoute, include_in_schema=False)
DECISIONS = {"accepted": "Aceptado (queda así)", "adjusted": "Corregido (ajuste, conteo o nota)",
             "dismissed": "Descartado"}
CONFLICT_KINDS = {"duplicate_document": "Documento confirmado dos veces",
                  "negative_stock": "Stock negativo"}


# --- stores and devices ---------------------------------------------------------------------


def devices_view(session: Session) -> dict[str, Any]:
    codes = dict(session.execute(select(t.Store.id, t.Store.code)).all())
    rows = session.scalars(select(t.Device).order_by(t.Device.revoked_at.is_not(None),
                                                     t.Device.store_id, t.Device.enrolled_at))
    devices = []
    for device in rows:
        beat = device.last_heartbeat or {}
        devices.append({
            "id": device.id, "store": codes.get(device.store_id), "name": device.name,
            "kind": device.kind, "app_version": device.app_version,
            "enrolled_at": device.enrolled_at, "last_seen_at": device.last_seen_at,
            "revoked_at": device.revoked_at, "pending": beat.get("pending"),
            "refused": beat.get("refused"), "clock_offset_ms": beat.get("clock_offset_ms"),
        })
    tokens = session.execute(
        select(t.EnrollmentToken.store_id, t.EnrollmentToken.created_at,
               t.EnrollmentToken.expires_at, t.EnrollmentToken.used_at)
        .order_by(t.EnrollmentToken.created_at.desc()).limit(20)
    ).all()
    return {"stores": lookups.stores(session), "devices": devices,
            "tokens": [{"store": codes.get(row.store_id), "created_at": row.created_at,
                        "expires_at": row.expires_at, "used_at": row.used_at}
                       for row in tokens]}


@router.get("/dispositivos")
async def devices_page(request: Request) -> Response:
    who = await viewer(request, "devices")
    data = await read(request, devices_view)
    return await render(request, who, "devices.html", title="Sucursales y dispositivos",
                        now=datetime.now(UTC), **data)


@router.post("/dispositivos/sucursales")
async def add_store(request: Request) -> Response:
    who, form = await poster(request, "devices")
    code = field(form, "code")
    await write(request, who, identity.add_store, code, field(form, "name"))
    return await done(request, who, f"Sucursal {code} creada.")


@router.post("/dispositivos/tokens")
async def enrollment_token(request: Request) -> Response:
    who, form = await poster(request, "devices")
    try:
        hours = float(field(form, "ttl") or identity.DEFAULT_TOKEN_TTL_HOURS)
    except ValueError:
        raise ValidationError("ttl: no es un número") from None
    store = field(form, "store")

    def run(session: Session, _recorder: Any) -> str:
        return identity.create_enrollment_token(session, store, ttl_hours=hours,
                                                created_by=uuid.UUID(who.user_id))

    token = await write(request, who, run)
    return await done(request, who, f"Token de alta para {store} (se muestra solo esta vez, "
                                    f"vence en {hours:g} h): {token}")


@router.post("/dispositivos/{device_id}/revocar")
async def revoke(request: Request, device_id: str) -> Response:
    who, _form = await poster(request, "devices")

    def run(session: Session, _recorder: Any) -> None:
        revoke_device(session, device_id, by=uuid.UUID(who.user_id))

    await write(request, who, run)
    return await done(request, who, "Dispositivo revocado: su próxima sincronización será "
                                    "rechazada.")


# --- conflicts ------------------------------------------------------------------------------


@router.get("/conflictos")
async def conflicts_page(request: Request, estado: str = "abiertos",
                         store: str | None = None, page: int | None = None) -> Response:
    who = await viewer(request, "conflicts")
    open_only = {"abiertos": True, "resueltos": False}.get(estado)
    number = page_number(page)

    def run(session: Session) -> dict[str, Any]:
        store_id = find_store(session, store).id if store else None
        return {"queue": conflict_page(session, store_id=store_id, open_only=open_only,
                                       offset=(number - 1) * PAGE_SIZE, size=PAGE_SIZE),
                "stores": lookups.stores(session)}

    data = await read(request, run)
    return await render(request, who, "conflicts.html", title="Conflictos", **data,
                        estado=estado, store=store or "", decisions=DECISIONS,
                        kinds=CONFLICT_KINDS, page=number, size=PAGE_SIZE)


@router.post("/conflictos/decidir")
async def decide_conflict(request: Request) -> Response:
    who, form = await poster(request, "conflicts")
    try:
        ref = ConflictRef.parse(field(form, "conflict_id"))
        decision = Decision(field(form, "decision"))
    except ValueError:
        raise ValidationError("conflicto o decisión desconocidos") from None
    note = field(form, "note")

    def run(session: Session, _recorder: Any) -> dict[str, Any]:
        return decide(session, ref, decision, note, by=uuid.UUID(who.user_id))

    await write(request, who, run)
    return await done(request, who, "Decisión registrada.")


# --- audit ----------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BUSINESS_TIMEZONE).astimezone(UTC)


def audit_view(session: Session, *, source: str, user: str | None, device: str | None,
               kind: str | None, since: date | None, until: date | None,
               number: int) -> dict[str, Any]:
    """Events (sign-ins, revocations, decisions) or data changes (the operation log),
    newest first, one page; filtered by user, device, kind and business days."""
    table = t.AuditEvent if source == "eventos" else t.OperationRow
    at = t.AuditEvent.at if source == "eventos" else t.OperationRow.recorded_at
    query = select(table)
    if user:
        user_id = session.scalar(select(t.User.id).where(t.User.username == user.lower()))
        query = query.where(table.user_id == user_id)  # type: ignore[attr-defined]
    if device:
        try:
            query = query.where(table.device_id == uuid.UUID(device))  # type: ignore[attr-defined]
        except ValueError:
            raise ValidationError("device: no es un identificador de dispositivo") from None
    if kind:
        column = t.AuditEvent.action if source == "eventos" else t.OperationRow.entity
        query = query.where(column.startswith(kind, autoescape=True))
    if since:
        query = query.where(at >= _day_start(since))
    if until:
        query = query.where(at < _day_start(until + timedelta(days=1)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(at.desc()).offset((number - 1) * PAGE_SIZE)
                                .limit(PAGE_SIZE)))
    users = dict(session.execute(select(t.User.id, t.User.username).where(
        t.User.id.in_({row.user_id for row in rows if row.user_id}))).all()) if rows else {}
    codes = dict(session.execute(select(t.Store.id, t.Store.code)).all())
    items = []
    for row in rows:
        if source == "eventos":
            items.append({"at": row.at, "user": users.get(row.user_id), "device": row.device_id,
                          "store": codes.get(row.store_id), "kind": row.action,
                          "what": f"{row.entity or ''} {row.entity_id or ''}".strip(),
                          "details": row.details})
        else:
            items.append({"at": row.recorded_at, "user": users.get(row.user_id),
                          "device": row.device_id, "store": codes.get(row.store_id),
                          "kind": f"{row.entity}.{row.kind}", "what": str(row.entity_id),
                          "details": row.payload})
    return {"items": items, "total": int(total)}


@router.get("/auditoria")
async def audit_page(request: Request, fuente: str = "eventos", usuario: str | None = None,
                     dispositivo: str | None = None, tipo: str | None = None,
                     desde: date | None = None, hasta: date | None = None,
                     page: int | None = None) -> Response:
    who = await viewer(request, "audit")
    source = fuente if fuente in ("eventos", "cambios") else "eventos"
    number = page_number(page)
    log = await read(request, audit_view, source=source, user=(usuario or "").strip()[:80],
                     device=(dispositivo or "").strip(), kind=(tipo or "").strip()[:60],
                     since=desde, until=hasta, number=number)
    return await render(request, who, "audit.html", title="Auditoría", log=log, fuente=source,
                        usuario=usuario or "", dispositivo=dispositivo or "", tipo=tipo or "",
                        desde=desde or "", hasta=hasta or "", page=number, size=PAGE_SIZE)


# --- users ----------------------------------------------------------------------------------


def users_view(session: Session) -> dict[str, Any]:
    codes = dict(session.execute(select(t.Store.id, t.Store.code)).all())
    users = session.scalars(select(t.User).where(t.User.deleted.is_(False))
                            .order_by(t.User.username).limit(500))
    return {"users": [{"username": u.username, "full_name": u.full_name, "role": u.role,
                       "store": codes.get(u.store_id), "active": u.active is not False}
                      for u in users],
            "stores": lookups.stores(session)}


@router.get("/usuarios")
async def users_page(request: Request) -> Response:
    who = await viewer(request, "users")
    data = await read(request, users_view)
    roles = sorted(role.value for role in PERSON_ROLES)
    return await render(request, who, "users.html", title="Usuarios", roles=roles, **data)


@router.post("/usuarios")
async def add_user(request: Request) -> Response:
    who, form = await poster(request, "users")
    username = field(form, "username")
    password = form.get("password")
    await write(request, who, identity.add_user, username,
                password if isinstance(password, str) else "", field(form, "role"),
                field(form, "store") or None, field(form, "full_name") or None,
                field(form, "pin") or None)
    return await done(request, who, f"Usuario {username} creado.")
