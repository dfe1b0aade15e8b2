"""HTTP: pricing rules, price suggestions from costs, and publishing prices."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session

from central.negocio import pricing
from central.negocio.common import (
    PageNo,
    PageSize,
    Reader,
    Writer,
    json_response,
    read,
    today,
    write,
)
from central.negocio.schemas import ApplyIn, RuleIn, RulePatch
from shared.domain.pricing import RuleScope

router = APIRouter(prefix="/api/negocio/pricing", tags=["negocio: pricing"])
RuleId = Annotated[uuid.UUID, Path()]


@router.post("/rules", status_code=201)
async def create_rule(request: Request, principal: Writer, body: RuleIn) -> Response:
    """A markup rule for every product (default), a category or a supplier."""
    rule_id = await write(request, principal, pricing.create_rule, principal, body)
    return json_response(await read(request, pricing.get_rule, rule_id), 201)


@router.get("/rules")
async def list_rules(
    request: Request, _principal: Reader, scope: RuleScope | None = None,
    active: bool | None = None, page: PageNo = 1, size: PageSize = 50,
) -> Response:
    def run(session: Session) -> dict[str, Any]:
        return pricing.list_rules(session, scope=scope, active=active, page=page, size=size)

    return json_response(await read(request, run))


@router.get("/rules/{rule_id}")
async def show_rule(request: Request, _principal: Reader, rule_id: RuleId) -> Response:
    return json_response(await read(request, pricing.get_rule, rule_id))


@router.patch("/rules/{rule_id}")
async def update_rule(
    request: Request, principal: Writer, rule_id: RuleId, body: RulePatch
) -> Response:
    """Change some fields of a rule (the others keep their values)."""
    await write(request, principal, pricing.update_rule, principal, rule_id, body)
    return json_response(await read(request, pricing.get_rule, rule_id))


@router.delete("/rules/{rule_id}", status_code=204)
async def delete_rule(request: Request, principal: Writer, rule_id: RuleId) -> Response:
    await write(request, principal, pricing.delete_rule, principal, rule_id)
    return Response(status_code=204)


@router.get("/suggestions")
async def suggestions(
    request: Request, principal: Reader,
    since: Annotated[date | None, Query(description="Costs confirmed since this day")] = None,
    store: Annotated[str | None, Query(max_length=32, description="Its prices, not HQ's")] = None,
    supplier: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=120)] = None,
    day: Annotated[date | None, Query(description="Current prices on this day (today)")] = None,
    page: PageNo = 1, size: PageSize = 50,
) -> Response:
    """Products with a known cost (or a new one since ``since``): the applying rule, the
    suggested shelf price (VAT included) and the current price, by sku."""
    def run(session: Session) -> dict[str, Any]:
        return pricing.suggestions(
            session, principal, since=since, store=store, supplier=supplier,
            category=category, day=day or today(), page=page, size=size)

    return json_response(await read(request, run))


@router.post("/suggestions/apply")
async def apply_suggestions(request: Request, principal: Writer, body: ApplyIn) -> Response:
    """Publish chain-wide prices from a day on: each item's suggestion, or the given price."""
    report = await write(request, principal, pricing.apply_suggestions, principal, body)
    return json_response(report)
