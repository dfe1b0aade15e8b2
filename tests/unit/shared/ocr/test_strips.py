"""The table's columns from the page's gutters and the header read again (pure)."""

from shared.ocr.lines import Row, Table, find_table, group_rows
from shared.ocr.model import Box, Word
from shared.ocr.strips import Strip, header_band, header_columns


def word(text: str, left: int, top: int = 100, height: int = 20) -> Word:
    return Word(text, Box(left, top, 11 * len(text), height), 90.0)


def test_a_two_line_header_names_each_strip_under_it():
    strips = [Strip(40, 120, False), Strip(200, 600, False), Strip(700, 780, False),
              Strip(900, 1000, False), Strip(1100, 1200, False), Strip(1300, 1400, False)]
    words = [word("Código", 40), word("Producto", 200), word("Cantidad", 700, top=110),
             word("Precio", 900), word("Unit.", 900, top=122), word("Subtotal", 1100),
             word("Subtotal", 1300), word("c/IVA", 1320, top=122)]
    found = header_columns(strips, words, text_height=20)
    assert found is not None
    columns, merged = found
    assert [c.role for c in columns] == ["code", "description", "quantity", "unit_price",
                                         "amount", "amount_with_vat"]
    assert [s.numeric for s in merged] == [False, False, True, True, True, True]
    assert columns[2].left < 700 and columns[2].right > 780  # halfway across the gutters


def test_an_unnamed_strip_joins_the_neighbour_across_the_narrower_gap():
    # "... retornable" "x 12" past the description's gutter, and a price cut at its
    # thousands dot ("11" "644,88") in a monospaced font.
    strips = [Strip(200, 600, False), Strip(606, 620, False), Strip(626, 650, False),
              Strip(800, 830, False), Strip(832, 900, False), Strip(1000, 1100, False)]
    words = [word("Descripción", 200), word("Precio", 834), word("Importe", 1000)]
    found = header_columns(strips, words, text_height=20)
    assert found is not None
    columns, merged = found
    assert [c.role for c in columns] == ["description", "unit_price", "amount"]
    assert [(s.left, s.right) for s in merged] == [(200, 650), (800, 900), (1000, 1100)]


def test_a_strip_far_from_any_named_one_stays_a_column_of_its_own():
    strips = [Strip(200, 600, False), Strip(700, 780, False), Strip(900, 1000, False),
              Strip(1300, 1400, False)]
    words = [word("Producto", 200), word("Cantidad", 700), word("Importe", 1300)]
    found = header_columns(strips, words, text_height=20)
    assert found is not None
    columns, _ = found
    assert [c.role for c in columns] == ["description", "quantity", "other", "amount"]


def test_a_last_column_whose_header_went_unread_is_the_amount():
    strips = [Strip(200, 600, False), Strip(700, 780, False), Strip(900, 1000, False),
              Strip(1300, 1400, False)]
    words = [word("Producto", 200), word("Cantidad", 700), word("Precio", 900)]
    found = header_columns(strips, words, text_height=20)
    assert found is not None
    columns, merged = found
    assert [c.role for c in columns] == ["description", "quantity", "unit_price", "amount"]
    assert merged[-1].numeric
    # With an amount named elsewhere, an unnamed last column is only another column.
    words = [word("Producto", 200), word("Subtotal", 700), word("Precio", 900)]
    columns, _ = header_columns(strips, words, text_height=20) or ([], [])
    assert [c.role for c in columns] == ["description", "amount", "unit_price", "other"]


def test_words_that_do_not_make_a_header_give_none():
    strips = [Strip(200, 600, False), Strip(700, 780, False)]
    assert header_columns(strips, [word("Cantidad", 700)], text_height=20) is None
    assert header_columns([], [word("Producto", 200)], text_height=20) is None


def test_the_header_band_reaches_the_first_line_of_a_two_line_header():
    header = Row([word("Producto", 200, top=120), word("Cantidad", 700, top=120),
                  word("Precio", 900, top=120)])
    body = Row([word("Arroz", 200, top=170), word("2", 760, top=170), word("10,00", 900, top=170)])
    table = Table([], header, [body], bottom=400)
    ink = [0] * 400
    for y in list(range(100, 116)) + list(range(120, 140)) + list(range(170, 190)):
        ink[y] = 50  # "Alícuota" above the header row, the header row, the first body row
    top, bottom = header_band(table, ink)
    assert top <= 100 and 140 <= bottom <= 170


def test_a_header_read_again_gives_the_table_below_it():
    header_words = [word("Producto", 200, top=100), word("Cantidad", 700, top=100),
                    word("Precio", 900, top=100), word("Importe", 1100, top=100)]
    body = [word("Arroz", 200, top=150), word("2", 760, top=150), word("10,00", 900, top=150),
            word("20,00", 1100, top=150)]
    strips = [Strip(190, 600, False), Strip(690, 800, False), Strip(890, 1000, False),
              Strip(1090, 1200, False)]
    found = header_columns(strips, header_words, text_height=20)
    assert found is not None
    columns, _ = found
    rows = group_rows([*body, word("Subtotal:", 900, top=300)])
    table = find_table(rows, header=(Row(header_words), columns))
    assert table is not None and [row.text for row in table.rows] == ["Arroz 2 10,00 20,00"]


def test_a_header_word_that_names_nothing_a_space_from_one_that_does_is_one_cell():
    # "P." over the thousands of a price the gutter finder split at its dot ("8" "962,50").
    strips = [Strip(200, 600, False), Strip(700, 780, False), Strip(1000, 1012, False),
              Strip(1020, 1090, False), Strip(1300, 1400, False)]
    for price_word in ("P.", "P"):
        words = [word("Producto", 200), word("Cantidad", 700), word(price_word, 990),
                 word("Unitario", 1018), word("Subtotal", 1300)]
        found = header_columns(strips, words, text_height=20)
        assert found is not None
        columns, merged = found
        assert [c.role for c in columns] == ["description", "quantity", "unit_price", "amount"]
        assert (merged[2].left, merged[2].right) == (1000, 1090)
    # Two header words further apart than a word space stay two columns.
    words = [word("Producto", 200), word("Cantidad", 700), word("P", 990),
             word("Unitario", 1060), word("Subtotal", 1300)]
    columns, _ = header_columns(strips, words, text_height=20) or ([], [])
    assert [c.role for c in columns] == ["description", "quantity", "other", "unit_price",
                                         "amount"]
