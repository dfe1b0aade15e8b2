"""Helpers for the deposito tests (no tests here): products, movements, stock reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.domain.barcodes import gtin_check_digit

API = "/api/deposito"


def ean13(body12: str) -> str:
    return body12 + str(gtin_check_digit(body12))


def ean(n: int) -> str:
    """A valid Argentine EAN-13 (prefix 779) numbered ``n``."""
    return ean13(f"779{n:09d}")


def create_product(client, headers, sku: str, name: str | None = None, **fields: Any) -> dict:
    body = {"sku": sku, "name": name or f"Producto {sku}", **fields}
    response = client.post(f"{API}/products", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def move(client, headers, store: str, product: str, kind: str, quantity, **extra: Any):
    body = {"store": store, "product": product, "kind": kind, "quantity": quantity, **extra}
    return client.post(f"{API}/movements", json=body, headers=headers)


def moved(client, headers, store: str, product: str, kind: str, quantity, **extra: Any) -> dict:
    response = move(client, headers, store, product, kind, quantity, **extra)
    assert response.status_code == 201, response.text
    return response.json()


def stock_of(client, headers, store: str) -> dict[str, Any]:
    response = client.get(f"{API}/stock", params={"store": store}, headers=headers)
    assert response.status_code == 200, response.text
    return {item["sku"]: item["quantity"] for item in response.json()["items"]}


def exact(response) -> Any:
    """The body with every non-integer number read as Decimal (amounts stay exact)."""
    return response.json(parse_float=Decimal)


def fields_of(response) -> list[str]:
    """The fields a 422 names."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list), detail
    return [problem["field"] for problem in detail]
