from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.enums import AFIP_DOCUMENT_TYPES, DocumentKind, MovementKind, VatRate
from shared.domain.errors import InvalidCuit, ValidationError
from shared.domain.invoices import (
    LineValues,
    UnknownDocumentType,
    divide_half_up,
    document_label,
    document_type,
    expected_totals,
    invoice_key,
    line_amount_cents,
    net_of_gross_cents,
    net_unit_cost_cents,
    parse_invoice_key,
    reconcile,
    vat_on_net_cents,
    weighted_unit_cost,
)

CUIT = "30712345671"


def test_the_key_is_fixed_width_and_the_type_code_tells_documents_apart():
    factura = invoice_key("30-71234567-1", 1, 3, 1234)
    nota_de_credito = invoice_key(CUIT, 3, 3, 1234)
    assert factura == "30712345671-001-00003-00001234"
    assert nota_de_credito == "30712345671-003-00003-00001234"
    assert len(invoice_key(CUIT, 53, 99_999, 99_999_999)) == len(factura) == 30


def test_the_key_refuses_a_wrong_cuit_an_unknown_type_and_out_of_range_numbers():
    with pytest.raises(InvalidCuit, match="check digit"):
        invoice_key("30712345672", 1, 3, 1)
    with pytest.raises(UnknownDocumentType, match="known: 1, 2, 3"):
        invoice_key(CUIT, 4, 3, 1)
    with pytest.raises(ValidationError, match="point of sale"):
        invoice_key(CUIT, 1, 0, 1)
    with pytest.raises(ValidationError, match="document number"):
        invoice_key(CUIT, 1, 1, 100_000_000)


@given(code=st.sampled_from(sorted(AFIP_DOCUMENT_TYPES)), pos=st.integers(1, 99_999),
       number=st.integers(1, 99_999_999))
def test_a_key_reads_back_into_its_parts(code, pos, number):
    assert parse_invoice_key(invoice_key(CUIT, code, pos, number)) == (CUIT, code, pos, number)


@pytest.mark.parametrize(("code", "letter", "kind", "movement", "includes_vat"), [
    (1, "A", DocumentKind.INVOICE, MovementKind.INTAKE, False),
    (3, "A", DocumentKind.CREDIT_NOTE, MovementKind.SUPPLIER_RETURN, False),
    (6, "B", DocumentKind.INVOICE, MovementKind.INTAKE, True),
    (8, "B", DocumentKind.CREDIT_NOTE, MovementKind.SUPPLIER_RETURN, True),
    (11, "C", DocumentKind.INVOICE, MovementKind.INTAKE, True),
    (13, "C", DocumentKind.CREDIT_NOTE, MovementKind.SUPPLIER_RETURN, True),
    (2, "A", DocumentKind.DEBIT_NOTE, None, False),
    (51, "M", DocumentKind.INVOICE, MovementKind.INTAKE, False),
])
def test_type_codes_give_letter_kind_and_what_stock_does(code, letter, kind, movement,
                                                         includes_vat):
    found = document_type(code)
    assert (found.letter, found.kind, found.movement_kind) == (letter, kind, movement)
    assert found.prices_include_vat is includes_vat


def test_a_document_label_is_what_a_person_reads():
    assert document_label(1, 3, 1234) == "Factura A 00003-00001234"
    assert document_label(8, 12, 7) == "Nota de crédito B 00012-00000007"


def test_a_factura_b_price_includes_vat_so_the_net_cost_is_derived_with_the_line_rate():
    assert net_unit_cost_cents(121_000, VatRate.GENERAL, prices_include_vat=True) == 100_000
    assert net_unit_cost_cents(11_050, VatRate.REDUCED, prices_include_vat=True) == 10_000
    assert net_unit_cost_cents(10_000, VatRate.ZERO, prices_include_vat=True) == 10_000
    assert net_unit_cost_cents(121_000, VatRate.GENERAL, prices_include_vat=False) == 121_000
    # 99.99 / 1.21 = 82.636... -> 82.64
    assert net_of_gross_cents(9_999, VatRate.GENERAL) == 8_264


