"""Helpers for the negocio tests (no tests here): a small catalog, invoices, reads.

The catalog is written straight through a Recorder (as a catalog import would), so
these tests do not depend on the deposito agent's catalog endpoints.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from shared.db.engine import create_db_engine
from shared.domain.barcodes import gtin_check_digit
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder, load_replica
from shared.settings import business_day
from tests.integration.central.api.conftest import PASSWORD

API = "/api/negocio"
CUIT_SUR = "30712345671"  # Distribuidora Sur SA
CUIT_NORTE = "30500000003"  # Mayorista Norte SRL
TODAY = business_day(datetime.now(UTC))
# sku: (name, category, unit, vat, supplier, price, cost)
PRODUCTS = {
    "1001": ("Yerba mate 1 kg", "Almacén", "unidad", "21", "sur", 4200, 2900),
    "1002": ("Aceite de girasol 1,5 l", "Almacén", "unidad", "21", "sur", 3600, 2450),
    "1003": ("Galletitas de agua", "Galletitas", "unidad", "21", None, 1250, None),
    "2001": ("Queso cremoso", "Fiambrería", "kg", "10.5", "norte", 9800, 6500),
}


def ean(n: int) -> str:
    body = f"779{n:09d}"
    return body + str(gtin_check_digit(body))


@dataclass
class Shop:
    """A client on a seeded database, with each role's headers."""

    client: Any
    db_url: str
    products: dict[str, uuid.UUID]
    suppliers: dict[str, uuid.UUID]
    admin: dict[str, str]
    negocio: dict[str, str]
    deposito: dict[str, str]
    cajero: dict[str, str]

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw):
        return self.client.post(API + path, json=body, headers=headers or self.negocio, **kw)

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any):
        return self.client.get(API + path, params=params, headers=headers or self.negocio)

    def put(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.client.put(API + path, json=body, headers=headers or self.negocio)

    def patch(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.client.patch(API + path, json=body, headers=headers or self.negocio)

    def delete(self, path: str, headers: dict[str, str] | None = None):
        return self.client.delete(API + path, headers=headers or self.negocio)

    def created_invoice(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post("/invoices", body)
        assert response.status_code == 201, response.text
        return exact(response)

    def confirmed_invoice(self, body: dict[str, Any]) -> dict[str, Any]:
        invoice = self.created_invoice(body)
        response = self.post(f"/invoices/{invoice['id']}/confirm")
        assert response.status_code == 200, response.text
        return exact(response)

    def stock(self, store: str = "S1") -> dict[str, Any]:
        response = self.client.get("/api/deposito/stock", params={"store": store},
                                   headers=self.deposito)
        assert response.status_code == 200, response.text
        return {item["sku"]: item["quantity"] for item in response.json()["items"]}

    def session(self) -> Any:
        return committed(self.db_url)

    def metric(self, name: str, **labels: str) -> float:
        text = self.client.get("/metrics").text
        wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
                         if labels else "")
        for line in text.splitlines():
            if line.startswith(wanted + " "):
                return float(line.split()[-1])
        return 0.0


@contextmanager
def committed(url: str) -> Iterator[tuple[Session, Recorder]]:
    """``with committed(url) as (session, recorder):`` one committed transaction."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as session, session.begin():
            yield session, Recorder(session, load_replica(session))
    finally:
        engine.dispose()


def seed_catalog(url: str) -> tuple[dict[str, uuid.UUID], dict[str, uuid.UUID]]:
    products: dict[str, uuid.UUID] = {}
    suppliers = {"sur": new_id(), "norte": new_id()}
    with committed(url) as (_, recorder):
        for key, cuit, name in (("sur", CUIT_SUR, "Distribuidora Sur SA"),
                                ("norte", CUIT_NORTE, "Mayorista Norte SRL")):
            recorder.upsert("supplier", suppliers[key], {
                "cuit": cuit, "name": name, "provisional": False, "archived": False})
        for n, (sku, (name, category, unit, vat, supplier, price, cost)) in enumerate(
                PRODUCTS.items(), 1):
            product_id = products[sku] = new_id()
            recorder.upsert("product", product_id, {
                "sku": sku, "name": name, "category": category, "unit": unit, "vat_rate": vat,
                "supplier_id": suppliers[supplier] if supplier else None,
                "last_cost_cents": cost * 100 if cost else None,
                "provisional": False, "archived": False,
            })
            recorder.upsert("barcode", new_id(), {"code": ean(n), "product_id": product_id})
            recorder.append("price", {"product_id": product_id, "store_id": None,
                                      "price_cents": price * 100,
                                      "effective_from": TODAY - timedelta(days=30)})
    return products, suppliers


def add_user(url: str, username: str, role: str, store: str | None = None) -> None:
    from central import identity

    with committed(url) as (session, recorder):
        identity.add_user(session, recorder, username, PASSWORD, role, store)


@pytest.fixture(name="shop")
def shop_fixture(client, central_db, token_for) -> Shop:
    """A client on the seeded catalog (import ``shop_fixture`` to use ``shop``)."""
    products, suppliers = seed_catalog(central_db)
    return Shop(client, central_db, products, suppliers, admin=token_for("admin"),
                negocio=token_for("negocio"), deposito=token_for("deposito"),
                cajero=token_for("cajero1"))


def line(product: str | None = "1001", quantity: Any = 12, price: Any = "2500.00",
         **extra: Any) -> dict[str, Any]:
    return {"description": extra.pop("description", f"Artículo {product}"),
            "product": product, "quantity": quantity, "unit_price": price, **extra}


def invoice(number: int = 1234, *, code: int = 1, store: str = "S1", cuit: str = CUIT_SUR,
            lines: list[dict[str, Any]] | None = None, issued_on: date = TODAY,
            **extra: Any) -> dict[str, Any]:
    return {"store": store, "issuer_cuit": cuit, "afip_code": code, "point_of_sale": 3,
            "number": number, "issued_on": issued_on.isoformat(),
            "lines": lines if lines is not None else [line()], **extra}


def exact(response) -> Any:
    """The body with every non-integer number read as Decimal (amounts stay exact)."""
    return response.json(parse_float=Decimal)


def fields_of(response) -> list[str]:
    """The fields a 422 names."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list), detail
    return [problem["field"] for problem in detail]
