"""The Órdenes de compra page with the ml agent's reorder suggestions: a clear message
while no model is active; then suggestions by supplier → drafts → sent → received."""

from __future__ import annotations

import re

import pytest

from tests.integration.central.api.conftest import PASSWORD
from tests.integration.central.ml_fixtures import *  # noqa: F403 - the app on PostgreSQL
from tests.integration.central.test_dashboard_web import csrf_of
from tests.integration.central.test_ml_training import seed_sales, wait_for

pytestmark = pytest.mark.postgres


def sign_in(client, username: str) -> str:
    page = client.get("/login")
    done = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": csrf_of(page.text), "next": "/ordenes"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    return csrf_of(client.get("/ordenes").text)


def test_suggestions_become_drafts_that_are_sent_and_received(client, token_for, central_db):
    seed_sales(central_db)
    csrf = sign_in(client, "negocio")

    waiting = client.get("/ordenes", params={"sugerir": "S1"})
    assert waiting.status_code == 200
    assert "Todavía no hay un modelo de pronóstico activo" in waiting.text
    refused = client.post("/ordenes/sugerencias", data={"store": "S1", "csrf_token": csrf},
                          headers={"referer": "http://testserver/ordenes?sugerir=S1"})
    assert "Todavía no hay un modelo de pronóstico activo" in refused.text
    assert "No hay órdenes." in client.get("/ordenes").text

    ml = token_for("mlservice")
    started = client.post("/api/ml/models/train", json={"horizon": 7, "window_days": 63},
                          headers=ml)
    model, _ = wait_for(client, ml, started.json()["id"])
    assert client.post(f"/api/ml/models/{model['id']}/activate", headers=ml).status_code == 200

    shown = client.get("/ordenes", params={"sugerir": "S1"})
    assert shown.status_code == 200
    assert "Sur — " in shown.text and "Yerba mate 1 kg" in shown.text
    assert "Dulce de leche" not in shown.text  # 400 on hand: nothing to order
    made = client.post("/ordenes/sugerencias", data={"store": "S1", "csrf_token": csrf},
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/ordenes?status=draft")
    listed = client.get(made.headers["location"])
    assert "2 borradores de orden creados para S1" in listed.text
    orders = re.findall(r'href="/ordenes/([0-9a-f-]{36})"', listed.text)
    assert len(orders) == 2

    order = orders[0]
    sent = client.post(f"/ordenes/{order}/enviar", data={"csrf_token": csrf})
    assert "Orden enviada." in sent.text
    received = client.post(f"/ordenes/{order}/recibir", data={"csrf_token": csrf})
    assert "Orden recibida." in received.text
    detail = client.get(f"/api/negocio/purchase-orders/{order}",
                        headers=token_for("admin")).json()
    assert detail["status"] == "received"
    assert detail["notes"].startswith("Pedido sugerido (modelo v1")
