"""The reading's English warnings as the review screen shows them, in Spanish."""

from desktop.app.reading_notes import GENERIC, spanish_notes


def test_a_copy_page_is_explained_once():
    notes = spanish_notes(["page 2 is a copy of page 1: read once",
                           "page 3 is a copy of page 1: its lines are counted once",
                           "the lines add up to 10.00, the invoice says 5.00"])
    assert notes == [
        "La página 2 es una copia de la página 1 (duplicado o triplicado): sus líneas se "
        "cuentan una sola vez.",
        "La página 3 es una copia de la página 1 (duplicado o triplicado): sus líneas se "
        "cuentan una sola vez."]


def test_a_disagreement_names_the_field_and_an_unknown_warning_is_summed_up():
    notes = spanish_notes(["date: the QR says 2026-01-02, the text says 2026-01-03; using the QR",
                           "something new", "something else"])
    assert notes == ["El QR y el texto no coinciden en la fecha (QR: 2026-01-02, texto: "
                     "2026-01-03): se usa el del QR.", GENERIC]