def test_amounts_round_halves_away_from_zero():
    assert line_amount_cents(350, 199_999) == 70_000  # 0.350 kg x 1999.99 = 699.9965
    assert line_amount_cents(1_500, 33) == 50  # 1.5 x 0.33 = 0.495
    assert vat_on_net_cents(250, VatRate.GENERAL) == 53  # 52.5 cents
    assert divide_half_up(-5, 2) == -3 and divide_half_up(5, 2) == 3


@given(st.integers(-10**12, 10**12), st.integers(1, 10**6))
def test_half_up_division_is_within_half_of_the_exact_quotient(numerator, denominator):
    rounded = divide_half_up(numerator, denominator)
    assert abs(Decimal(numerator) / denominator - rounded) <= Decimal("0.5")
    assert divide_half_up(-numerator, denominator) == -rounded


def test_the_weighted_cost_of_a_product_on_two_lines():
    assert weighted_unit_cost([(10_000, 1_000), (30_000, 2_000)]) == 1_750
    with pytest.raises(ValueError):
        weighted_unit_cost([])


def a_lines():
    return [LineValues(12_000, 250_000, VatRate.GENERAL),  # 12 x 2500.00 = 30000.00
            LineValues(6_000, 100_000, VatRate.REDUCED, amount_cents=600_000)]


def test_a_consistent_factura_a_reconciles_cleanly():
    lines = a_lines()
    totals = expected_totals(lines, prices_include_vat=False)
    assert totals.net_cents == 3_600_000
    assert totals.vat_cents == 630_000 + 63_000
    assert reconcile(lines, prices_include_vat=False, net_cents=3_600_000,
                     vat_cents=693_000, total_cents=4_293_000) == []


def test_reconciliation_names_each_figure_that_does_not_add_up():
    lines = [*a_lines(), LineValues(1_000, 5_000, VatRate.GENERAL, amount_cents=6_000)]
    found = reconcile(lines, prices_include_vat=False, net_cents=3_600_000, vat_cents=700_000,
                      total_cents=4_200_000)
    checks = {(m.check, m.line_no): (m.expected_cents, m.found_cents) for m in found}
    assert checks[("line_amount", 3)] == (5_000, 6_000)
    assert checks[("lines_vs_net", None)] == (3_606_000, 3_600_000)
    assert checks[("vat", None)][1] == 700_000
    assert checks[("net_plus_vat_vs_total", None)] == (4_300_000, 4_200_000)


def test_a_factura_b_compares_its_lines_with_the_total():
    lines = [LineValues(2_000, 121_000, VatRate.GENERAL)]
    assert reconcile(lines, prices_include_vat=True, total_cents=242_000) == []
    wrong = reconcile(lines, prices_include_vat=True, total_cents=240_000)
    assert [(m.check, m.difference_cents) for m in wrong] == [("lines_vs_total", -2_000)]
    assert expected_totals(lines, prices_include_vat=True).net_cents == 200_000


def test_missing_figures_are_not_checked_and_a_cent_of_rounding_is_tolerated():
    assert reconcile(a_lines(), prices_include_vat=False) == []
    assert reconcile(a_lines(), prices_include_vat=False, net_cents=3_600_001) == []


lines_strategy = st.lists(
    st.builds(LineValues, st.integers(1, 10**7), st.integers(0, 10**9),
              st.sampled_from(list(VatRate)),
              st.one_of(st.none(), st.integers(0, 10**9))),
    min_size=1, max_size=20,
)


@given(lines=lines_strategy, include_vat=st.booleans())
def test_the_totals_the_lines_imply_always_reconcile(lines, include_vat):
    totals = expected_totals(lines, prices_include_vat=include_vat)
    assert totals.net_cents + totals.vat_cents == totals.total_cents
    found = reconcile(lines, prices_include_vat=include_vat, net_cents=totals.net_cents,
                      vat_cents=totals.vat_cents, total_cents=totals.total_cents)
    assert [m for m in found if m.check != "line_amount"] == []
    assert all(m.line_no is not None for m in found if m.check == "line_amount")
