"""The item table: rows from word boxes, columns from the header, the line check (pure)."""

from decimal import Decimal

import pytest

from shared.ocr.line_figures import check_line
from shared.ocr.lines import find_table, group_rows, read_lines
from shared.ocr.model import Box, Word
from shared.ocr.strips import body_span, column_strips

#: Column x positions of a typical wholesale invoice (left edges; figures right-aligned).
HEADER = [("Código", 40), ("Producto", 200), ("Cantidad", 900), ("Precio", 1080),
          ("Unit.", 1160), ("%", 1300), ("Bonif", 1325), ("Subtotal", 1500)]


def words_at(y: int, cells: list[tuple[str, int]], *, height: int = 20,
             confidence: float = 90.0) -> list[Word]:
    return [Word(text, Box(x, y, 11 * len(text), height), confidence) for text, x in cells]


def right(text: str, right_edge: int) -> tuple[str, int]:
    """A right-aligned figure ending at ``right_edge``."""
    return text, right_edge - 11 * len(text)


def item(y: int, code: str, description: str, quantity: str, price: str, bonif: str,
         amount: str) -> list[Word]:
    cells = [(code, 40)]
    x = 200
    for token in description.split():
        cells.append((token, x))
        x += 11 * len(token) + 8
    cells += [right(quantity, 990), right(price, 1240), right(bonif, 1370), right(amount, 1600)]
    return words_at(y, cells)


def table_words(*items: list[Word], totals_y: int = 900) -> list[Word]:
    words = words_at(300, HEADER)
    for row in items:
        words += row
    words += words_at(totals_y, [("Subtotal:", 1200), ("$", 1400), ("1.000,00", 1500)])
    return words


def test_group_rows_by_vertical_overlap_even_when_slightly_tilted():
    words = [Word("a", Box(10, 100, 20, 20), 90), Word("b", Box(60, 104, 20, 20), 90),
             Word("c", Box(110, 108, 20, 20), 90), Word("d", Box(10, 140, 20, 20), 90)]
    rows = group_rows(words)
    assert [row.text for row in rows] == ["a b c", "d"]


def test_a_tall_letter_box_does_not_swallow_the_rows_beside_it():
    words = [Word("A", Box(800, 40, 60, 90), 95), Word("FACTURA", Box(900, 40, 120, 22), 90),
             Word("Nro", Box(900, 100, 40, 20), 90)]
    rows = group_rows(words)
    assert "A FACTURA Nro" not in [row.text for row in rows]


def test_reads_lines_with_argentine_numbers_and_weighed_quantities():
    words = table_words(
        item(340, "A-100", "Yerba mate 1kg", "12", "2.500,00", "0,00", "30.000,00"),
        item(380, "QUE656", "Queso Cremoso x kg", "1,493", "8.165,98", "0,00", "12.191,81"),
        item(420, "7790001000019", "Galletitas Oreo", "2", "$2.460.00", "0,00", "4.920,00"),
    )
    lines, table = read_lines(group_rows(words))
    assert table is not None
    assert [(line.code, line.quantity, line.unit_price, line.amount) for line in lines] == [
        ("A-100", Decimal(12), Decimal("2500.00"), Decimal("30000.00")),
        ("QUE656", Decimal("1.493"), Decimal("8165.98"), Decimal("12191.81")),
        ("7790001000019", Decimal(2), Decimal("2460.00"), Decimal("4920.00")),
    ]
    assert lines[0].description == "Yerba mate 1kg"
    assert lines[2].ean == "7790001000019"  # a printed EAN-13 with a valid check digit
    assert lines[0].ean is None


def test_an_invalid_ean_is_not_reported_as_one():
    words = table_words(item(340, "7790001000012", "Galletitas", "1", "10,00", "0,00", "10,00"))
    lines, _ = read_lines(group_rows(words))
    assert lines[0].ean is None


