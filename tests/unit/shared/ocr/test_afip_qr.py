"""AFIP QR payloads (RG 4291) and the old CAE barcode (RG 1702), as billing programs write them."""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.ocr.afip_qr import best_afip, parse_afip_qr, parse_cae_barcode, scan_object
from shared.ocr.model import Code

DATA = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "invoices"
realdata = pytest.mark.skipif(not DATA.is_dir(), reason="real samples not present")

# AFIP's own specification example (CUIT 30000000007 is AFIP's test CUIT).
SPEC = ('{"ver":1,"fecha":"2020-10-13","cuit":30000000007,"ptoVta":10,"tipoCmp":1,"nroCmp":94,'
        '"importe":12100,"moneda":"DOL","ctz":65,"tipoDocRec":80,"nroDocRec":20000000001,'
        '"tipoCodAut":"E","codAut":70417054367476}')
BARCODE_40 = "2016677903101000474011981170709202401153"  # real RG 1702 barcode, 2 + 4 digits
BARCODE_42 = "300000000000010400061123022925855201103208"  # pyafipws sample, 3 + 5 digits


def url(payload: str, *, prefix: str = "https://www.afip.gob.ar/fe/qr/?p=") -> str:
    return prefix + base64.b64encode(payload.encode()).decode()


def assert_spec_fields(qr: object) -> None:
    assert qr is not None
    assert (qr.cuit, qr.afip_code, qr.point_of_sale, qr.number) == ("30000000007", 1, 10, 94)
    assert qr.date == date(2020, 10, 13)
    assert qr.total == Decimal("12100.00") and isinstance(qr.total, Decimal)
    assert (qr.currency, qr.exchange_rate) == ("DOL", Decimal(65))
    assert qr.cae == "70417054367476"
    assert qr.receiver_cuit == "20000000001"
    assert qr.source == "qr"


def test_spec_example_gives_every_field_and_no_problem() -> None:
    qr = parse_afip_qr(url(SPEC))
    assert_spec_fields(qr)
    assert qr is not None and qr.problems == ()


ENCODED = base64.b64encode(SPEC.encode()).decode()


@pytest.mark.parametrize("text", [
    "https://www.arca.gob.ar/fe/qr/?p=" + ENCODED,
    "https://afip.gob.ar/fe/qr/?p=" + ENCODED,
    "https://www.afip.gob.ar/fe/qr?p=" + ENCODED,
    "http://www.afip.gob.ar/fe/qr/?p=" + ENCODED,
    "HTTPS://WWW.AFIP.GOB.AR/fe/qr/?p=" + ENCODED,
    "www.afip.gob.ar/fe/qr/?p=" + ENCODED,
    "https://www.afip.gob.ar/fe/qr/?p=" + ENCODED + "&utm_source=factura",
    "https://www.afip.gob.ar/fe/qr/?x=1&p=" + ENCODED,
    "  https://www.afip.gob.ar/fe/qr/?p=" + ENCODED + "\n",
    "https://www.afip.gob.ar/fe/qr/?p=" + ENCODED.rstrip("="),
    "https://www.afip.gob.ar/fe/qr/?p=" + ENCODED.replace("=", "%3D"),
    "https://www.afip.gob.ar/fe/qr/?p=b'" + ENCODED + "'",
    "https://www.afip.gob.ar/fe/qr/?p=" + base64.urlsafe_b64encode(SPEC.encode()).decode(),
    url(json.dumps(json.loads(SPEC), indent=2)),
    url(json.dumps(json.loads(SPEC), separators=(", ", " : "))),
])
def test_url_variants_all_read_the_same(text: str) -> None:
    assert_spec_fields(parse_afip_qr(text))


def test_url_safe_alphabet_is_really_exercised() -> None:
    # "?>" encodes to characters that differ between the two base64 alphabets
    payload = SPEC[:-1] + ',"obs":"??>>"}'
    safe = base64.urlsafe_b64encode(payload.encode()).decode()
    assert "-" in safe or "_" in safe
    assert_spec_fields(parse_afip_qr("https://www.afip.gob.ar/fe/qr/?p=" + safe))


def test_string_typed_values_and_pretty_printing() -> None:
    payload = ('{\r\n  "ver": "1",\r\n  "fecha": "2023-11-02",\r\n  "cuit": 30715294415,\r\n'
               '  "ptoVta": 3,\r\n  "tipoCmp": 1,\r\n  "nroCmp": 1035,\r\n  "importe": "10999.98",'
               '\r\n  "moneda": "PES",\r\n  "ctz": "1.00",\r\n  "tipoDocRec": 80,\r\n'
               '  "nroDocRec": 30717336905,\r\n  "tipoCodAut": "E",\r\n'
               '  "codAut": "73445678645164"\r\n}')
    qr = parse_afip_qr(url(payload))
    assert qr is not None and qr.problems == ()
    assert (qr.cuit, qr.number, qr.total, qr.cae) == (
        "30715294415", 1035, Decimal("10999.98"), "73445678645164")
    assert qr.exchange_rate == 1


