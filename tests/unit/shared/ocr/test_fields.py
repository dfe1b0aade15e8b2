"""Parsing the header and totals of Argentine invoices from OCR words (pure, no Tesseract)."""

from datetime import date
from decimal import Decimal

import pytest

from shared.ocr.fields import (
    digitize,
    find_cuits,
    parse_amount,
    parse_date,
    parse_quantity,
    read_header,
)
from shared.ocr.model import Box, Word

PAGE_W, PAGE_H = 1700, 2400


def layout(lines: list[tuple[int, str]], *, height: int = 20) -> list[list[Word]]:
    """Rows of words: each ``(y, text)``, where a run of 4+ spaces is a column gap."""
    rows = []
    for y, text in lines:
        x, row = 60, []
        for chunk in text.split("    "):
            for token in chunk.strip().split():
                width = 11 * len(token)
                row.append(Word(token, Box(x, y, width, height), 92.0))
                x += width + 8
            x += 300
        rows.append(row)
    return rows


def header(lines: list[tuple[int, str]], **kwargs):
    return read_header(layout(lines), page_width=PAGE_W, page_height=PAGE_H, **kwargs)


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,56", "1234.56"),
    ("$ 1.234,56", "1234.56"),
    ("$1.234,56", "1234.56"),
    ("$2.460.00", "2460.00"),  # dots on both sides: the last one is the decimal mark
    ("1.041.32", "1041.32"),
    ("1,234.56", "1234.56"),
    ("44342,99", "44342.99"),
    ("48999,00", "48999.00"),
    ("0,00", "0.00"),
    ("-12,10", "-12.10"),
    ("(12,10)", "-12.10"),
    ("1.500", "1500"),  # money: three digits after a dot group thousands
    ("2460", "2460"),
    ("1.147.502,46", "1147502.46"),
    ("1.2O4,5O", "1204.50"),  # O read for 0 inside a number
])
def test_parse_amount_reads_argentine_formats(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,500", "12.34.5", "1.23456", "$", "21%", "SOL"])
def test_parse_amount_refuses_what_is_not_one_amount(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("12", "12"), ("1,00", "1"), ("1,0000", "1"), ("0,350", "0.350"), ("8,768", "8.768"),
    ("1.5", "1.5"), ("1.000,500", "1000.500"), ("l2", "12"),
])
def test_parse_quantity_takes_one_separator_as_the_decimal_mark(text, expected):
    assert parse_quantity(text) == Decimal(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Fecha: 16/01/2024", date(2024, 1, 16)),
    ("10/2/2023", date(2023, 2, 10)),
    ("05-01-24", date(2024, 1, 5)),
    ("27.03.2011", date(2011, 3, 27)),
    ("2O/03/2O11", date(2011, 3, 20)),
    ("31/02/2024", None),
    ("sin fecha", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_digitize_only_touches_numeric_tokens():
    assert digitize("2O23") == "2023"
    assert digitize("0l") == "01"
    assert digitize("SOL") == "SOL"
    assert digitize("Total") == "Total"


def test_find_cuits_accepts_dashes_or_none_and_checks_the_digit():
    assert [c for c, *_ in find_cuits("CUIT: 30-71014576-4 y 30717336905")] == [
        "30710145764", "30717336905"]
    assert find_cuits("CUIT: 30-71014576-5") == []  # wrong check digit
    assert find_cuits("CAE 74031190633651") == []  # 14 digits are not a CUIT


def test_issuer_and_receiver_cuits_are_told_apart_by_the_customer_block():
    fields = header([
        (60, "DISTRIBUIDORA SUR SA    FACTURA"),
        (120, "Razón Social: Distribuidora Sur SA    Punto de Venta: 00003 Comp. Nro: 00001234"),
        (160, "Domicilio: Mitre 123    CUIT: 30-71014576-4"),
        (200, "Fecha de Emisión: 20/11/2026"),
        (300, "CUIT: 30717336905    Apellido y Nombre / Razón Social: MESQUITA HNOS"),
    ])
    assert fields.supplier_cuit == "30710145764"
    assert fields.receiver_cuit == "30717336905"
    assert fields.supplier_name == "Distribuidora Sur SA"
    assert (fields.point_of_sale, fields.number) == (3, 1234)
    assert fields.date == date(2026, 11, 20)


def test_a_receiver_cuit_is_never_taken_for_the_supplier():
    # The issuer's CUIT is unreadable (wrong check digit); only the customer's is valid.
    fields = header([
        (60, "Empresa de Prueba    Nº: 4000-12345678"),
        (120, "Fecha: 27/03/2011    CUIT 30-00000000-0"),
        (260, "Sr.(s): Joao Da Silva"),
        (300, "IVA: PJ54482221-l    CUIT: 30-00000000-7"),
    ])
    assert fields.supplier_cuit is None
    assert fields.receiver_cuit == "30000000007"
    assert (fields.point_of_sale, fields.number) == (4000, 12345678)


@pytest.mark.parametrize(("line", "pos", "number"), [
    ("N° 0003-00001234", 3, 1234),
    ("0004- 00025399", 4, 25399),
    ("Nº: 00004-00019141", 4, 19141),
    ("A 000800059501", 8, 59501),
    ("B 0000300001475", 3, 1475),
    ("Punto de Venta: 0003    Comp. Nro: 00001234", 3, 1234),
    ("P.V. N° 0012 Nro. 00000777", 12, 777),
])
def test_document_numbers(line, pos, number):
    fields = header([(60, line)])
    assert (fields.point_of_sale, fields.number) == (pos, number)


@pytest.mark.parametrize("line", ["Punto de Venta: 00001 Comp. Nro: 0000754%:;",
                                  "Punto de Venta: 00004 Comp. Nro: 000292"])
def test_a_zero_padded_number_with_digits_missing_is_not_read(line):
    # "00007543" read as "0000754%": the 3 lost, the number would be 754.
    fields = header([(60, line)])
    assert fields.number is None


def test_the_number_label_is_a_word_not_the_no_inside_monotributo():
    fields = header([(60, "Colón 2830 Quilmes    Punto de Venta: 00010"),
                     (90, "Responsable Monotributo    Comp. Nro: 03578168")])
    assert (fields.point_of_sale, fields.number) == (10, 3578168)


def test_punto_de_venta_and_number_on_two_rows():
    fields = header([(60, "Punto de Venta: 00001"), (100, "Cód. 11 Comp. Nro: 00052643")])
    assert (fields.point_of_sale, fields.number) == (1, 52643)


def test_an_associated_invoice_is_not_the_documents_own_number():
    fields = header([(60, "NOTA DE CRÉDITO    N° 0005-00000120"),
                     (100, "Comprobante Asociado: Factura A 00005-00000083")])
    assert fields.number == 120


@pytest.mark.parametrize(("lines", "letter", "code"), [
    ([(60, "FACTURA    COD. 01")], "A", 1),
    ([(60, "FACTURA    COD.006")], "B", 6),
    ([(60, "NOTA DE CRÉDITO    COD. 13")], "C", 13),
    ([(60, "NOTA DE CREDITO B")], "B", 8),  # accents lost
    ([(60, "FACTURA A")], "A", 1),
    ([(60, "Nota de Débito    Cód. 2")], "A", 2),
    ([(60, "cod Comp: 1    FACTURA")], "A", 1),
])
def test_document_type(lines, letter, code):
    fields = header(lines)
    assert (fields.letter, fields.afip_code) == (letter, code)


def test_a_letter_box_that_contradicts_the_code_leaves_the_type_unread():
    rows = layout([(60, "FACTURA    COD. 06")])
    rows[0].append(Word("A", Box(800, 40, 40, 60), 95.0))
    fields = read_header(rows, page_width=PAGE_W, page_height=PAGE_H)
    assert fields.afip_code is None
    assert fields.problems


def test_big_letter_box_with_the_title_gives_the_code():
    rows = layout([(80, "FACTURA")])
    rows[0].append(Word("C", Box(800, 40, 40, 64), 95.0))
    fields = read_header(rows, page_width=PAGE_W, page_height=PAGE_H)
    assert (fields.letter, fields.afip_code) == ("C", 11)


@pytest.mark.parametrize("line", [
    "CAE N°: 74031190633651", "C.A.E. Nº 74031190633651 Fecha Vto. CAE: 20/03/2011",
    "CAE: 74031190633651", "CAEN: 74031190633651",
    # specks between a garbled label and the number
    'CAEN": AR NO: 74031190633651',
])
def test_cae(line):
    assert header([(2000, line)]).cae == "74031190633651"


def test_a_cae_is_not_taken_from_words_far_after_its_label():
    assert header([(2000, "CAE N°: Fecha de Vto. 74031190633651")]).cae is None


def test_cae_label_and_number_on_slightly_different_rows():
    rows = layout([(2000, "CAE:"), (2008, "73064176949471")])
    rows[1] = [Word("73064176949471", Box(300, 2008, 150, 20), 90.0)]
    fields = read_header(rows, page_width=PAGE_W, page_height=PAGE_H)
    assert fields.cae == "73064176949471"


def test_date_skips_due_and_activity_dates():
    fields = header([(60, "Ini Actividad: 01/06/2007    Vencimiento Comp: 10/2/2023"),
                     (100, "Fecha: 09/2/2023")])
    assert fields.date == date(2023, 2, 9)


def test_totals_block_of_an_afip_layout():
    fields = header([
        (1800, "Importe Neto Gravado: $ 44342,99"),
        (1830, "IVA 27%: $ 0,00"), (1860, "IVA 21%: $ 0,00"), (1890, "IVA 10.5%: $ 4656,01"),
        (1920, "Importe Otros Tributos: $ 0,00"),
        (1950, "Importe Total: $ 48999,00"),
    ])
    assert (fields.net, fields.vat, fields.total) == (
        Decimal("44342.99"), Decimal("4656.01"), Decimal("48999.00"))


def test_totals_with_malformed_dots_and_a_row_holding_two_labels():
    fields = header([
        (1800, "Percepción IIBB PROV: % $0.00    Neto: $2.033.06"),
        (1830, "Percepción IIBB CABA: % $0.00    Neto exento: $0.00"),
        (1860, "Percepción Ganancias: % $0.00    Iva: $426.94"),
        (1890, "Impuestos Internos: $0.00    Iva Otros: $0.00"),
        (1920, "TOTAL $2.460.00"),
    ])
    assert (fields.net, fields.vat, fields.total) == (
        Decimal("2033.06"), Decimal("426.94"), Decimal("2460.00"))


def test_subtotal_and_cantidad_total_are_not_the_total():
    fields = header([(1800, "Cantidad total: 2,00    SUBTOTAL: 15.121,49"),
                     (1830, "IVA INSCRIPTO: 3.175,51"), (1900, "TOTAL: 18.297,00")])
    assert fields.total == Decimal("18297.00")
    assert fields.subtotal == Decimal("15121.49")
    assert fields.vat == Decimal("3175.51")


def test_the_vat_condition_is_not_a_vat_amount():
    fields = header([(1800, "Condición frente al IVA: IVA Responsable Inscripto"),
                     (1900, "Importe Total: $ 100,00")])
    assert fields.vat is None


def test_supplier_name_from_the_biggest_text_top_left_when_no_razon_social():
    rows = layout([(60, "Tres Arroyos 2580"), (100, "Ciudad de Buenos Aires")])
    rows.insert(0, [Word("ALTAVILLA", Box(60, 10, 200, 34), 91.0),
                    Word("S.R.L", Box(270, 10, 90, 34), 90.0)])
    fields = read_header(rows, page_width=PAGE_W, page_height=PAGE_H)
    assert fields.supplier_name == "ALTAVILLA S.R.L"


def test_nothing_readable_gives_nothing():
    fields = header([(60, "Lorem ipsum dolor sit amet")])
    assert fields.supplier_cuit is None and fields.number is None and fields.date is None
    assert fields.afip_code is None and fields.total is None and fields.cae is None


# --- cross-checks: a field that does not hold together is None, never a guess -------------


def test_values_printed_over_their_labels_are_read():
    rows = [[Word("COD.", Box(800, 224, 55, 18), 90.0), Word("01", Box(864, 224, 21, 18), 90.0),
             Word("00012", Box(1152, 233, 77, 21), 90.0),
             Word("07562755", Box(1418, 233, 124, 21), 90.0)],
            [Word("Punto", Box(949, 235, 68, 19), 90.0), Word("de", Box(1027, 235, 28, 19), 90.0),
             Word("Venta:", Box(1064, 235, 72, 19), 90.0),
             Word("Comp.", Box(1270, 235, 76, 24), 90.0), Word("Nro:", Box(1356, 235, 46, 19), 90.0)]]
    fields = read_header(rows, page_width=PAGE_W, page_height=PAGE_H)
    assert (fields.point_of_sale, fields.number) == (12, 7562755)


def test_comp_nro_a_few_rows_under_the_point_of_sale_is_still_its_number():
    fields = header([(120, "Juan B. Justo 3799 Salta    Punto de Venta: 00007"),
                     (146, "IVA Responsable Inscripto"), (150, "-"),
                     (154, "Comp. Nro: 04895703")])
    assert (fields.point_of_sale, fields.number) == (7, 4895703)


@pytest.mark.parametrize("line", ["N° 0007 00003184", "Nro: 0007 00003184", "N2 000700003184",
                                  "N200007-00003184"])
def test_numbers_after_an_n_sign_with_or_without_a_dash(line):
    fields = header([(60, line)])
    assert (fields.point_of_sale, fields.number) == (7, 3184)


def test_a_number_printed_twice_with_two_readings_is_not_read():
    fields = header([(60, "N° 0003-00001234"), (120, "Punto de Venta: 0003 Comp. Nro: 00001284")])
    assert fields.point_of_sale is None and fields.number is None
    assert any("number" in problem for problem in fields.problems)


def test_the_issue_date_must_come_shortly_before_the_cae_due_date():
    lines = [(60, "Fecha de Emisión: 11/01/2026"), (2000, "CAE N°: 85638728542356"),
             (2040, "Fecha de Vto. de CAE: 24/01/2026")]
    assert header(lines).date == date(2026, 1, 11)
    lines[2] = (2040, "Fecha de Vto. de CAE: 24/03/2026")  # two months later: a misread
    fields = header(lines)
    assert fields.date is None and fields.problems


def test_the_due_date_of_the_cae_is_never_the_issue_date():
    fields = header([(60, "Fecha de Emisi6n 2101/2026"), (2000, "CAE N°: 83030098235818"),
                     (2040, "Fecha de Vto. de CAE: 31/01/2026")])
    assert fields.date is None or fields.date == date(2026, 1, 21)
    fields = header([(60, "Fecha de Emisión: 2101/2026"), (2000, "CAE N°: 83030098235818"),
                     (2040, "Fecha de Vto. de CAE: 31/01/2026")])
    assert fields.date == date(2026, 1, 21)  # the separator OCR dropped, after its label


def test_a_garbled_year_is_taken_from_the_cae_due_date_when_only_one_fits():
    fields = header([(60, "Fecha de Emisión: 07/03/zuz0"),
                     (2040, "Fecha de Vio. de CAE: 17/03/2026")])
    assert fields.date == date(2026, 3, 7)


def test_a_cae_cut_in_two_after_its_label_is_joined():
    assert header([(2000, "CAE N”: 748385033507 16")]).cae == "74838503350716"


def test_an_amount_cut_by_ocr_is_joined_back():
    fields = header([(1800, "SUBTOTAL 19, 834. 71"), (1830, "IVA: 4, 165. 29"),
                     (1900, "TOTAL 24, 000. 00")])
    assert (fields.subtotal, fields.vat, fields.total) == (
        Decimal("19834.71"), Decimal("4165.29"), Decimal("24000.00"))
    assert header([(1950, "Importe Total: $1 3.649,43")]).total == Decimal("13649.43")


def test_a_total_below_the_net_is_another_figure_not_the_total():
    fields = header([(1800, "Cant. total: 1,00    SUBTOTAL: 21.487,60")])
    assert fields.total is None
    assert header([(1800, "Importe Total: $ 0,00")]).total is None


def test_the_arithmetic_picks_the_total_among_two_readings():
    fields = header([(1800, "Importe Neto Gravado: $ 1.000,00"), (1830, "IVA 21%: $ 210,00"),
                     (1860, "TOTAL $ 1.210,00"), (1900, "Total: 1.270,00")])
    assert fields.total == Decimal("1210.00")


def test_two_totals_and_nothing_to_tell_them_apart_give_no_total():
    fields = header([(1860, "TOTAL $ 1.210,00"), (1900, "Total: 1.270,00")])
    assert fields.total is None


def test_the_line_amounts_back_the_total_of_a_c():
    rows = layout([(1800, "Subtotal: 116.233,59"), (1950, "Importe Total: $ 116.233,59")])
    rows[1][-1] = Word("116.233,59", rows[1][-1].box, 40.0)  # faint, but the lines agree
    fields = read_header(rows, page_width=PAGE_W, page_height=PAGE_H,
                         line_amounts=[Decimal("6141.21"), Decimal("110092.38")])
    assert fields.total == Decimal("116233.59")


def test_a_faint_total_nothing_backs_is_not_read():
    rows = layout([(1950, "Importe Total: 314,091.42")])
    rows[0][-1] = Word("314,091.42", rows[0][-1].box, 44.0)
    assert read_header(rows, page_width=PAGE_W, page_height=PAGE_H).total is None


def test_a_razon_social_of_the_customer_is_not_the_suppliers_name():
    fields = header([
        (60, "BP Import srl"),
        (378, "Caballito, Ciudad de Buenos Aires    CUIT: 30715327712"),
        (564, "Razón social: MESQUITA HNOS"),
        (606, "Domicilio: ALSINA ADOLFO 2501"),
        (649, "Ubicación: Balvanera    CUIT: 30717336905"),
    ])
    assert fields.supplier_cuit == "30715327712"
    assert fields.supplier_name == "BP Import srl"


def test_a_slogan_or_a_province_is_not_the_suppliers_name():
    rows = [[Word("Su", Box(410, 250, 40, 40), 90.0), Word("proveedor", Box(460, 250, 160, 40), 90.0),
             Word("industrial", Box(630, 250, 150, 40), 90.0)],
            [Word("Santa", Box(100, 300, 90, 40), 90.0), Word("Fe", Box(200, 300, 40, 40), 90.0)]]
    rows += layout([(360, "Tel.: 4756-0050"), (400, "CUIT: 30-69506828-6")])
    assert read_header(rows, page_width=PAGE_W, page_height=PAGE_H).supplier_name is None


def test_a_misread_senores_still_starts_the_customers_block():
    fields = header([(60, "Factura 0006-00118954"), (353, "CULT: JOANA"),
                     (458, "errores: MESQUITA HNOS"),
                     (574, "I.V.A.: Responsable Inscripto C.U.I.T.:30-71733690-5")])
    assert fields.supplier_cuit is None and fields.receiver_cuit == "30717336905"


def test_a_client_label_read_as_chente_still_starts_the_customers_block():
    fields = header([(75, "Distribuciones Río Bravo SAS    FACTURA"),
                     (172, "CUIT 33-41381997-0 - Inicio de Actividades: 01/10/2004"),
                     (251, "Chente: Maxikiosco Lupita - CUIT 20-28368136-0")])
    assert fields.supplier_cuit is None and fields.receiver_cuit == "20283681360"


def test_a_lone_cuit_right_above_the_table_is_the_customers():
    # No customer label read at all: one CUIT, at the foot of the header, is not the issuer's
    fields = header([(75, "Distribuciones Río Bravo SAS    FACTURA"),
                     (172, "CUIT 33-41381997-0 - Inicio de Actividades: 01/10/2004"),
                     (300, "Maxikiosco Lupita - CUIT 20-28368136-0"),
                     (330, "Cond. Venta: Contado")])
    assert fields.supplier_cuit is None and fields.receiver_cuit == "20283681360"
    # the same CUIT high in the header is the issuer's
    fields = header([(75, "Distribuciones Río Bravo SAS    FACTURA"),
                     (120, "CUIT 20-28368136-0 - Inicio de Actividades: 01/10/2004"),
                     (330, "Cond. Venta: Contado")])
    assert fields.supplier_cuit == "20283681360"


def test_a_glued_cae_due_date_still_refuses_a_misread_month():
    fields = header([(275, "Razón Social: COMERCIAL EL PROGRESO S.A    Fecha de Emisión: 15/03/2026"),
                     (2125, "Fecha de Vto. de CAE: 2305/2026")])
    assert fields.date is None  # the CAE is due in May: "03" was a misread "05"


def test_a_subtotal_that_backs_the_total_outweighs_a_misread_vat():
    fields = header([(1796, "IVA Contenido: $ 21960968"), (1859, "Subtotal: $ 1265370,05"),
                     (1936, "Importe Total: $ 1265370,05")])
    assert fields.total == Decimal("1265370.05")


def test_a_second_reading_fills_only_what_the_first_could_not_read():
    from datetime import date
    from decimal import Decimal

    from shared.ocr.fields import HeaderFields, fill_missing
    from shared.ocr.model import Box

    first = HeaderFields(supplier_cuit=None, point_of_sale=3, number=None,
                         date=date(2026, 5, 1), total=Decimal("100.00"))
    second = HeaderFields(supplier_cuit="30500010912", cuit_labeled=True, point_of_sale=4,
                          number=1475, date=date(2026, 5, 2), cae="74716731888593",
                          total=Decimal("999.00"), net=Decimal("800.00"),
                          boxes={"cuit": Box(10, 20, 100, 12)},
                          word_confidence={"cuit": 0.7}, problems=["something"])
    fill_missing(first, second)
    assert first.supplier_cuit == "30500010912" and first.cuit_labeled
    assert first.boxes["cuit"] == Box(10, 20, 100, 12) and first.word_confidence["cuit"] == 0.7
    assert first.cae == "74716731888593"
    # Half a pair or a read value is never replaced or completed from the other reading.
    assert (first.point_of_sale, first.number) == (3, None)
    assert first.date == date(2026, 5, 1)
    assert (first.total, first.net) == (Decimal("100.00"), None)
    assert first.problems == ["something"]


def test_half_a_pair_is_completed_by_a_second_reading_that_agrees_with_it():
    from shared.ocr.fields import HeaderFields, fill_missing

    first = HeaderFields(letter="B", afip_code=None, point_of_sale=3, number=None)
    fill_missing(first, HeaderFields(letter="B", afip_code=6, point_of_sale=4, number=1475))
    assert (first.letter, first.afip_code) == ("B", 6)
    assert (first.point_of_sale, first.number) == (3, None)  # 4 disagrees: nothing taken
    other = HeaderFields(letter="B", afip_code=None)
    fill_missing(other, HeaderFields(letter="C", afip_code=11))
    assert (other.letter, other.afip_code) == ("B", None)


def test_a_big_letter_with_a_dash_of_its_box_stuck_to_it_is_read():
    rows = layout([(80, "Rodríguez Lucía    FACTURA")])
    rows[0].append(Word("C—", Box(800, 40, 40, 64), 0.0))
    assert read_header(rows, page_width=PAGE_W, page_height=PAGE_H).letter == "C"