def test_bonificacion_column_is_taken_into_account():
    words = table_words(item(340, "X1", "Aceite", "10", "1.000,00", "10,00", "9.000,00"))
    lines, _ = read_lines(group_rows(words))
    assert (lines[0].quantity, lines[0].unit_price, lines[0].amount) == (
        Decimal(10), Decimal("1000.00"), Decimal("9000.00"))
    assert lines[0].confidence > 0.9


def test_a_misread_quantity_is_fixed_by_the_other_two_cells():
    # "12" read as "2": price and amount agree on 12.
    words = table_words(item(340, "X1", "Fideos", "2", "1.180,00", "0,00", "14.160,00"))
    lines, _ = read_lines(group_rows(words))
    assert lines[0].quantity == Decimal(12)


def test_a_wrong_unit_price_that_cannot_be_explained_is_dropped_not_invented():
    words = table_words(item(340, "X1", "Fideos", "3", "7.777,00", "0,00", "3.540,00"))
    lines, _ = read_lines(group_rows(words))
    assert lines[0].quantity == Decimal(3)
    assert lines[0].unit_price is None
    assert lines[0].amount == Decimal("3540.00")


def test_a_missing_cell_is_not_filled_in():
    words = words_at(300, HEADER)
    words += words_at(340, [("X1", 40), ("Arroz", 200), right("2.150,00", 1240),
                            right("0,00", 1370), right("4.300,00", 1600)])
    lines, _ = read_lines(group_rows(words))
    assert lines[0].quantity is None
    assert lines[0].amount == Decimal("4300.00")


def test_description_continues_on_the_next_row():
    words = table_words(item(340, "X1", "Remachadora Pop", "1,00", "100,00", "0,00", "100,00"))
    words += words_at(362, [("Neumatica", 200), ("5mm", 320)])
    lines, _ = read_lines(group_rows(words))
    assert len(lines) == 1
    assert lines[0].description == "Remachadora Pop Neumatica 5mm"


def test_table_ends_at_the_totals_block():
    words = table_words(item(340, "X1", "Arroz", "1", "1.000,00", "0,00", "1.000,00"),
                        totals_y=400)
    words += words_at(440, [("Importe", 1100), ("Total:", 1200), ("$", 1400), ("1.210,00", 1500)])
    rows = group_rows(words)
    table = find_table(rows)
    assert table is not None and len(table.rows) == 1
    lines, _ = read_lines(rows)
    assert len(lines) == 1


def test_header_on_two_rows_and_an_amount_with_vat_column():
    words = words_at(300, [("Código", 40), ("Producto", 124), ("/", 230), ("Servicio", 250),
                           ("Cantidad", 500), ("Precio", 700), ("Unit.", 760),
                           ("Subtotal", 900), ("Subtotal", 1100)])
    words += words_at(312, [("Bonif", 820), ("c/IVA", 1190)], height=14)
    words += words_at(360, [("Remachadora", 124), right("1,00", 570), right("44342,99", 800),
                            right("0,00", 860), right("44342,99", 990), right("48999,00", 1200)])
    lines, table = read_lines(group_rows(words))
    assert table is not None
    roles = [column.role for column in table.columns]
    assert "amount_with_vat" in roles
    assert (lines[0].quantity, lines[0].unit_price, lines[0].amount) == (
        Decimal(1), Decimal("44342.99"), Decimal("44342.99"))


def test_no_header_no_table():
    words = words_at(300, [("Garantia", 40), ("Valida", 200), ("con", 300), ("Control", 400)])
    assert read_lines(group_rows(words)) == ([], None)