def test_zero_padded_strings_are_read_but_padded_amounts_are_not_guessed() -> None:
    payload = ('{"ver":1,"fecha":"2020-11-15","cuit":"27285051466","ptoVta":"00003",'
               '"tipoCmp":11,"nroCmp":"00000249","importe":"000000000000100","moneda":"PES",'
               '"ctz":"0000000000001000000","tipoDocRec":99,"nroDocRec":"0",'
               '"tipoCodAut":"E","codAut":"70466899597091"}')
    qr = parse_afip_qr(url(payload))
    assert qr is not None
    assert (qr.cuit, qr.afip_code, qr.point_of_sale, qr.number) == ("27285051466", 11, 3, 249)
    assert qr.total is None and qr.exchange_rate is None  # 100 or 1.00? not ours to guess
    assert any(p.startswith("importe:") for p in qr.problems)
    assert qr.receiver_cuit is None  # tipoDocRec 99: a final consumer, no CUIT
    assert not any("nroDocRec" in p for p in qr.problems)


def test_invalid_json_leading_zero_and_day_first_date() -> None:
    payload = ('{"ver":1,"fecha":"14/02/2023","cuit":30517583231,"ptoVta":5,"tipoCmp":01,'
               '"nroCmp":11643,"importe":77300.00,"moneda":"PES","ctz":1,"tipoDocRec":80,'
               '"nroDocRec":30500017704,"tipoCodAut":"E","codAut":73067982787377}')
    with pytest.raises(json.JSONDecodeError):
        json.loads(payload)
    qr = parse_afip_qr(url(payload))
    assert qr is not None and qr.problems == ()
    assert (qr.afip_code, qr.date, qr.total) == (1, date(2023, 2, 14), Decimal("77300.00"))


def test_missing_date_is_none_with_a_reason() -> None:
    payload = SPEC.replace('"fecha":"2020-10-13",', "")
    qr = parse_afip_qr(url(payload))
    assert qr is not None and qr.date is None
    assert qr.problems == ("payload lacks fecha",)
    assert qr.number == 94


def test_payload_cut_inside_the_qr_keeps_every_complete_pair() -> None:
    cut = ('{"ver" :1, "fecha" :"2023-11-07", "cuit" :30708910003, "ptoVta" :107, '
           '"tipoCmp" :1, "nroCmp" :305, "importe" :125602.40, "moneda" :"PES", "ctz" :1.00, '
           '"tipoDocRec" :8')
    qr = parse_afip_qr(url(cut))
    assert qr is not None
    assert (qr.cuit, qr.point_of_sale, qr.number) == ("30708910003", 107, 305)
    assert qr.total == Decimal("125602.40") and qr.exchange_rate == 1
    assert qr.cae is None and qr.receiver_cuit is None  # "8" may have been "80": dropped
    assert qr.problems[0].startswith("payload cut off inside the QR")


def test_a_number_cut_at_the_end_is_dropped_but_a_closed_string_is_kept() -> None:
    assert "nroCmp" not in scan_object('{"moneda":"PES","nroCmp":123').members
    scanned = scan_object('{"nroCmp":123,"moneda":"PES"')
    assert scanned.cut_off
    assert scanned.members["moneda"].text == "PES"
    assert "fecha" not in scan_object('{"nroCmp":1,"fecha":"2023-1').members


def test_base64_cut_mid_group_still_decodes_what_it_holds() -> None:
    full = base64.b64encode(SPEC.encode()).decode()
    for cut in range(len(full) - 40, len(full)):
        qr = parse_afip_qr("https://www.afip.gob.ar/fe/qr/?p=" + full[:cut])
        assert qr is not None
        assert (qr.cuit, qr.number, qr.total) == ("30000000007", 94, Decimal("12100.00"))


