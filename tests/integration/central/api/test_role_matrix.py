"""The role matrix: every endpoint admits exactly the roles it should.

``EXPECTED`` is the access policy, written out and reviewed by a person. The test fails
when a route is added without an entry, when the code declares other roles than the
table, and when a call with each role's real token is not answered as the table says:
401 without a token, 403 for a role not listed, neither for a listed one (admin is
always admitted). Store scope is checked separately: a cashier or device of S1 acting
on S2 gets 403.
"""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from central.kit.auth import current_principal
from shared.domain.enums import Role
from tests.integration.central.api.conftest import enroll, login

CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO = (
    Role.CAJERO, Role.DEPOSITO, Role.DEVICE, Role.ML_SERVICE, Role.NEGOCIO)
PUBLIC = frozenset({"public"})
ANY_SIGNED_IN = frozenset({"signed-in"})

EXPECTED = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/api/deposito/health"): PUBLIC,
    ("GET", "/api/deposito/products"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("POST", "/api/deposito/products"): {DEPOSITO},
    ("GET", "/api/deposito/products/lookup"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("GET", "/api/deposito/products/{product_id}"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("PATCH", "/api/deposito/products/{product_id}"): {DEPOSITO},
    ("POST", "/api/deposito/products/{product_id}/archive"): {DEPOSITO},
    ("POST", "/api/deposito/products/{product_id}/restore"): {DEPOSITO},
    ("POST", "/api/deposito/products/{product_id}/barcodes"): {DEPOSITO},
    ("DELETE", "/api/deposito/products/{product_id}/barcodes/{code}"): {DEPOSITO},
    ("POST", "/api/deposito/products/{product_id}/promote"): {DEPOSITO},
    ("POST", "/api/deposito/products/{product_id}/merge"): {DEPOSITO},
    ("GET", "/api/deposito/suppliers"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("POST", "/api/deposito/suppliers"): {DEPOSITO},
    ("GET", "/api/deposito/suppliers/{supplier_id}"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("PATCH", "/api/deposito/suppliers/{supplier_id}"): {DEPOSITO},
    ("POST", "/api/deposito/suppliers/{supplier_id}/archive"): {DEPOSITO},
    ("POST", "/api/deposito/suppliers/{supplier_id}/restore"): {DEPOSITO},
    ("POST", "/api/deposito/suppliers/{supplier_id}/promote"): {DEPOSITO},
    ("POST", "/api/deposito/suppliers/{supplier_id}/merge"): {DEPOSITO},
    ("POST", "/api/deposito/products/{product_id}/prices"): {DEPOSITO},
    ("GET", "/api/deposito/products/{product_id}/prices"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("GET", "/api/deposito/products/{product_id}/prices/current"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("GET", "/api/deposito/price-changes"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("GET", "/api/deposito/stock"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("GET", "/api/deposito/stock/levels"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("GET", "/api/deposito/stock/critical"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("GET", "/api/deposito/products/{product_id}/history"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("POST", "/api/deposito/movements"): {CAJERO, DEPOSITO, DEVICE},
    ("POST", "/api/deposito/transfers"): {CAJERO, DEPOSITO, DEVICE},
    ("POST", "/api/deposito/counts"): {CAJERO, DEPOSITO, DEVICE},
    ("GET", "/api/deposito/counts"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("GET", "/api/deposito/counts/{count_id}"): {CAJERO, DEPOSITO, DEVICE, ML_SERVICE, NEGOCIO},
    ("POST", "/api/deposito/counts/{count_id}/items"): {CAJERO, DEPOSITO, DEVICE},
    ("POST", "/api/deposito/counts/{count_id}/commit"): {CAJERO, DEPOSITO, DEVICE},
    ("GET", "/api/negocio/health"): PUBLIC,
    ("POST", "/api/negocio/invoices/ocr"): {NEGOCIO},
    ("POST", "/api/negocio/invoices"): {NEGOCIO},
    ("GET", "/api/negocio/invoices"): {DEPOSITO, NEGOCIO},
    ("GET", "/api/negocio/invoices/{invoice_id}"): {DEPOSITO, NEGOCIO},
    ("PUT", "/api/negocio/invoices/{invoice_id}"): {NEGOCIO},
    ("PATCH", "/api/negocio/invoices/{invoice_id}/lines/{line_no}"): {NEGOCIO},
    ("DELETE", "/api/negocio/invoices/{invoice_id}"): {NEGOCIO},
    ("POST", "/api/negocio/invoices/{invoice_id}/confirm"): {NEGOCIO},
    ("GET", "/api/negocio/products/{product}/cost"): {DEPOSITO, NEGOCIO},
    ("POST", "/api/negocio/pricing/rules"): {NEGOCIO},
    ("GET", "/api/negocio/pricing/rules"): {DEPOSITO, NEGOCIO},
    ("GET", "/api/negocio/pricing/rules/{rule_id}"): {DEPOSITO, NEGOCIO},
    ("PATCH", "/api/negocio/pricing/rules/{rule_id}"): {NEGOCIO},
    ("DELETE", "/api/negocio/pricing/rules/{rule_id}"): {NEGOCIO},
    ("GET", "/api/negocio/pricing/suggestions"): {DEPOSITO, NEGOCIO},
    ("POST", "/api/negocio/pricing/suggestions/apply"): {NEGOCIO},
    ("GET", "/api/negocio/inflation"): {DEPOSITO, NEGOCIO},
    ("PUT", "/api/negocio/inflation/{month}"): {NEGOCIO},
    ("DELETE", "/api/negocio/inflation/{month}"): {NEGOCIO},
    ("POST", "/api/negocio/inflation/import"): {NEGOCIO},
    ("GET", "/api/negocio/inflation/gap"): {DEPOSITO, NEGOCIO},
    ("POST", "/api/negocio/purchase-orders"): {NEGOCIO},
    ("GET", "/api/negocio/purchase-orders"): {DEPOSITO, NEGOCIO},
    ("GET", "/api/negocio/purchase-orders/{order_id}"): {DEPOSITO, NEGOCIO},
    ("PUT", "/api/negocio/purchase-orders/{order_id}"): {NEGOCIO},
    ("POST", "/api/negocio/purchase-orders/{order_id}/send"): {NEGOCIO},
    ("POST", "/api/negocio/purchase-orders/{order_id}/receive"): {NEGOCIO},
    ("POST", "/api/negocio/purchase-orders/{order_id}/cancel"): {NEGOCIO},
    ("GET", "/api/ml/health"): PUBLIC,
    ("GET", "/api/ml/models"): {DEPOSITO, ML_SERVICE, NEGOCIO},
    ("GET", "/api/ml/models/{model_id}"): {DEPOSITO, ML_SERVICE, NEGOCIO},
    ("POST", "/api/ml/models/train"): {ML_SERVICE},
    ("POST", "/api/ml/models/{model_id}/activate"): {ML_SERVICE},
    ("GET", "/api/ml/forecast"): {DEPOSITO, ML_SERVICE, NEGOCIO},
    ("GET", "/api/ml/reorder"): {DEPOSITO, ML_SERVICE, NEGOCIO},
    ("POST", "/api/ml/reorder/drafts"): {NEGOCIO},
    ("POST", "/api/ml/drift/check"): {ML_SERVICE},
    ("GET", "/api/ml/signals/inflation"): {DEPOSITO, ML_SERVICE, NEGOCIO},
    ("GET", "/api/sync/health"): PUBLIC,
    ("POST", "/api/sync/enroll"): PUBLIC,
    ("GET", "/api/sync/hello"): PUBLIC,
    ("GET", "/api/sync/conflicts"): {DEPOSITO, NEGOCIO},
    ("POST", "/api/sync/conflicts/decisions"): {DEPOSITO, NEGOCIO},
    ("POST", "/api/sync/push"): {DEVICE},
    ("GET", "/api/sync/pull"): {DEVICE},
    ("GET", "/api/sync/checksum"): {DEVICE},
    ("PUT", "/api/sync/attachments/{sha256}"): {DEVICE},
    ("HEAD", "/api/sync/attachments/{sha256}"): {DEVICE, DEPOSITO, NEGOCIO},
    ("GET", "/api/sync/attachments/{sha256}"): {DEVICE, DEPOSITO, NEGOCIO},
    ("GET", "/api/dashboard/health"): PUBLIC,
    ("POST", "/api/auth/token"): PUBLIC,
    ("POST", "/api/auth/device-token"): PUBLIC,
    ("GET", "/api/auth/me"): ANY_SIGNED_IN,
    ("GET", "/api/dashboard/overview"): {DEPOSITO, ML_SERVICE, NEGOCIO},
}

SAMPLE_PATH_VALUES = {"month": "2026-01", "code": "7790001000019", "line_no": "1",
                      "product": "SKU-X"}


def _declared(route: APIRoute) -> frozenset | None:
    def walk(dependant):
        for dependency in dependant.dependencies:
            roles = getattr(dependency.call, "allowed_roles", None)
            if roles is not None:
                return frozenset(roles)
            if dependency.call is current_principal:
                return ANY_SIGNED_IN
            found = walk(dependency)
            if found is not None:
                return found
        return None

    return walk(route.dependant)


def _routes(app):
    for context in iter_route_contexts(app.router.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in sorted(route.methods):
                yield method, context.path, route


def _url(path: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: SAMPLE_PATH_VALUES.get(m.group(1), str(uuid.uuid4())),
                  path)


pytestmark = pytest.mark.parametrize("central_db", ["sqlite"], indirect=True)


def test_every_route_has_a_reviewed_policy_and_the_code_declares_it(client):
    seen = {}
    for method, path, route in _routes(client.app):
        declared = _declared(route)
        seen[(method, path)] = PUBLIC if declared is None else (
            declared if declared is ANY_SIGNED_IN else declared - {Role.ADMIN})
    missing = sorted(set(seen) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(seen))
    assert not missing, f"routes without a policy in EXPECTED: {missing}"
    assert not stale, f"policies for routes that no longer exist: {stale}"
    differing = {key: (sorted(map(str, seen[key])), sorted(map(str, EXPECTED[key])))
                 for key in seen if frozenset(seen[key]) != frozenset(EXPECTED[key])}
    assert not differing, f"declared roles differ from the policy: {differing}"


def test_each_role_is_answered_as_the_policy_says(client, central_db):
    tokens = {role: login(client, name) for role, name in [
        (Role.ADMIN, "admin"), (DEPOSITO, "deposito"), (NEGOCIO, "negocio"),
        (ML_SERVICE, "mlservice"), (CAJERO, "cajero1")]}
    device_id, secret = enroll(client, central_db)
    device = client.post("/api/auth/device-token",
                         json={"device_id": str(device_id), "device_secret": secret}).json()
    tokens[DEVICE] = {"Authorization": f"Bearer {device['access_token']}"}

    wrong = []
    for (method, path), allowed in EXPECTED.items():
        if allowed is PUBLIC or path == "/api/auth/token":
            continue
        url = _url(path)
        body = {} if method in ("POST", "PUT", "PATCH") else None
        anonymous = client.request(method, url, json=body)
        if anonymous.status_code != 401:
            wrong.append((method, path, "no token", anonymous.status_code))
        for role, headers in tokens.items():
            response = client.request(method, url, json=body, headers=headers)
            admitted = role is Role.ADMIN or allowed is ANY_SIGNED_IN or role in allowed
            refused_for_role = response.status_code == 403 and "role" in response.text
            if admitted and (response.status_code == 401 or refused_for_role):
                wrong.append((method, path, role.value, response.status_code))
            if not admitted and response.status_code != 403:
                wrong.append((method, path, role.value, response.status_code))
    assert wrong == []


def test_store_scoped_credentials_act_on_their_own_store_only(client, central_db):
    cajero = login(client, "cajero1")
    assert client.get("/api/deposito/stock", params={"store": "S1"}, headers=cajero).status_code == 200
    other = client.get("/api/deposito/stock", params={"store": "S2"}, headers=cajero)
    assert other.status_code == 403
    assert client.get("/api/deposito/stock/critical", params={"store": "S2"},
                      headers=cajero).status_code == 403