@pytest.mark.parametrize(("quantity", "price", "amount", "expected"), [
    ("2", "520.66", "1041.32", ("2", "520.66", "1041.32", True)),
    ("8.768", "6579.20", "57686.43", ("8.768", "6579.20", "57686.43", True)),  # rounded
    ("1", "100.00", "1000.00", ("10", "100.00", "1000.00", True)),  # a digit dropped
    ("2", "150.00", "200.00", ("2", "100.00", "200.00", True)),  # one digit of the price
    ("2", "999.00", "200.00", ("2", None, "200.00", False)),
    ("5.578", "16068.25", "89628.79", ("5.578", "16068.25", "89628.70", True)),  # a digit
    ("1.718", "19993.75", "4349.26", ("1.718", "19993.75", "34349.26", True)),  # dropped
    ("3", "10.00", "47.50", ("3", None, "47.50", False)),  # two digits off: not a slip
    ("400", "2106.57", "842628", ("4", "2106.57", "8426.28", True)),  # both commas lost
    ("100", "21.00", "2100", ("100", "21.00", "2100", True)),  # 00: maybe no cents printed
    ("4.00", "2106.57", "842628", ("4.00", "2106.57", "8426.28", True)),  # the amount's comma
    # A quantity and a price without their commas ("400", "265329") times each other give
    # the amount's digits and zeros: a lost mark, not a slipped digit to "correct" it into.
    ("400", "265329", "10613.16", ("400", None, "10613.16", False)),
    ("36", "124513", "44824.68", ("36", "1245.13", "44824.68", True)),  # the price's comma
    ("4.09", "15877.66", "63510.64", ("4", "15877.66", "63510.64", True)),  # "4,09" for 4,00
])
def test_check_line(quantity, price, amount, expected):
    q, p, a, ok = check_line(Decimal(quantity), Decimal(price), Decimal(amount))
    want = tuple(Decimal(v) if isinstance(v, str) else v for v in expected)
    assert (q, p, a, ok) == want


def test_check_line_never_fills_a_missing_value():
    assert check_line(None, Decimal("10.00"), Decimal("20.00")) == (
        None, Decimal("10.00"), Decimal("20.00"), False)


def test_a_second_header_line_does_not_end_the_table():
    # "Alícuota" over "IVA": the lower line starts with a word that also opens the totals.
    words = words_at(300, [*HEADER, ("Alícuota", 1700)])
    words += words_at(314, [("IVA", 1710)], height=14)
    words += item(360, "X1", "Arroz", "2", "100,00", "0,00", "200,00")
    lines, table = read_lines(group_rows(words))
    assert table is not None
    assert [(line.quantity, line.amount) for line in lines] == [(Decimal(2), Decimal("200.00"))]


def test_unsure_letters_read_in_the_paper_are_neither_a_line_nor_a_description():
    words = table_words(item(340, "X1", "Salame Milan", "1", "100,00", "0,00", "100,00"))
    words += words_at(366, [("o", 200), ("A", 240), ("a", 280), ("E", 320)], confidence=30)
    lines, _ = read_lines(group_rows(words))
    assert [line.description for line in lines] == ["Salame Milan"]


def test_a_description_printed_over_the_quantity_header_stays_whole():
    # The quantity header starts at 440: by the midpoints between header cells,
    # "Aerosol 360 ml" would fall in the quantity's column.
    header = [(text, 440 if text == "Cantidad" else x) for text, x in HEADER]
    words = words_at(300, header)
    words += words_at(340, [("X1", 40), ("Desinfectante", 200), ("Aerosol", 351), ("360", 436),
                            ("ml", 477), right("5,00", 700), right("100,00", 1240),
                            right("0,00", 1370), right("500,00", 1600)])
    lines, _ = read_lines(group_rows(words))
    assert lines[0].description == "Desinfectante Aerosol 360 ml"
    assert (lines[0].quantity, lines[0].amount) == (Decimal(5), Decimal("500.00"))