@pytest.mark.parametrize(("old", "new", "field", "reason"), [
    ('"cuit":30000000007', '"cuit":30000000008', "cuit", "check digit"),
    ('"tipoCmp":1', '"tipoCmp":99', "afip_code", "99"),
    ('"ptoVta":10', '"ptoVta":0', "point_of_sale", "point of sale"),
    ('"nroCmp":94', '"nroCmp":123456789', "number", "number"),
    ('"fecha":"2020-10-13"', '"fecha":"2020-02-30"', "date", "not a date"),
    ('"importe":12100', '"importe":12100.005', "total", "two decimals"),
    ('"importe":12100', '"importe":-5', "total", "out of range"),
    ('"importe":12100', '"importe":"doce mil"', "total", "not a number"),
    ('"moneda":"DOL"', '"moneda":"dollars"', "currency", "currency code"),
    ('"codAut":70417054367476', '"codAut":7041705436747', "cae", "14 digits"),
    ('"nroDocRec":20000000001', '"nroDocRec":20000000002', "receiver_cuit", "check digit"),
])
def test_an_invalid_field_becomes_none_with_a_reason(
        old: str, new: str, field: str, reason: str) -> None:
    assert old in SPEC
    qr = parse_afip_qr(url(SPEC.replace(old, new)))
    assert qr is not None
    assert getattr(qr, field) is None
    assert any(reason in problem for problem in qr.problems), qr.problems
    assert qr.number == 94 or field == "number"  # the other fields survive


def test_pesos_with_an_exchange_rate_other_than_one_is_refused() -> None:
    qr = parse_afip_qr(url(SPEC.replace('"DOL"', '"PES"')))
    assert qr is not None and qr.currency == "PES" and qr.exchange_rate is None
    assert any(p.startswith("ctz:") for p in qr.problems)


def test_authorization_kind_is_checked_but_caea_is_accepted() -> None:
    assert parse_afip_qr(url(SPEC.replace('"E"', '"A"'))).problems == ()  # type: ignore[union-attr]
    qr = parse_afip_qr(url(SPEC.replace('"E"', '"X"')))
    assert qr is not None and any("tipoCodAut" in p for p in qr.problems)


@pytest.mark.parametrize("text", [
    "http://www.deherramientas.com/",
    "https://example.com/fe/qr/?p=" + ENCODED,
    "https://www.afip.gob.ar.example.com/fe/qr/?p=" + ENCODED,
    "https://www.afip.gob.ar/sitio/externos/?p=" + ENCODED,
    "https://www.afip.gob.ar/fe/qr/?q=" + ENCODED,
    "7790001234567",
    "",
])
def test_what_is_not_an_afip_invoice_qr_gives_none(text: str) -> None:
    assert parse_afip_qr(text) is None


@pytest.mark.parametrize("p", ["", "%%%", "!!!!", base64.b64encode(b"hello").decode(),
                               base64.b64encode(b"\xff\xfe[1,2]").decode()])
def test_an_afip_qr_with_an_unreadable_payload_says_why(p: str) -> None:
    qr = parse_afip_qr("https://www.afip.gob.ar/fe/qr/?p=" + p)
    assert qr is not None
    assert (qr.cuit, qr.number, qr.total, qr.cae) == (None, None, None, None)
    assert qr.problems


# --- the tolerant scanner ------------------------------------------------------------


@given(st.text())
def test_scanner_never_raises(text: str) -> None:
    scan_object(text)
    scan_object("{" + text)


@given(st.text(alphabet=st.characters(codec="ascii")))
@settings(max_examples=300)
def test_parser_never_raises_on_any_payload(text: str) -> None:
    encoded = base64.b64encode(text.encode()).decode()
    parse_afip_qr("https://www.afip.gob.ar/fe/qr/?p=" + encoded)
    parse_afip_qr("https://www.afip.gob.ar/fe/qr/?p=" + text)
    parse_cae_barcode(text)


@given(st.integers(min_value=1, max_value=len(SPEC)))
def test_a_cut_never_gives_a_wrong_value(cut: int) -> None:
    """Whatever survives a cut equals the value in the whole payload."""
    whole = parse_afip_qr(url(SPEC))
    part = parse_afip_qr(url(SPEC[:cut]))
    assert whole is not None and part is not None
    for name in ("cuit", "afip_code", "point_of_sale", "number", "date", "total", "currency",
                 "exchange_rate", "cae", "receiver_cuit"):
        value = getattr(part, name)
        assert value is None or value == getattr(whole, name), name


def test_scanner_keeps_raw_number_text_for_exact_decimals() -> None:
    members = scan_object('{"importe":622436.27, \'ctz\': 1.000000, "x": [1, {"y": 2}], }').members
    assert members["importe"].text == "622436.27" and members["importe"].kind == "number"
    assert members["ctz"].text == "1.000000"
    assert members["x"].kind == "nested"


# --- the RG 1702 barcode ---------------------------------------------------------------


def test_cae_barcode_40_digits() -> None:
    qr = parse_cae_barcode(BARCODE_40)
    assert qr is not None and qr.source == "barcode" and qr.problems == ()
    assert (qr.cuit, qr.afip_code, qr.point_of_sale, qr.cae) == (
        "20166779031", 1, 4, "74011981170709")
    assert qr.date is None  # the barcode's date is the CAE due date, not the invoice's


