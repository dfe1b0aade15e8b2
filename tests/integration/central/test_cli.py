"""The central commands of CONTRACTS.md, through the real console entry point."""

import json
import sqlite3

import pytest

from tests.integration.central.conftest import SHARED_DATA

HEADER = "sku,ean,name,category,unit,price,cost,min_stock,supplier_cuit\n"


def write_csv(tmp_path, text, name="products.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_new_chain_from_migrate_to_stock(mm, db_args, tmp_path):
    assert mm("central", "migrate", *db_args).code == 0
    assert mm("central", "migrate", *db_args).code == 0  # idempotent
    created = mm("central", "create-admin", "Admin", *db_args)
    assert created.code == 0, created.stderr
    assert "contraseña-segura" not in created.stdout + created.stderr
    assert mm("central", "add-store", "S1", "Sucursal Centro", *db_args).code == 0
    cajero = mm("central", "add-user", "ana", "--role", "cajero", "--store", "S1", *db_args)
    assert cajero.code == 0, cajero.stderr
    csv_path = write_csv(tmp_path, HEADER
                         + "10,7790001000019,Yerba 1 kg,Almacén,unidad,4200,2900,12,30-50001091-2\n"
                         + "9,,Queso cremoso,Fiambrería,kg,\"9.800,50\",6500,3,\n")
    imported = mm("central", "import-products", csv_path, *db_args)
    assert imported.code == 0, imported.stderr
    stock = mm("central", "stock", "--store", "S1", "--json", *db_args)
    assert stock.code == 0
    assert json.loads(stock.stdout) == {
        "store": "S1",
        "items": [{"sku": "10", "quantity": 0}, {"sku": "9", "quantity": 0}],  # sku as text
    }
    token = mm("central", "enroll-token", "--store", "S1", "--ttl", "2", *db_args)
    assert token.code == 0
    assert token.stdout.endswith("\n") and len(token.stdout.strip().split()) == 1
    assert len(token.stdout.strip()) >= 40


def test_stock_of_an_unknown_store_fails_with_one_line(mm):
    mm("central", "migrate")
    result = mm("central", "stock", "--store", "NOPE", "--json")
    assert result.code != 0
    assert result.stdout == ""
    assert result.stderr.strip() == "error: unknown store 'NOPE'"


def test_a_csv_with_broken_rows_imports_the_good_ones(mm, db_args, tmp_path):
    mm("central", "migrate", *db_args)
    mm("central", "add-store", "S1", "Centro", *db_args)
    csv_path = write_csv(tmp_path, HEADER
                         + "A1,7790001000019,Bueno,Almacén,unidad,100,50,1,\n"  # line 2
                         + "A2,7790001000012,Mal EAN,Almacén,unidad,100,50,1,\n"  # line 3
                         + "A3,,Precio ambiguo,Almacén,unidad,1.500,50,1,\n"  # line 4
                         + "A4,,Sin columnas\n"  # line 5
                         + ",,Sin sku,Almacén,unidad,1,1,1,\n"  # line 6
                         + "A5,,CUIT mal,Almacén,unidad,1,1,1,30-50001091-3\n"  # line 7
                         + "A6,,Kilos,Fiambrería,kg,12.5,,0.350,\n"  # line 8
                         + "A1,,Repetido,Almacén,unidad,1,1,1,\n"  # line 9
                         + "A7,,Unidad rara,Almacén,litro,1,1,1,\n")  # line 10
    result = mm("central", "import-products", csv_path, *db_args)
    assert result.code == 1
    reported = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in reported] == [
        "line 3", "line 4", "line 5", "line 6", "line 7", "line 9", "line 10"]
    assert "check digit" in reported[0]
    assert "--decimal" in reported[1]
    assert "2 rows imported" in result.stderr and "7 bad rows" in result.stderr
    stock = json.loads(mm("central", "stock", "--store", "S1", "--json", *db_args).stdout)
    assert [item["sku"] for item in stock["items"]] == ["A1", "A6"]

    again = mm("central", "import-products", csv_path, "--decimal", "comma", *db_args)
    assert "1 new" in again.stderr  # A3 now reads as 1500 pesos; A1 and A6 are not duplicated
    stock = json.loads(mm("central", "stock", "--store", "S1", "--json", *db_args).stdout)
    assert [item["sku"] for item in stock["items"]] == ["A1", "A3", "A6"]


