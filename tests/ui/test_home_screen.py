"""Inicio (F1): today's figures as the database holds them, refreshed after a sync."""

from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from desktop.app.home import home_summary
from desktop.app.intake import IntakeDraft, confirm_intake, supplier_by_cuit
from desktop.app.quantities import today
from desktop.app.stock_actions import move
from shared.domain.enums import MovementKind
from sync.transport_http import ServerUnreachable
from tests.integration.desktop.store_folder import STORE_ID
from tests.ui.backoffice_store import KNOWN_CUIT, new_price, pending, seed_backoffice
from tests.ui.conftest import log_in


def server_down(store, **_kwargs):
    raise ServerUnreachable("the server does not answer")


@pytest.fixture
def home(qtbot, store_folder, make_window):
    store = store_folder[0]
    ids = seed_backoffice(store)
    store.write(move, "Y1", MovementKind.SALE, Decimal(2))  # at today's 4.800,00
    store.write(move, "AZ1", MovementKind.SALE, Decimal(1))  # 1 x 1.500,00
    with store.transaction() as session:
        draft = IntakeDraft(supplier=supplier_by_cuit(session, KNOWN_CUIT), letter="A",
                            point_of_sale=3, number=77)
        draft.add_line(session, "Y1", 10, Decimal("3000"))
    store.write(confirm_intake, draft)
    new_price(store, ids["Y1"], 480_000, today() - timedelta(days=1))
    window = make_window(store, sync_function=server_down)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen() is not None)
    screen = window.current_screen()
    assert screen.key == "inicio"
    qtbot.waitUntil(lambda: screen.summary is not None)
    return window, screen, store


def critical_rows(screen):
    table = screen.critical_table
    return [[table.text(row, column) for column in range(5)] for row in range(table.rowCount())]


def test_the_numbers_are_the_data(qtbot, home):
    _window, screen, store = home
    with store.transaction() as session:
        summary = home_summary(session, STORE_ID)
    assert (summary.sales.amount_cents, summary.sales.tickets, summary.intakes.documents,
            summary.intakes.units, summary.critical_total, summary.price_changes) == (
        1_110_000, 2, 1, 10, 2, 1)

    assert screen.sales_value.text() == "$ 11.100,00"
    assert screen.sales_note.text() == "2 tickets · 2 líneas"
    assert screen.intakes_value.text() == "1"
    assert screen.intakes_note.text() == "10 unidades recibidas"
    assert screen.prices_value.text() == "1"
    assert screen.critical_title.text() == "Stock crítico: 2 productos debajo del mínimo"
    assert critical_rows(screen) == [  # the most short first
        ["AC1", "Aceite de girasol Natura 1,5 l", "2", "4", "2"],
        ["QU1", "Queso cremoso", "0,750 kg", "1,000 kg", "0,250 kg"],
    ]
    assert screen.day_label.text().startswith("Hoy, ")
    assert screen.day_label.text().endswith(f" de {today().year}")
    qtbot.waitUntil(lambda: screen.sync_note.text().startswith(
        f"{pending(store)} pendientes de envío"))
    assert screen.sync_value.text() == "Sin sincronizar"


def test_a_sync_refreshes_the_figures_and_the_prices_card_leads_to_precios(qtbot, home):
    window, screen, store = home
    store.write(move, "AZ1", MovementKind.SALE, Decimal(3))  # sold at another screen
    assert screen.sales_value.text() == "$ 11.100,00"
    assert window.sync.sync_now()
    qtbot.waitUntil(lambda: screen.sales_value.text() == "$ 15.600,00")
    assert screen.sales_note.text() == "3 tickets · 3 líneas"
    assert screen.sync_value.text() == "Sin conexión"
    assert screen.sync_note.text().endswith("\nÚltima: nunca")

    qtbot.mouseClick(screen.prices_button, Qt.MouseButton.LeftButton)
    assert window.current_screen().key == "precios"
    qtbot.keyClick(window.current_screen(), Qt.Key.Key_F1)
    assert window.current_screen() is screen
