"""The HQ dashboard in a real Chromium against `central up` on PostgreSQL.

One central (migrated, a small catalog imported, two stores, an administrator) and one
enrolled store PC serve every test of this module, in order: each admin task is done in
the browser and its effect checked where it lands — a store PC after its sync, the
review queue, the refused sync of a revoked device. Screenshots of every page at
1366x768 are kept in docs/screenshots/dashboard-*.png.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import make_url

from tests.e2e.sync.test_processes import Central, Pc

pytestmark = pytest.mark.postgres
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
ADMIN, PASSWORD = "jefa", "clave-de-prueba-123"
CATALOG = """\
sku,ean,name,category,unit,price,cost,min_stock,supplier_cuit
1001,7790001000019,Yerba mate 1 kg,Almacén,unidad,4200,2900,12,30-50001091-2
1002,7790001000026,Azúcar 1 kg,Almacén,unidad,1350,900,20,
1003,,Queso cremoso,Fiambrería,kg,9800,6500,3,
1004,7790001000040,Gaseosa cola 2.25 l,Bebidas,unidad,3200,2100,24,
1005,7790001000057,Leche entera 1 l,Lácteos,unidad,1300,880,30,
"""
PAGES = {
    "resumen": "/", "stock": "/stock", "stock-critico": "/stock/critico?store=NORTE",
    "transferencias": "/transferencias", "catalogo": "/catalogo",
    "catalogo-provisorios": "/catalogo?vista=provisorios", "facturas": "/facturas",
    "ordenes": "/ordenes", "precios": "/precios", "inflacion": "/inflacion",
    "dispositivos": "/dispositivos", "conflictos": "/conflictos?estado=todos",
    "auditoria": "/auditoria", "usuarios": "/usuarios",
}


@pytest.fixture(scope="module")
def hq(pg_database, tmp_path_factory):
    """`central up` on its own PostgreSQL schema, seeded; and one enrolled PC of NORTE."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = make_url(pg_database).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(pg_database).update_query_dict({"options": f"-csearch_path={schema}"})
    workdir = tmp_path_factory.mktemp("dashboard")
    central = Central(url.render_as_string(hide_password=False), workdir)
    central.cli("migrate")
    (workdir / "products.csv").write_text(CATALOG, encoding="utf-8")
    central.cli("import-products", str(workdir / "products.csv"))
    central.cli("add-store", "NORTE", "Sucursal Norte")
    central.cli("add-store", "SUR", "Sucursal Sur")
    central.cli("create-admin", ADMIN, env={"MINIMARKET_PASSWORD": PASSWORD})
    central.start()
    pc = Pc("caja1", "NORTE", workdir)
    token = central.cli("enroll-token", "--store", "NORTE", "--ttl", "1").strip()
    pc.ok("enroll", "--server", central.url, "--token", token, "--name", "Caja 1")
    pc.ok("intake", "1001", "20", "--cost", "2900")
    pc.ok("sale", "1001", "5")
    pc.ok("sale", "1002", "3")  # never received: stock goes negative, a conflict
    pc.ok("sync")
    api = httpx.Client(base_url=central.url, timeout=30)
    bearer = api.post("/api/auth/token", data={"username": ADMIN, "password": PASSWORD})
    api.headers["Authorization"] = f"Bearer {bearer.json()['access_token']}"
    today = datetime.now(UTC).date().replace(day=1)
    for back in range(7):  # the inflation page's default period: the last seven months
        month = (today.month - back - 1) % 12 + 1
        year = today.year + (today.month - back - 1) // 12
        api.put(f"/api/negocio/inflation/{year}-{month:02d}",
                json={"value": str(100 + 4 * (6 - back)), "source": "INDEC"}).raise_for_status()
    confirm_invoices_at_rising_costs(api, today)
    yield central, pc, api
    api.close()
    central.stop()
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