def test_reimport_updates_by_sku_and_writes_nothing_when_unchanged(mm, tmp_path):
    mm("central", "migrate")
    first = write_csv(tmp_path, HEADER + "A1,7790001000019,Yerba,Almacén,unidad,100,50,1,\n")
    assert mm("central", "import-products", first).code == 0
    unchanged = mm("central", "import-products", first)
    assert "1 unchanged" in unchanged.stderr
    second = write_csv(tmp_path, HEADER + "A1,7790001000019|7791234000005,Yerba 1 kg,Almacén,"
                       "unidad,120,50,1,\n", "second.csv")
    updated = mm("central", "import-products", second)
    assert "1 updated" in updated.stderr, updated.stderr
    db = sqlite3.connect(tmp_path / "data" / "central.db")
    assert db.execute("select count(*), max(name) from products").fetchone() == (1, "Yerba 1 kg")
    assert db.execute("select count(*) from barcodes").fetchone() == (2,)
    assert [r[0] for r in db.execute("select price_cents from prices order by hlc")] == [10000, 12000]
    ops = db.execute("select count(*) from operations").fetchone()[0]
    mm("central", "import-products", second)
    assert db.execute("select count(*) from operations").fetchone()[0] == ops


def test_map_and_decimal_options_read_other_catalogs(mm, tmp_path):
    mm("central", "migrate")
    mm("central", "add-store", "S1", "Centro")
    path = write_csv(tmp_path, "Codigo;x\n", "ignored.csv")
    path = write_csv(tmp_path, "Código,Descripción,Precio venta,Extra\nX1,Arroz,\"1.234,50\",?\n",
                     "other.csv")
    result = mm("central", "import-products", path, "--map", "sku=Código",
                "--map", "name=Descripción", "--map", "price=Precio venta")
    assert result.code == 0, result.stderr
    db = sqlite3.connect(tmp_path / "data" / "central.db")
    assert db.execute("select price_cents from prices").fetchone() == (123450,)
    bad_map = mm("central", "import-products", path, "--map", "sku=Nope")
    assert bad_map.code != 0 and "no such column" in bad_map.stderr


def test_files_that_cannot_be_read_are_clear_errors(mm, tmp_path):
    mm("central", "migrate")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "A1,,Azúcar,,unidad,1,1,1,\n").encode("latin-1"))
    result = mm("central", "import-products", str(latin1))
    assert result.code != 0 and "not UTF-8" in result.stderr and "Traceback" not in result.stderr
    no_sku = write_csv(tmp_path, "name,price\nx,1\n", "nosku.csv")
    result = mm("central", "import-products", no_sku)
    assert result.code != 0 and "sku" in result.stderr
    missing = mm("central", "import-products", str(tmp_path / "nope.csv"))
    assert missing.code != 0 and "no such file" in missing.stderr


def test_users_are_validated(mm):
    mm("central", "migrate")
    mm("central", "add-store", "S1", "Centro")
    assert "needs --store" in mm("central", "add-user", "ana", "--role", "cajero").stderr
    assert "unknown role" in mm("central", "add-user", "ana", "--role", "jefe").stderr
    assert mm("central", "add-user", "ana", "--role", "deposito").code == 0
    again = mm("central", "add-user", "ana", "--role", "deposito")
    assert again.code != 0 and "already exists" in again.stderr
    short = mm("central", "create-admin", "bob", env={"MINIMARKET_PASSWORD": "corta"})
    assert short.code != 0 and "at least" in short.stderr
    no_password = mm("central", "create-admin", "carla", env={"MINIMARKET_PASSWORD": None},
                     stdin="")
    assert no_password.code != 0 and "MINIMARKET_PASSWORD" in no_password.stderr


