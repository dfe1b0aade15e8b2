import uuid
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from desktop.app.stock_actions import count, move
from shared.domain.barcodes import gtin_check_digit
from shared.domain.enums import MovementKind
from shared.domain.errors import UnknownProduct, ValidationError
from shared.ops.recorder import Recorder, load_replica

STORE = uuid.UUID(int=1)


def ean13(body):
    return body + str(gtin_check_digit(body))


@pytest.fixture
def store(make_engine):
    engine = make_engine("sqlcipher")
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        yerba, queso = uuid.uuid4(), uuid.uuid4()
        recorder.upsert("product", yerba, {"sku": "Y1", "name": "Yerba", "unit": "unidad"})
        recorder.upsert("barcode", uuid.uuid4(), {"code": "7790001000019", "product_id": yerba})
        recorder.upsert("product", queso, {"sku": "Q1", "name": "Queso", "unit": "kg"})
        recorder.upsert("barcode", uuid.uuid4(), {"code": ean13("201234500000"),
                                                  "product_id": queso})

    def act(function, *args, **kwargs):
        with Session(engine) as session, session.begin():
            return function(session, Recorder(session, load_replica(session)), STORE,
                            *args, **kwargs)

    return act


def test_sales_intakes_and_adjustments_move_the_level_with_the_kinds_sign(store):
    assert store(move, "Y1", MovementKind.INTAKE, Decimal(10)).level == 10
    assert store(move, "7790001000019", MovementKind.SALE, Decimal(3)).level == 7
    assert store(move, "Y1", MovementKind.ADJUSTMENT, Decimal(-2), reason="rotura").level == 5
    sold_out = store(move, "Y1", MovementKind.SALE, Decimal(8))
    assert sold_out.level == -3 and sold_out.negative  # recorded, flagged


def test_weighed_goods_take_decimals_and_scale_labels(store):
    assert store(move, "Q1", MovementKind.INTAKE, Decimal("2.5")).level == Decimal("2.500")
    label = ean13("201234500350")  # 350 g of cheese
    result = store(move, label, MovementKind.SALE, None)
    assert result.quantity == Decimal("-0.350") and result.level == Decimal("2.150")


def test_counts_replace_the_level(store):
    store(move, "Y1", MovementKind.INTAKE, Decimal(10))
    assert store(count, "Y1", Decimal(4)).level == 4
    assert store(move, "Y1", MovementKind.SALE, Decimal(1)).level == 3


def test_bad_input_is_refused_with_a_reason(store):
    with pytest.raises(ValidationError, match="by the unit"):
        store(move, "Y1", MovementKind.SALE, Decimal("0.5"))
    with pytest.raises(ValidationError, match="above zero"):
        store(move, "Y1", MovementKind.SALE, Decimal(-1))
    with pytest.raises(ValidationError, match="reason"):
        store(move, "Y1", MovementKind.ADJUSTMENT, Decimal(1))
    with pytest.raises(UnknownProduct):
        store(move, "nope", MovementKind.SALE, Decimal(1))