# (supplier CUIT, name, {sku: net unit cost 6, 3 and 1 months ago}): costs rise faster
# than the index (4 points a month) at one supplier and slower at the other.
PURCHASES = (
    ("30500010912", "Yerbatera del Litoral", {"1001": (2900, 3350, 3900)}),
    ("30712345671", "Bebidas del Sur", {"1004": (2100, 2180, 2250),
                                         "1005": (880, 905, 930)}),
)


def confirm_invoices_at_rising_costs(api: httpx.Client, this_month: date) -> None:
    """Facturas A confirmed at HQ for NORTE six, three and one month back, so the
    inflation page's default period (from six months back) has cost increases to set
    beside the index: the first purchase is its baseline."""
    number = 100
    for back, step in ((6, 0), (3, 1), (1, 2)):
        month = (this_month.month - back - 1) % 12 + 1
        year = this_month.year + (this_month.month - back - 1) // 12
        for cuit, name, costs in PURCHASES:
            number += 1
            lines = [{"description": sku, "product": sku, "quantity": "6",
                      "unit_price": str(prices[step])} for sku, prices in costs.items()]
            made = api.post("/api/negocio/invoices", json={
                "store": "NORTE", "issuer_cuit": cuit, "supplier_name": name, "afip_code": 1,
                "point_of_sale": 3, "number": number, "issued_on": f"{year}-{month:02d}-10",
                "lines": lines})
            assert made.status_code == 201, made.text
            confirmed = api.post(f"/api/negocio/invoices/{made.json()['id']}/confirm")
            assert confirmed.status_code == 200, confirmed.text


@pytest.fixture
def admin(page: Page, hq) -> Page:
    """A page signed in as the administrator; console errors fail the test."""
    central = hq[0]
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 500 else None)
    page.goto(f"{central.url}/login")
    page.get_by_label("Usuario").fill(ADMIN)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resumen")
    page.base = central.url  # type: ignore[attr-defined]
    yield page
    assert errors == [], f"console errors: {errors}"


def go(page: Page, path: str) -> None:
    response = page.goto(f"{page.base}{path}")  # type: ignore[attr-defined]
    assert response is not None and response.status == 200, (path, response and response.status)


