"""Request bodies refuse what the use cases must never see."""

from decimal import Decimal

import pytest
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from central.deposito.schemas import MovementIn, PriceCreate, SupplierCreate, TransferIn
from central.deposito.web import paging
from shared.services.catalog import fold_text, search_terms


def problems(model, **body):
    with pytest.raises(ValidationError) as caught:
        model(**body)
    return sorted(".".join(map(str, e["loc"])) for e in caught.value.errors())


@pytest.mark.parametrize("kind", ["intake", "sale", "customer_return", "supplier_return", "waste"])
def test_kinds_with_a_sign_take_positive_quantities(kind):
    body = {"store": "S1", "product": "Y1", "kind": kind, "reason": "r"}
    assert problems(MovementIn, **body, quantity=-1) == ["quantity"]
    assert problems(MovementIn, **body, quantity=0) == ["quantity"]
    assert MovementIn(**body, quantity="0.350").quantity == Decimal("0.350")


def test_an_adjustment_is_signed_not_zero_and_needs_a_reason():
    body = {"store": "S1", "product": "Y1", "kind": "adjustment"}
    assert MovementIn(**body, quantity=-3, reason="rotura").quantity == -3
    assert problems(MovementIn, **body, quantity=0, reason="x") == ["quantity"]
    assert problems(MovementIn, **body, quantity=2) == ["reason"]


def test_more_than_three_decimals_or_a_naive_time_are_refused():
    body = {"store": "S1", "product": "Y1", "kind": "sale"}
    assert problems(MovementIn, **body, quantity="1.0001") == ["quantity"]
    assert problems(MovementIn, **body, quantity=1, occurred_at="2026-11-28T10:00:00") == [
        "occurred_at"]
    assert problems(MovementIn, **body, quantity=1, extra="x") == ["extra"]


def test_money_and_cuit_and_transfers():
    assert problems(PriceCreate, price="1.001") == ["price"]
    assert PriceCreate(price="1.10").price == Decimal("1.10")
    assert problems(SupplierCreate, cuit="30-71234567-2", name="x") == ["cuit"]
    assert SupplierCreate(cuit="30.71234567.1", name="x").cuit == "30712345671"
    line = [{"product": "Y1", "quantity": 1}]
    assert problems(TransferIn, from_store="S1", to_store="S1", lines=line) == ["to_store"]


def test_paging_reads_page_and_size_or_limit_and_offset():
    assert (paging(page=3, size=20).offset, paging(page=3, size=20).size) == (40, 20)
    assert (paging(limit=5, offset=7).offset, paging(limit=5, offset=7).number) == (7, 2)
    assert paging().offset == 0 and paging().size == 50
    with pytest.raises(RequestValidationError):
        paging(page=2, offset=10)


def test_search_text_folds_accents_and_case():
    assert fold_text("AZÚCAR Ñandú") == "azucar nandu"
    assert search_terms("  Yerba   MATE ") == ["yerba", "mate"]