def test_column_strips_follow_the_blank_gutters_and_mark_the_figures():
    words = table_words(item(340, "X1", "Arroz", "2", "100,00", "0,00", "200,00"))
    table = find_table(group_rows(words))
    assert table is not None
    ink = [0] * 1700
    for word in table.rows[0].words:
        for x in range(word.box.left, word.box.right):
            ink[x] = 5
    strips = column_strips(table, ink, text_height=20)
    assert len(strips) == len(table.rows[0].words)
    by_left = {strip.left + 4: strip.numeric for strip in strips}
    assert by_left[40] is False  # the code
    assert by_left[200] is False  # the description
    assert sum(strip.numeric for strip in strips) == 4  # quantity, price, bonif, amount
    top, bottom = body_span(table)
    assert table.header.box.bottom < top < 340 < 360 <= bottom


def test_header_words_glued_to_rules_or_with_one_letter_misread_still_name_columns():
    words = words_at(300, [("Código", 40), ("[Detalle", 200), ("Cantina", 900),
                           ("Precio]", 1080), ("|Total", 1500)])
    words += item(340, "X1", "Arroz", "2", "100,00", "0,00", "200,00")[:-2]
    words += words_at(340, [right("200,00", 1600)])
    lines, table = read_lines(group_rows(words))
    assert table is not None
    assert {c.role for c in table.columns} >= {"description", "quantity", "unit_price", "amount"}
    assert (lines[0].quantity, lines[0].amount) == (Decimal(2), Decimal("200.00"))


def test_a_half_read_header_is_found_only_when_asked_for_loosely():
    words = words_at(300, [("Código", 40), ("¡Pxvlican", 200), ("Cantidad", 900),
                           ("Precio", 1080), ("Unit.", 1160), ("Subtotal", 1500)])
    words += item(340, "X1", "Arroz", "2", "100,00", "0,00", "200,00")
    rows = group_rows(words)
    assert find_table(rows) is None
    loose = find_table(rows, loose=True)
    assert loose is not None and loose.rows


def test_a_wrapped_description_with_numbers_continues_the_line_above():
    words = table_words(item(340, "X1", "Aceite de Oliva Extra", "2", "100,00", "0,00",
                             "200,00"))
    words += words_at(362, [("Virgen", 200), ("500", 280), ("ml", 325)])
    lines, _ = read_lines(group_rows(words))
    assert len(lines) == 1
    assert lines[0].description == "Aceite de Oliva Extra Virgen 500 ml"


def test_a_second_reading_is_taken_only_where_it_makes_the_line_multiply_out():
    from shared.ocr.line_figures import choose_figures
    from shared.ocr.model import ReadLine

    misread = ReadLine(quantity=Decimal(24), unit_price=Decimal("11644.88"),
                       amount=Decimal("279471.12"))
    assert choose_figures(misread, [Decimal(24)], [Decimal("11644.88")],
                          [Decimal("279477.12")])
    assert misread.amount == Decimal("279477.12") and misread.quantity == Decimal(24)
    unsure = ReadLine(quantity=Decimal(3), unit_price=Decimal("10.00"), amount=Decimal("31.00"))
    assert not choose_figures(unsure, [Decimal(4)], [Decimal("10.50")], [Decimal("32.00")])
    assert (unsure.quantity, unsure.unit_price, unsure.amount) == (
        Decimal(3), Decimal("10.00"), Decimal("31.00"))


def test_a_second_reading_never_replaces_two_figures_at_once():
    from shared.ocr.line_figures import choose_figures
    from shared.ocr.model import ReadLine

    line = ReadLine(quantity=Decimal(6), unit_price=Decimal("1311.17"), amount=None)
    # 6 x 1,50 = 9,00 would agree, but only by taking both the price and the amount from
    # a garbled second reading.
    assert not choose_figures(line, [], [Decimal("1.50")], [Decimal("9.00")])
    assert line.amount is None and line.unit_price == Decimal("1311.17")


def test_a_figure_split_at_its_decimal_comma_is_read_whole():
    words = table_words(item(340, "X1", "Fideos", "6,00", "1311,", "0,00", "7867,02"))
    words += words_at(340, [("17", 1244)])  # after a gap narrower than a space
    lines, _ = read_lines(group_rows(words))
    assert lines[0].unit_price == Decimal("1311.17")