def test_password_is_stored_as_an_argon2id_hash(mm, tmp_path):
    mm("central", "migrate")
    mm("central", "create-admin", "admin")
    db = sqlite3.connect(tmp_path / "data" / "central.db")
    (stored,) = db.execute("select password_hash from users").fetchone()
    assert stored.startswith("$argon2id$")
    from shared.security.passwords import verify_secret

    assert verify_secret(stored, "contraseña-segura")


def test_commands_refuse_an_unmigrated_database(mm):
    result = mm("central", "add-store", "S1", "Centro")
    assert result.code != 0 and "central migrate" in result.stderr


def test_production_mode_without_secrets_refuses_to_start(mm):
    result = mm("central", "migrate", env={"MINIMARKET_ENV": "production"})
    assert result.code != 0
    assert "JWT_SECRET_KEY" in result.stderr and "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_rebuild_stock_matches_the_ledger(mm):
    assert mm("demo", "--no-serve").code == 0
    check = mm("central", "rebuild-stock", "--check")
    assert check.code == 0 and "matches" in check.stdout
    assert mm("central", "rebuild-stock").code == 0


def test_demo_is_idempotent_and_shows_a_generated_password_once(mm, tmp_path):
    no_password = {"MINIMARKET_PASSWORD": None}
    first = mm("demo", "--no-serve", env=no_password)
    assert first.code == 0, first.stderr
    assert "S1" in first.stdout and "S2" in first.stdout
    password = first.stdout.split("contraseña ")[1].split()[0]
    db = sqlite3.connect(tmp_path / "data" / "central.db")
    (stored,) = db.execute("select password_hash from users where username='admin'").fetchone()
    from shared.security.passwords import verify_secret

    assert verify_secret(stored, password)
    second = mm("demo", "--no-serve", env=no_password)
    assert second.code == 0 and "contraseña" not in second.stdout
    assert db.execute("select count(*) from products").fetchone() == (24,)


CABA = SHARED_DATA / "sales" / "ar_precios_maximos" / "caba.csv"


@pytest.mark.realdata
@pytest.mark.skipif(not CABA.exists(), reason="the real samples are not beside this clone")
def test_the_real_argentine_catalog_imports(mm, tmp_path):
    mm("central", "migrate")
    args = ["--map", "sku=id_producto", "--map", "ean=id_producto", "--map", "name=Producto",
            "--map", "price=Precio sugerido", "--map", "category=categoria"]
    result = mm("central", "import-products", str(CABA), *args)
    bad = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    db = sqlite3.connect(tmp_path / "data" / "central.db")
    (products,) = db.execute("select count(*) from products").fetchone()
    # every line is a product or a reported bad row
    assert products + len(bad) == 1838
    assert products > 1800
    assert all("barcode" in line or "already on line" in line for line in bad)
    assert db.execute("select count(*) from barcodes").fetchone()[0] == products


def test_add_user_with_a_pin_keeps_only_its_hash_and_refuses_a_bad_one(tmp_path, monkeypatch):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from central import identity
    from central.runtime import open_central
    from shared.db import tables as t
    from shared.db.migrate import upgrade
    from shared.domain.errors import ValidationError
    from shared.security.passwords import verify_secret

    monkeypatch.setenv("MINIMARKET_DATA_DIR", str(tmp_path))
    central = open_central(f"sqlite:///{tmp_path / 'c.db'}", require_schema=False)
    upgrade(central.engine)
    with central.transaction() as (session, recorder):
        identity.add_store(session, recorder, "S1", "Centro")
        identity.add_user(session, recorder, "ana", "contraseña-larga", "cajero", "S1", pin="4821")
        with pytest.raises(ValidationError, match="4 to 8 digits"):
            identity.add_user(session, recorder, "beto", "contraseña-larga", "cajero", "S1",
                              pin="12a4")
    with Session(central.engine) as session:
        user = session.scalars(select(t.User).where(t.User.username == "ana")).one()
        assert user.pin_hash and "4821" not in user.pin_hash
        assert verify_secret(user.pin_hash, "4821") and not verify_secret(user.pin_hash, "4822")
    central.engine.dispose()