def test_cae_barcode_42_digits_has_wider_type_and_point_of_sale() -> None:
    qr = parse_cae_barcode(BARCODE_42)
    assert qr is not None
    assert (qr.afip_code, qr.point_of_sale, qr.cae) == (1, 4000, "61123022925855")
    assert qr.cuit is None and any("check digit" in p for p in qr.problems)  # 30000000000


@pytest.mark.parametrize("text", [
    BARCODE_40[:-1] + "4",  # wrong check digit
    BARCODE_40[:-1],  # 39 digits
    BARCODE_40 + "0",  # 41 digits
    BARCODE_40.replace("2", "x", 1),
    "2016677903101000474011981170709202413323",  # due month 13, check digit right
    "",
])
def test_cae_barcode_refuses_anything_else(text: str) -> None:
    assert parse_cae_barcode(text) is None


# --- picking the page's AFIP data ----------------------------------------------------------


def test_best_afip_prefers_the_qr_and_ignores_other_codes() -> None:
    codes = [Code("QRCode", "http://www.deherramientas.com/"), Code("ITF", BARCODE_40),
             Code("EAN13", "7790001234567"), Code("QRCode", url(SPEC))]
    best = best_afip(codes)
    assert best is not None and best.source == "qr" and best.number == 94


def test_best_afip_falls_back_to_the_barcode_then_none() -> None:
    assert best_afip([Code("ITF", BARCODE_40)]).source == "barcode"  # type: ignore[union-attr]
    broken = Code("QRCode", "https://www.afip.gob.ar/fe/qr/?p=!!!")
    assert best_afip([broken, Code("ITF", BARCODE_40)]).source == "barcode"  # type: ignore[union-attr]
    assert best_afip([broken]).problems  # type: ignore[union-attr]
    assert best_afip([Code("QRCode", "https://example.com")]) is None
    assert best_afip([]) is None


def test_best_afip_takes_the_fullest_of_several_qrs() -> None:
    cut = Code("QRCode", url(SPEC[:120]))
    whole = Code("QRCode", url(SPEC))
    assert best_afip([cut, whole]).cae == "70417054367476"  # type: ignore[union-attr]


# --- real payloads -----------------------------------------------------------------------


def _expected_fields(payload: dict) -> dict:
    """What the reader must give for a payload parsed upstream (json-repair'd when cut)."""
    fecha = payload.get("fecha")
    if fecha and "/" in fecha:
        day, month, year = fecha.split("/")
        fecha = f"{year}-{month}-{day}"
    return {
        "cuit": str(payload["cuit"]), "afip_code": int(payload["tipoCmp"]),
        "point_of_sale": int(payload["ptoVta"]), "number": int(payload["nroCmp"]),
        "total": Decimal(str(payload["importe"])),
        "date": date.fromisoformat(fecha) if fecha else None,
        "cae": str(payload["codAut"]) if "codAut" in payload else None,
    }


def _actual_fields(qr: object) -> dict:
    return {name: getattr(qr, name) for name in
            ("cuit", "afip_code", "point_of_sale", "number", "total", "date", "cae")}


@pytest.mark.realdata
@realdata
def test_every_real_qr_text_zbar_read_parses_to_the_expected_fields() -> None:
    folder = DATA / "afipcaeqrdecode"
    expected = json.loads((folder / "expected_qr_payloads.json").read_text())["expected"]
    results = json.loads((folder / "zbar_decode_results.json").read_text())["results"]
    checked = 0
    for name, result in results.items():
        for symbol in result["symbols"]:
            qr = parse_afip_qr(symbol["data"])
            if symbol["type"] != "QR-Code":
                assert qr is None
                assert parse_cae_barcode(symbol["data"]) is not None, name
                continue
            if "afip.gob.ar" not in symbol["data"]:
                assert qr is None, name  # the shop's own web address
                continue
            assert qr is not None, name
            assert _actual_fields(qr) == _expected_fields(expected[name]["parsed"]), name
            checked += 1
    assert checked >= 30


@pytest.mark.realdata
@realdata
def test_public_url_examples_parse_like_their_decoded_payload() -> None:
    examples = json.loads((DATA / "afip_qr_payload_examples.json").read_text())["examples"]
    for example in examples:
        qr = parse_afip_qr(example["url"])
        assert qr is not None, example["url"]
        raw = example["decoded_p"]
        payload = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
        assert qr.cuit == str(payload["cuit"])
        assert qr.number == int(payload["nroCmp"])
        assert qr.cae == str(payload["codAut"])
        assert qr.afip_code == int(payload["tipoCmp"])
        if not str(payload["importe"]).startswith("0"):
            assert qr.total == Decimal(str(payload["importe"]))