def test_an_amount_read_without_its_decimal_comma_is_taken_when_the_line_agrees():
    from shared.ocr.line_figures import choose_figures
    from shared.ocr.model import ReadLine

    line = ReadLine(quantity=Decimal(6), unit_price=Decimal("11378.09"),
                    amount=Decimal("6826854"))
    assert choose_figures(line, [], [], [])
    assert line.amount == Decimal("68268.54")


def test_a_quantity_read_without_its_decimal_comma_is_taken_when_the_line_agrees():
    from shared.ocr.line_figures import choose_figures
    from shared.ocr.model import ReadLine

    units = ReadLine(quantity=Decimal(500), unit_price=Decimal("11066.80"),
                     amount=Decimal("55334.00"))  # "5,00" read as "500"
    assert choose_figures(units, [], [], [])
    assert units.quantity == Decimal(5)
    weighed = ReadLine(quantity=Decimal(10574), unit_price=Decimal("7622.05"),
                       amount=Decimal("80595.56"))  # "10,574" kg
    assert choose_figures(weighed, [], [], [])
    assert weighed.quantity == Decimal("10.574")
    # Both marks lost on one line are the same slip, not two replaced cells.
    both = ReadLine(quantity=Decimal(3600), unit_price=Decimal("1349.88"),
                    amount=Decimal("4859388"))
    assert choose_figures(both, [], [Decimal("1349.83")], [])
    assert (both.quantity, both.amount) == (Decimal(36), Decimal("48593.88"))


def test_figures_found_by_arithmetic_when_the_header_named_the_wrong_columns():
    from shared.ocr.line_figures import figures_by_arithmetic

    # Cantidad, Precio Unit., % Bonif, Subtotal, Subtotal c/IVA, read left to right.
    row = [[Decimal(12)], [Decimal("5013.93")], [Decimal(0)], [Decimal("60167.16")],
           [Decimal("72802.26")]]
    assert figures_by_arithmetic(row, (None, Decimal("60167.16"), Decimal("72802.26"))) == (
        Decimal(12), Decimal("5013.93"), Decimal("60167.16"))
    # A price misread by a digit: a big "quantity" times 1 is not taken for it.
    misread = [[Decimal(1)], [Decimal("3195.99")], [Decimal("3195.93")]]
    assert figures_by_arithmetic(misread, (None, None, None)) is None
    # Nothing agrees: nothing is made up.
    assert figures_by_arithmetic([[Decimal(3)], [Decimal("10.00")], [Decimal("31.00")]],
                                 (None, None, None)) is None


def test_a_row_read_without_its_decimal_commas_gets_them_back():
    words = table_words(
        item(340, "A1", "Galletitas Express", "4,00", "2.106,57", "0,00", "842628"),
        item(380, "A2", "Yogur Ilolay", "600", "2.768,29", "0,00", "1660974"))
    lines, _ = read_lines(group_rows(words))
    assert [(line.quantity, line.amount) for line in lines] == [
        (Decimal(4), Decimal("8426.28")), (Decimal(6), Decimal("16609.74"))]


def test_figures_found_by_arithmetic_with_both_commas_lost_get_them_back():
    from shared.ocr.line_figures import figures_by_arithmetic

    row = [[Decimal(1200)], [Decimal("2381.95")], [Decimal(2858340)]]
    assert figures_by_arithmetic(row, (None, None, None)) == (
        Decimal(12), Decimal("2381.95"), Decimal("28583.40"))


def test_a_row_whose_header_was_misread_still_gives_its_figures():
    # The header's columns are shifted one to the right of where the figures stand.
    words = words_at(300, [("Código", 40), ("Producto", 200), ("Precio", 1000),
                           ("Subtotal", 1300), ("Total", 1500)])
    words += words_at(340, [("X1", 40), ("Jabón", 200), ("Dove", 270), right("12,00", 990),
                            right("5.013,93", 1240), right("60.167,16", 1370),
                            right("72.802,26", 1600)])
    words += words_at(900, [("Subtotal:", 1200), ("$", 1400), ("60.167,16", 1500)])
    lines, _ = read_lines(group_rows(words))
    assert (lines[0].quantity, lines[0].unit_price, lines[0].amount) == (
        Decimal(12), Decimal("5013.93"), Decimal("60167.16"))
    assert lines[0].description == "Jabón Dove"


