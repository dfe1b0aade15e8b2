"""Transfers over HTTP: out of one store and into another in one transaction."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.deposito.service import movements as movement_service
from shared.db import tables as t
from shared.db.engine import create_db_engine
from shared.domain.enums import MovementKind
from tests.integration.central.api.test_deposito_support import (
    API,
    create_product,
    fields_of,
    moved,
    stock_of,
)


@pytest.fixture
def h(token_for):
    return token_for("deposito")


def ledger(central_db):
    engine = create_db_engine(central_db)
    with Session(engine) as session:
        rows = session.execute(
            select(t.StockMovement.kind, t.StockMovement.qty_milli, t.StockMovement.transfer_id)
            .where(t.StockMovement.transfer_id.is_not(None))
        ).all()
        operations = session.scalar(select(func.count()).select_from(t.OperationRow))
    engine.dispose()
    return [tuple(row) for row in rows], operations


def send(client, headers, lines, source="S1", target="S2"):
    return client.post(f"{API}/transfers", headers=headers,
                       json={"from_store": source, "to_store": target, "lines": lines})


def test_a_transfer_moves_stock_out_of_one_store_into_the_other(client, h, central_db):
    create_product(client, h, "Y1")
    create_product(client, h, "Q1", unit="kg")
    moved(client, h, "S1", "Y1", "intake", 10)
    response = send(client, h, [{"product": "Y1", "quantity": 4},
                                {"product": "Q1", "quantity": "1.5"}])
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(line["sku"], line["from_level"], line["to_level"]) for line in body["lines"]] == [
        ("Y1", 6, 4), ("Q1", -1.5, 1.5)]
    assert stock_of(client, h, "S1") == {"Q1": -1.5, "Y1": 6}
    assert stock_of(client, h, "S2") == {"Q1": 1.5, "Y1": 4}
    rows, _ = ledger(central_db)
    assert sorted((kind, qty) for kind, qty, _ in rows) == [
        (MovementKind.TRANSFER_OUT, -4000), (MovementKind.TRANSFER_OUT, -1500),
        (MovementKind.TRANSFER_IN, 1500), (MovementKind.TRANSFER_IN, 4000)]
    assert {str(transfer) for _, _, transfer in rows} == {body["transfer_id"]}


def test_a_transfer_to_the_same_store_or_with_bad_lines_is_refused(client, h, central_db):
    create_product(client, h, "Y1")
    assert fields_of(send(client, h, [{"product": "Y1", "quantity": 1}], "S1", "S1")) == [
        "to_store"]
    assert fields_of(send(client, h, [{"product": "Y1", "quantity": 0}])) == ["lines.0.quantity"]
    assert fields_of(send(client, h, [{"product": "Y1", "quantity": 1},
                                      {"product": "NADA", "quantity": 1}])) == ["lines.1.product"]
    assert fields_of(send(client, h, [{"product": "Y1", "quantity": "0.5"}])) == [
        "lines.0.quantity"]
    assert fields_of(send(client, h, [{"product": "Y1", "quantity": 1}], "S1", "S9")) == [
        "to_store"]
    assert fields_of(send(client, h, [])) == ["lines"]
    assert ledger(central_db)[0] == []


def test_a_failure_in_the_second_half_leaves_nothing_written(client, h, central_db, monkeypatch):
    create_product(client, h, "Y1")
    moved(client, h, "S1", "Y1", "intake", 10)
    stock_of(client, h, "S1")  # cached now: the failed transfer must not leave it stale
    _, operations_before = ledger(central_db)
    real_leg = movement_service._leg
    written_before_failure = []

    def failing_leg(recorder, store, lines, kind, *args):
        if kind is MovementKind.TRANSFER_IN:
            written_before_failure.append(recorder.session.scalar(
                select(func.count()).select_from(t.StockMovement)
                .where(t.StockMovement.transfer_id.is_not(None))))
            raise RuntimeError("the disk filled up halfway")
        return real_leg(recorder, store, lines, kind, *args)

    monkeypatch.setattr(movement_service, "_leg", failing_leg)
    response = send(client, h, [{"product": "Y1", "quantity": 4}])
    assert response.status_code == 500 and response.json() == {"detail": "internal error"}
    assert written_before_failure == [1]  # the out half was in the transaction...
    rows, operations_after = ledger(central_db)
    assert rows == [] and operations_after == operations_before  # ...and rolled back with it
    assert stock_of(client, h, "S1") == {"Y1": 10} and stock_of(client, h, "S2") == {"Y1": 0}


def test_store_scoped_callers_send_only_from_their_own_store(client, h, token_for):
    create_product(client, h, "Y1")
    cashier = token_for("cajero1")
    assert send(client, cashier, [{"product": "Y1", "quantity": 1}], "S2", "S1").status_code == 403
    assert send(client, cashier, [{"product": "Y1", "quantity": 1}], "S1", "S2").status_code == 201
    assert send(client, token_for("negocio"), [{"product": "Y1", "quantity": 1}]).status_code == 403
    assert send(client, {}, [{"product": "Y1", "quantity": 1}]).status_code == 401
