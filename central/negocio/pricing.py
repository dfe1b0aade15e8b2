"""Pricing rules, price suggestions from costs, and publishing the chosen prices.

The rules and the arithmetic are :mod:`shared.domain.pricing`. A product's cost is its
last cost from confirmed invoices (:mod:`central.negocio.costs`), or the catalog's cost
when no invoice has set one; its supplier and category are the catalog's.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from central.negocio.common import (
    FieldError,
    amount,
    find_supplier,
    page_of,
    product_for,
    require_chain_wide,
    store_filter,
    supplier_for,
    today,
)
from central.negocio.costs import (
    has_latest_cost,
    latest_cost_of,
    latest_costs,
    with_latest_cost,
)
from central.negocio.inflation_signals import Signal, inflation_signals
from central.negocio.schemas import ApplyIn, RuleIn, RulePatch
from shared.db import tables as t
from shared.domain.enums import VatRate
from shared.domain.errors import NotFound
from shared.domain.ids import new_id
from shared.domain.numbers import to_cents
from shared.domain.pricing import (
    Rounding,
    Rule,
    RuleScope,
    change_ratio,
    choose_rule,
    markup_of_price,
    normalize_category,
    suggest_price,
)
from shared.ops.recorder import Recorder
from shared.security.tokens import Principal
from shared.services.catalog import price_on, prices_on
from shared.settings import business_day

_RULE_FIELDS = ("name", "scope", "scope_value", "markup_bp", "rounding_step_cents",
                "ending_cents", "priority", "active")


def _domain_rule(row: t.PricingRule) -> Rule | None:
    """The rule a stored record describes; an incomplete or invalid record applies to nothing."""
    if row.markup_bp is None or row.rounding_step_cents is None or row.ending_cents is None:
        return None
    try:
        return Rule(
            id=row.id, scope=RuleScope(row.scope or ""), scope_value=row.scope_value,
            markup_bp=row.markup_bp, rounding=Rounding(row.rounding_step_cents, row.ending_cents),
            priority=row.priority or 0, active=bool(row.active), name=row.name or "",
        )
    except ValueError:  # an unknown scope, or values the domain refuses (ValidationError)
        return None


def load_rules(session: Session) -> list[Rule]:
    """Every usable rule; a supplier rule follows its supplier if it was merged into another."""
    rules = []
    for row in session.scalars(select(t.PricingRule).where(t.PricingRule.deleted.is_(False))):
        rule = _domain_rule(row)
        if rule is not None and rule.scope is RuleScope.SUPPLIER and rule.scope_value:
            supplier = find_supplier(session, rule.scope_value)
            if supplier is not None and str(supplier.id) != rule.scope_value:
                rule = replace(rule, scope_value=str(supplier.id))
        if rule is not None:
            rules.append(rule)
    return rules


def _get_rule(session: Session, rule_id: uuid.UUID) -> t.PricingRule:
    row = session.get(t.PricingRule, rule_id)
    if row is None or row.deleted:
        raise NotFound(f"unknown pricing rule {rule_id}")
    return row


def _scope_value(session: Session, scope: RuleScope, value: str | None) -> str | None:
    if scope is RuleScope.DEFAULT:
        if value:
            raise FieldError("scope_value", "a default rule takes no scope value")
        return None
    if not value or not value.strip():
        raise FieldError("scope_value", f"a {scope.value} rule needs a scope value")
    if scope is RuleScope.CATEGORY:
        return " ".join(value.split())
    return str(supplier_for(session, value, field="scope_value").id)


def _save(
    recorder: Recorder, rule_id: uuid.UUID, fields: dict[str, Any], old: dict[str, Any]
) -> None:
    if fields["ending_cents"] >= fields["rounding_step_cents"]:
        raise FieldError("ending", "ending must be less than rounding_step")
    changes = {name: fields[name] for name in _RULE_FIELDS if old.get(name) != fields[name]}
    if changes:
        recorder.upsert("pricing_rule", rule_id, changes)


def _bp(percent: Decimal) -> int:
    return int(percent * 100)


def create_rule(
    session: Session, recorder: Recorder, principal: Principal, body: RuleIn
) -> uuid.UUID:
    require_chain_wide(principal)
    rule_id = new_id()
    _save(recorder, rule_id, {
        "name": body.name.strip(), "scope": body.scope.value,
        "scope_value": _scope_value(session, body.scope, body.scope_value),
        "markup_bp": _bp(body.markup_pct), "rounding_step_cents": to_cents(body.rounding_step),
        "ending_cents": to_cents(body.ending), "priority": body.priority, "active": body.active,
    }, {})
    return rule_id


def update_rule(
    session: Session, recorder: Recorder, principal: Principal, rule_id: uuid.UUID,
    body: RulePatch,
) -> uuid.UUID:
    require_chain_wide(principal)
    row = _get_rule(session, rule_id)
    old = {name: getattr(row, name) for name in _RULE_FIELDS}
    given = body.model_dump(exclude_unset=True)
    fields = dict(old)
    for name in ("name", "priority", "active"):
        if given.get(name) is not None:
            fields[name] = given[name].strip() if name == "name" else given[name]
    if given.get("markup_pct") is not None:
        fields["markup_bp"] = _bp(given["markup_pct"])
    if given.get("rounding_step") is not None:
        fields["rounding_step_cents"] = to_cents(given["rounding_step"])
    if given.get("ending") is not None:
        fields["ending_cents"] = to_cents(given["ending"])
    scope = RuleScope(given.get("scope") or old["scope"] or RuleScope.DEFAULT)
    if "scope" in given or "scope_value" in given:
        value = given["scope_value"] if "scope_value" in given else (
            None if scope is RuleScope.DEFAULT else old["scope_value"])
        fields["scope"], fields["scope_value"] = scope.value, _scope_value(session, scope, value)
    _save(recorder, rule_id, fields, old)
    return rule_id


def delete_rule(
    session: Session, recorder: Recorder, principal: Principal, rule_id: uuid.UUID
) -> None:
    require_chain_wide(principal)
    recorder.delete("pricing_rule", _get_rule(session, rule_id).id)


def rule_out(session: Session, row: t.PricingRule) -> dict[str, Any]:
    supplier = None
    if row.scope == RuleScope.SUPPLIER and row.scope_value:
        found = find_supplier(session, row.scope_value)
        supplier = {"id": found.id, "cuit": found.cuit, "name": found.name} if found else None
    return {
        "id": row.id, "name": row.name, "scope": row.scope, "scope_value": row.scope_value,
        "supplier": supplier,
        "markup_pct": None if row.markup_bp is None else Decimal(row.markup_bp).scaleb(-2),
        "rounding_step": amount(row.rounding_step_cents), "ending": amount(row.ending_cents),
        "priority": row.priority, "active": row.active,
    }


def get_rule(session: Session, rule_id: uuid.UUID) -> dict[str, Any]:
    return rule_out(session, _get_rule(session, rule_id))


def list_rules(
    session: Session, *, scope: RuleScope | None, active: bool | None, page: int, size: int
) -> dict[str, Any]:
    query = select(t.PricingRule).where(t.PricingRule.deleted.is_(False))
    if scope is not None:
        query = query.where(t.PricingRule.scope == scope.value)
    if active is not None:
        query = query.where(t.PricingRule.active.is_(active))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(t.PricingRule.id).offset((page - 1) * size).limit(size))
    return page_of([rule_out(session, row) for row in rows], total, page, size)


# --- suggestions ----------------------------------------------------------------------------


def _vat(product: Any) -> VatRate:
    try:
        return VatRate(product.vat_rate or VatRate.GENERAL.value)
    except ValueError:
        return VatRate.GENERAL


_Entry = tuple[Any, int, str, datetime | None]  # row, cost, its source, when invoiced


def _entry(row: Any, since: date | None) -> _Entry | None:
    """A product row with its cost, if it has one (invoiced since ``since`` when given)."""
    cost = latest_cost_of(row)
    if cost is not None:
        if since is None or business_day(cost[1]) >= since:
            return (row, cost[0], "invoice", cost[1])
        return None
    if since is None and row.last_cost_cents is not None:
        return (row, row.last_cost_cents, "catalog", None)
    return None


def _costed_products(
    session: Session, *, since: date | None, supplier: str | None, category: str | None,
    page: int, size: int,
) -> tuple[list[_Entry], int]:
    """One page of the products with a cost (and the cost's source), by sku, and how many
    there are: plain rows with the columns a suggestion shows and each product's last
    invoice cost, joined by the database.

    Without a category or a date the database also counts and pages them. A category
    compares casefolded and a date is a business day, which Python decides: then a first
    pass reads only what those need, and the page's rows are read after it."""
    p = t.Product
    listed = [p.deleted.is_(False), p.sku.is_not(None),
              or_(p.archived.is_(None), p.archived.is_(False))]
    if supplier:
        found = find_supplier(session, supplier)
        if found is None:
            raise NotFound(f"unknown supplier {supplier!r}")
        listed.append(p.supplier_id == found.id)
    shown = select(p.id, p.sku, p.name, p.category, p.supplier_id, p.vat_rate,
                   p.last_cost_cents).where(*listed)
    wanted_category = normalize_category(category)
    first, order = (page - 1) * size, (p.sku, p.id)
    if since is None and not wanted_category:
        query = with_latest_cost(session, shown, p.id).where(
            or_(has_latest_cost(), p.last_cost_cents.is_not(None)))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(query.order_by(*order).offset(first).limit(size))
        return [entry for row in rows if (entry := _entry(row, since)) is not None], total
    light = with_latest_cost(session, select(p.id, p.category, p.last_cost_cents)
                             .where(*listed), p.id)
    ids = [row.id for row in session.execute(light.order_by(*order))
           if not (wanted_category and normalize_category(row.category) != wanted_category)
           and _entry(row, since) is not None]
    chosen = ids[first:first + size]
    rows = {row.id: row for row in session.execute(
        with_latest_cost(session, shown.where(p.id.in_(chosen)), p.id))} if chosen else {}
    return [entry for product_id in chosen
            if (entry := _entry(rows[product_id], since)) is not None], len(ids)


def suggestions(
    session: Session, principal: Principal, *, since: date | None, store: str | None,
    supplier: str | None, category: str | None, day: date, page: int, size: int,
) -> dict[str, Any]:
    """A page of products whose cost is known (or changed since ``since``), priced by rule."""
    store_id = store_filter(session, principal, store)
    chosen, total = _costed_products(session, since=since, supplier=supplier,
                                     category=category, page=page, size=size)
    prices = prices_on(session, store_id, day, [row.id for row, *_ in chosen]) if chosen else {}
    rules = load_rules(session)
    signals = inflation_signals(session, day)
    items = []
    for product, cost, source, changed_at in chosen:
        vat = _vat(product)
        rule = choose_rule(rules, category=product.category, supplier_id=product.supplier_id)
        suggestion = suggest_price(cost, vat, rule) if rule else None
        current = prices.get(product.id)
        items.append({
            "product": {"id": product.id, "sku": product.sku, "name": product.name},
            "category": product.category, "supplier_id": product.supplier_id,
            "vat_rate": vat.value, "cost": amount(cost), "cost_source": source,
            "cost_confirmed_at": changed_at,
            "rule": None if rule is None else {
                "id": rule.id, "name": rule.name, "scope": rule.scope,
                "markup_pct": Decimal(rule.markup_bp).scaleb(-2)},
            "raw_price": amount(suggestion.raw_cents) if suggestion else None,
            "suggested_price": amount(suggestion.price_cents) if suggestion else None,
            "current_price": amount(current),
            "change": change_ratio(current, suggestion.price_cents) if suggestion else None,
            "current_markup": markup_of_price(current, cost, vat) if current else None,
            "inflation_gap": _gap_of(signals.for_product(product.supplier_id, product.category)),
        })
    return page_of(items, total, page, size, day=day,
                   store=store if store_id is not None and store else None)


def _gap_of(signal: Signal | None) -> dict[str, Any] | None:
    """The 30-day cost gap over the index of the product's supplier (else its category)."""
    if signal is None:
        return None
    return {"scope": signal.scope, "key": signal.key, "name": signal.name,
            "cost_change": signal.cost_change, "index_change": signal.index_change,
            "points": signal.points, "flagged": signal.flagged}


def apply_suggestions(
    session: Session, recorder: Recorder, principal: Principal, body: ApplyIn
) -> dict[str, Any]:
    """Append chain-wide prices from ``effective_from``: the given price or the suggestion."""
    require_chain_wide(principal)
    day = body.effective_from or today()
    if day < today():
        raise FieldError("effective_from", "a price change cannot start in the past")
    rules = load_rules(session)
    seen: set[uuid.UUID] = set()
    applied, unchanged = [], []
    with recorder.batch():
        for index, item in enumerate(body.items):
            field = f"items.{index}.product"
            product = product_for(session, item.product, field=field)
            if product.id in seen:
                raise FieldError(field, f"product {product.sku} appears twice")
            seen.add(product.id)
            price = to_cents(item.price) if item.price is not None else _suggested(
                session, product, rules, field)
            previous = price_on(session, product.id, None, day)
            entry = {"product": {"id": product.id, "sku": product.sku},
                     "price": amount(price), "previous": amount(previous)}
            if previous == price:
                unchanged.append(entry)
                continue
            recorder.append("price", {"product_id": product.id, "store_id": None,
                                      "price_cents": price, "effective_from": day})
            applied.append(entry)
    return {"effective_from": day, "applied": applied, "unchanged": unchanged}


def _suggested(session: Session, product: t.Product, rules: list[Rule], field: str) -> int:
    cost = latest_costs(session, [product.id]).get(product.id)
    cents = cost.unit_cost_cents if cost is not None else product.last_cost_cents
    if cents is None:
        raise FieldError(field, f"product {product.sku} has no cost to price from")
    rule = choose_rule(rules, category=product.category, supplier_id=product.supplier_id)
    if rule is None:
        raise FieldError(field, f"no active pricing rule applies to product {product.sku}")
    return suggest_price(cents, _vat(product), rule).price_cents