def test_a_misread_amount_is_taken_from_the_line_when_the_printed_subtotal_agrees():
    from shared.ocr.lines import Table
    from shared.ocr.model import ReadLine
    from shared.ocr.table_text import _amounts_by_total

    good = ReadLine(quantity=Decimal(2), unit_price=Decimal("100.00"), amount=Decimal("200.00"))
    slipped = ReadLine(quantity=Decimal(1), unit_price=None, amount=Decimal("22543.51"))
    rows = group_rows(words_at(900, [("Subtotal:", 1200), ("22.743,67", 1500)]))
    table = Table(columns=[], header=rows[0], rows=[], bottom=850)
    _amounts_by_total([good, slipped], {id(slipped): [Decimal("22543.67")]}, rows, table)
    assert slipped.amount == Decimal("22543.67")
    # When the printed figures do not confirm it, the amount read stays.
    other = ReadLine(quantity=Decimal(1), unit_price=None, amount=Decimal("22543.51"))
    _amounts_by_total([good, other], {id(other): [Decimal("22543.99")]}, rows, table)
    assert other.amount == Decimal("22543.51")


def test_a_quantity_run_into_the_next_column_keeps_the_digits_that_agree():
    words = table_words(item(340, "X1", "Alfajor", "1246472", "4.011,47", "0,00", "48.137,64"))
    words += table_words(item(380, "X2", "Cebolla", "3,80113118", "667,23", "0,00", "2.536,14"))
    lines, _ = read_lines(group_rows(words))
    assert [line.quantity for line in lines[:2]] == [Decimal(12), Decimal("3.801")]
    # A long quantity that no leading part explains stays as read; the price is dropped.
    words = table_words(item(340, "X1", "Fideos", "1246472", "4.011,47", "0,00", "99.999,99"))
    lines, _ = read_lines(group_rows(words))
    assert (lines[0].quantity, lines[0].unit_price) == (Decimal(1246472), None)


def test_a_quantity_run_into_the_code_is_taken_with_a_price_misread_by_a_digit():
    # "10,00 CAF743" read as "10,00743", and "8.962,50" as "2.962,50": the part that keeps
    # the quantity's comma makes the line agree once the price's digit is mended.
    words = table_words(item(340, "X1", "Café", "10,00743", "2.962,50", "0,00", "89.625,00"))
    lines, _ = read_lines(group_rows(words))
    assert (lines[0].quantity, lines[0].unit_price, lines[0].amount) == (
        Decimal(10), Decimal("8962.50"), Decimal("89625.00"))
    # A leading part without the comma ("1") is not used to mend the price.
    words = table_words(item(340, "X1", "Café", "1743", "2.962,50", "0,00", "89.625,00"))
    lines, _ = read_lines(group_rows(words))
    assert lines[0].unit_price is None


def test_a_quantity_in_a_column_the_header_did_not_name_is_taken_when_the_line_agrees():
    header = [("Cnt", 40), ("Código", 120), ("Producto", 300), ("Precio", 1080),
              ("Subtotal", 1500)]
    words = words_at(300, header)
    words += words_at(340, [right("8", 80), ("LAV152", 120), ("Lavandina", 300),
                            right("1.876,83", 1240), right("15.014,64", 1600)])
    words += words_at(380, [right("3", 80), ("ZZ1", 120), ("Fideos", 300),
                            right("1.000,00", 1240), right("2.500,00", 1600)])
    words += words_at(900, [("Subtotal:", 1200), ("$", 1400), ("17.514,64", 1500)])
    lines, _ = read_lines(group_rows(words))
    assert [(line.quantity, line.amount) for line in lines] == [
        (Decimal(8), Decimal("15014.64")), (None, Decimal("2500.00"))]