def test_every_input_has_a_label(admin: Page):
    for path in PAGES.values():
        go(admin, path)
        unlabeled = admin.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')].filter(el =>
            !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name || el.id)""")
        assert unlabeled == [], (path, unlabeled)


def test_a_sale_synced_from_a_store_shows_on_the_overview_by_itself(admin: Page, hq):
    _central, pc, _api = hq
    go(admin, "/")
    row = admin.locator('tr[data-store="NORTE"] td[data-col="sales"]')
    before = int(row.inner_text())
    pc.ok("sale", "1004", "1")
    pc.ok("sync")
    expect(row).to_have_text(str(before + 1), timeout=15_000)  # no reload: HTMX polling


def test_an_approved_price_reaches_the_store_after_its_sync(admin: Page, hq):
    _central, pc, api = hq
    rule = api.post("/api/negocio/pricing/rules",
                    json={"name": "General", "markup_pct": "60", "rounding_step": "10",
                          "ending": "0"})
    assert rule.status_code == 201, rule.text
    go(admin, "/precios")
    product = api.get("/api/deposito/products/lookup", params={"code": "1005"}).json()["product"]
    admin.locator(f'input[name="product"][value="{product["id"]}"]').check()
    admin.get_by_role("button", name="Aprobar y publicar seleccionados").click()
    expect(admin.locator(".flash.ok")).to_contain_text("Precios publicados: 1 cambios")
    suggested = api.get("/api/negocio/pricing/suggestions", params={"size": 200}).json()
    price = next(item["suggested_price"] for item in suggested["items"]
                 if item["product"]["sku"] == "1005")
    pc.ok("sync")
    from shared.services.catalog import price_on
    from shared.settings import business_day

    store = pc.open()
    try:
        with store.transaction() as session:
            cents = price_on(session, uuid.UUID(product["id"]), store.store_id,
                             business_day(datetime.now(UTC)))
    finally:
        store.engine.dispose()
    assert cents == round(float(price) * 100)


def test_a_provisional_product_is_promoted_from_the_catalog(admin: Page, hq):
    _central, _pc, api = hq
    made = api.post("/api/deposito/products", json={
        "sku": "PROV-1", "name": "Alfajor trple", "barcodes": ["7790001000064"],
        "provisional": True})
    assert made.status_code == 201, made.text
    go(admin, "/catalogo?vista=provisorios")
    admin.get_by_label("Nombre corregido de PROV-1").fill("Alfajor triple")
    admin.get_by_role("row", name="PROV-1").get_by_role("button", name="Promover").click()
    expect(admin.locator(".flash.ok")).to_contain_text("Producto promovido")
    detail = api.get(f"/api/deposito/products/{made.json()['id']}").json()
    assert detail["provisional"] is False and detail["name"] == "Alfajor triple"


def test_a_conflict_is_resolved_with_a_recorded_decision(admin: Page, hq):
    _central, _pc, api = hq
    go(admin, "/conflictos")
    row = admin.locator('tr[data-conflict^="negative_stock:"]').first
    expect(row).to_contain_text("1002")
    conflict_id = row.get_attribute("data-conflict")
    row.get_by_label("Decisión").select_option("adjusted")
    row.get_by_label("Nota").fill("Faltó cargar el remito")
    row.get_by_role("button", name="Registrar").click()
    expect(admin.locator(".flash.ok")).to_contain_text("Decisión registrada")
    queue = api.get("/api/sync/conflicts").json()["items"]
    decided = next(item for item in queue if item["id"] == conflict_id)
    assert decided["open"] is False
    assert decided["decision"]["decision"] == "adjusted"
    assert decided["decision"]["decided_by"] == ADMIN


def test_a_revoked_device_is_refused_at_its_next_sync(admin: Page, hq):
    _central, pc, _api = hq
    device_id = pc.status()["device_id"]
    go(admin, "/dispositivos")
    row = admin.locator(f'tr[data-device="{device_id}"]')
    row.get_by_role("button", name="Revocar").click()
    expect(admin.locator(".flash.ok")).to_contain_text("Dispositivo revocado")
    expect(admin.locator(f'tr[data-device="{device_id}"]')).to_contain_text("Revocado")
    time.sleep(5.5)  # central remembers a device's revocation for up to 5 s per process
    done = pc.run("sync")
    assert done.returncode != 0, done.stdout
    assert "revoked" in (done.stderr + done.stdout).lower()


def test_reorder_suggestions_say_plainly_that_no_model_is_active(admin: Page):
    go(admin, "/ordenes")
    admin.locator("#sugerir").select_option("NORTE")
    admin.get_by_role("button", name="Ver sugerencias").click()
    expect(admin.get_by_role("alert")).to_contain_text(
        "Todavía no hay un modelo de pronóstico activo")


def test_a_form_posted_without_its_csrf_token_is_refused(admin: Page):
    response = admin.request.post(f"{admin.base}/dispositivos/sucursales",  # type: ignore[attr-defined]
                                  form={"code": "X1", "name": "Sin token"})
    assert response.status == 403
    go(admin, "/dispositivos")
    assert "X1 — Sin token" not in admin.content()


def test_keyboard_reaches_the_navigation_and_the_login_form(page: Page, hq):
    central = hq[0]
    page.goto(f"{central.url}/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent || document.activeElement.name")
    assert focused  # a skip link or the first field
    page.get_by_label("Usuario").fill(ADMIN)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resumen")


# Last, so the pages show what the tests above did.
def test_every_page_renders_without_errors_and_is_photographed(admin: Page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES.items():
        go(admin, path)
        expect(admin.locator("h1")).to_be_visible()
        if name == "resumen":
            admin.wait_for_function("() => window.Chart && Chart.getChart('chart-stock-value')")
        if name == "inflacion" and admin.locator("#chart-inflation").count():
            admin.wait_for_function("() => window.Chart && Chart.getChart('chart-inflation')")
        admin.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"))
    admin.context.clear_cookies()
    go(admin, "/login")
    admin.screenshot(path=str(SCREENSHOTS / "dashboard-ingreso.png"))
