import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from shared.domain.barcodes import gtin_check_digit
from shared.domain.errors import UnknownProduct
from shared.ops.recorder import Recorder, load_replica
from shared.services.catalog import find_product, price_on


def ean13(body12):
    return body12 + str(gtin_check_digit(body12))


@pytest.fixture
def catalog(engine):
    session = Session(engine)
    session.begin()
    recorder = Recorder(session, load_replica(session))
    ids = {name: uuid.uuid4() for name in ("yerba", "queso", "pan", "s1", "s2")}
    recorder.upsert("product", ids["yerba"], {"sku": "Y1", "name": "Yerba", "unit": "unidad"})
    recorder.upsert("barcode", uuid.uuid4(), {"code": "7790001000019", "product_id": ids["yerba"]})
    recorder.upsert("product", ids["queso"], {"sku": "Q1", "name": "Queso", "unit": "kg"})
    recorder.upsert("barcode", uuid.uuid4(),
                    {"code": ean13("201234500000"), "product_id": ids["queso"]})
    recorder.upsert("product", ids["pan"], {"sku": "P1", "name": "Pan", "unit": "kg"})
    recorder.upsert("barcode", uuid.uuid4(), {"code": ean13("270777000000"), "product_id": ids["pan"]})
    yield session, recorder, ids
    session.rollback()
    session.close()


def test_a_sku_wins_over_a_barcode_and_barcodes_find_their_product(catalog):
    session, recorder, _ids = catalog
    # a product whose sku looks like another product's barcode
    recorder.upsert("product", uuid.uuid4(), {"sku": "7790001000019", "name": "Otro"})
    assert find_product(session, "7790001000019").product.name == "Otro"
    assert find_product(session, " Y1 ").matched_by == "sku"


def test_weight_and_price_labels_resolve_to_the_product(catalog):
    session, _recorder, ids = catalog
    weighed = find_product(session, ean13("201234501250"))  # 1.250 kg of cheese
    assert (weighed.product.id, weighed.matched_by) == (ids["queso"], "scale")
    assert weighed.weight == Decimal("1.250") and weighed.price is None
    priced = find_product(session, ean13("270777004500"))  # bread worth $4500
    assert priced.product.id == ids["pan"] and priced.price == Decimal("4500")


def test_unknown_codes_and_deleted_products_are_not_found(catalog):
    session, recorder, ids = catalog
    with pytest.raises(UnknownProduct):
        find_product(session, "7790001000026")
    recorder.delete("product", ids["yerba"])
    with pytest.raises(UnknownProduct):
        find_product(session, "7790001000019")


def test_price_on_a_day_follows_dates_and_store_overrides(catalog):
    session, recorder, ids = catalog
    product = ids["yerba"]

    def price(cents, day, store=None):
        recorder.append("price", {"product_id": product, "store_id": store, "price_cents": cents,
                                  "effective_from": day})

    price(100_00, date(2026, 10, 1))
    price(130_00, date(2026, 11, 1))
    price(125_00, date(2026, 11, 1), store=ids["s1"])
    price(150_00, date(2026, 12, 1))
    assert price_on(session, product, ids["s2"], date(2026, 9, 30)) is None
    assert price_on(session, product, ids["s2"], date(2026, 10, 15)) == 100_00
    assert price_on(session, product, ids["s2"], date(2026, 11, 28)) == 130_00
    assert price_on(session, product, ids["s1"], date(2026, 11, 28)) == 125_00
    assert price_on(session, product, ids["s1"], date(2026, 12, 2)) == 150_00
    price(140_00, date(2026, 11, 1))  # a later correction of the same date
    assert price_on(session, product, None, date(2026, 11, 2)) == 140_00