def test_two_figures_apart_in_one_cell_are_two_readings_not_one_number():
    # The bonificación ("0,00", read "0.00") spilled into the price's column: "4.591,45"
    # "0.00" is not the number 4.591.450,00 (and "5" run into the code is the quantity).
    words = words_at(300, [("Cantidad", 40), ("Producto", 200), ("Precio", 1080),
                           ("Subtotal", 1500)])
    words += words_at(340, [right("573002", 120), ("Shampoo", 200), right("4.591,45", 1240),
                            right("0.00", 1340), right("22.957,25", 1600)])
    lines, _ = read_lines(group_rows(words))
    assert (lines[0].quantity, lines[0].unit_price, lines[0].amount) == (
        Decimal(5), Decimal("4591.45"), Decimal("22957.25"))


def test_a_quantity_printed_in_the_codes_strip_is_taken_and_left_out_of_the_code():
    # "Cant. Código" read as one cell named for the code: "36 26475" under it.
    words = words_at(300, [("Código", 40), ("Producto", 200), ("Precio", 1080),
                           ("Subtotal", 1500)])
    words += words_at(340, [("36", 40), ("26475", 80), ("Yerba", 200),
                            right("4.768,25", 1240), right("171.657,00", 1600)])
    # A code that is one number is the code, even when it would make the line agree.
    words += words_at(380, [("2", 40), ("Sal", 200), right("100,00", 1240),
                            right("200,00", 1600)])
    lines, _ = read_lines(group_rows(words))
    assert (lines[0].quantity, lines[0].code) == (Decimal(36), "26475")
    assert (lines[1].quantity, lines[1].code) == (None, "2")


def test_header_cells_the_text_model_misread_are_named_by_their_columns():
    # The model read "Cant. Código Producto P. Unitario Subtotal" as below: "Cadgn" (no
    # role) joins "Cant" into one cell, and "Sbtdal" names nothing.
    from shared.ocr.model_table import _named_by_content, _split_joined

    header = words_at(300, [("Cant", 40), ("Cadgn", 110), ("Producto", 300),
                            ("Precio", 1080), ("Unit.", 1160), ("Sbtdal", 1500)])
    body = []
    for index, (quantity, code, description, price, amount) in enumerate([
            ("12", "62442", "Arroz Largo Fino 1 kg", "2.309,44", "27.713,28"),
            ("6", "11421", "Alfajor Jorgito x 6", "3.518,55", "21.111,30"),
            ("2,692", "54113", "Cebolla x kg", "650,08", "1.750,02")]):
        cells = [right(quantity, 95), (code, 110)]
        x = 300
        for token in description.split():
            cells.append((token, x))
            x += 11 * len(token) + 8
        cells += [right(price, 1240), right(amount, 1600)]
        body += words_at(340 + 40 * index, cells)
    rows = group_rows(header + body + words_at(600, [("Total:", 1200), ("50.574,60", 1500)]))
    table = find_table(rows, loose=True)
    assert table is not None
    assert [c.role for c in table.columns][:2] == ["quantity", "description"]  # joined
    split = _split_joined(table)
    assert [c.role for c in split.columns][:2] == ["quantity", "other"]
    named = _named_by_content(split)
    assert named is not None
    assert [c.role for c in named.columns] == ["quantity", "other", "description",
                                               "unit_price", "amount"]
    lines, _ = read_lines(rows, header=(named.header, named.columns))
    assert [(line.quantity, line.amount) for line in lines] == [
        (Decimal("12"), Decimal("27713.28")), (Decimal("6"), Decimal("21111.30")),
        (Decimal("2.692"), Decimal("1750.02"))]
    assert lines[0].description == "Arroz Largo Fino 1 kg"
