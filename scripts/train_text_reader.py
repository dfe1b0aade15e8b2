"""Train the text reader: a CRNN that reads one cell of printed invoice text (a product
description, a column header, a label, a figure) from a soft, small crop, to ONNX.

The figure reader (``train_figure_reader.py``) reads digits Tesseract cannot; this is
its counterpart for words. On a compact invoice photographed at about 130 dpi, 7 pt
print is 8-10 px tall and blurred, and Tesseract reads a column header
``Cant. Código Producto P. Unitario`` as ``Cam. Coba Prodi P Umrarda``: the page then
has no table. The same rendering and photo degradation as the figure reader is used,
on text from a vocabulary that has nothing to do with the invoice photo generator's
product list: the Spanish word list inside Tesseract's own ``spa.traineddata`` (about
180,000 words, brands and names among them), made-up words of Spanish syllables,
pack sizes and units, the usual labels of an invoice's header and table, and figures.
The pipeline (``shared.ocr.text_reader``) runs the exported model with onnxruntime;
only this script needs PyTorch:

    python -m venv /tmp/train && /tmp/train/bin/pip install torch==2.13.0 numpy pillow \
        opencv-python-headless onnx
    /tmp/train/bin/python scripts/train_text_reader.py --minutes 75

It needs ``tesseract-ocr-spa`` (for the word list: ``combine_tessdata`` and
``dawg2wordlist``), writes ``shared/ocr/models/text.onnx`` and prints the exact-string
accuracy on rendered crops it did not train on.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_figure_reader import build_model, make_set, to_sample, train
from train_figure_reader import random_text as random_figure

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "shared" / "ocr" / "models" / "text.onnx"
#: Index 0 is the CTC blank, so class i + 1 is ALPHABET[i]. Mirrors shared.ocr.text_reader.
ALPHABET = ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "áéíóúüñÁÉÍÓÚÜÑ.,-/$%:()°º#&+*'\" ")
MAX_WIDTH = 800
TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
            "/usr/share/tessdata")

#: Words printed on any Argentine invoice's header, table header and totals: the labels
#: the pipeline looks for, in the spellings billing programs use.
LABELS = (
    "Cant.", "Cantidad", "Cant", "Código", "Cód.", "Cod.", "Código Barras", "Producto",
    "Descripción", "Detalle", "Artículo", "Concepto", "P. Unitario", "Precio Unit.",
    "Precio Unitario", "P. Unit.", "Precio", "Bonif.", "% Bonif", "Bonificación", "Dto.",
    "Desc.", "IVA %", "% IVA", "Alícuota", "Alic. IVA", "Subtotal", "Subtotal c/IVA",
    "Importe", "Imp. Bonif.", "U. medida", "U. Medida", "Unidad", "Total", "Neto",
    "Importe Neto Gravado", "Importe Total", "Importe Otros Tributos", "IVA 21%",
    "IVA 10,5%", "IVA 27%", "CUIT:", "C.U.I.T.:", "CUIT", "Fecha de Emisión:", "Fecha:",
    "Punto de Venta:", "Comp. Nro:", "N°", "Nro.", "Cliente:", "Señor(es):",
    "Razón Social:", "Domicilio:", "Domicilio Comercial:", "Cond. IVA:",
    "Condición frente al IVA:", "IVA Responsable Inscripto", "Responsable Inscripto",
    "Monotributista", "Consumidor Final", "Exento", "Cond. Venta:", "Contado",
    "Cuenta Corriente", "Tarjeta de Débito", "Tarjeta de Crédito", "Transferencia",
    "CAE N°:", "CAE:", "Fecha de Vto. de CAE:", "Vto. CAE:", "Ingresos Brutos:",
    "Inicio de Actividades:", "FACTURA", "NOTA DE CRÉDITO", "NOTA DE DÉBITO", "ORIGINAL",
    "DUPLICADO", "Hoja", "Página", "COD.", "Remito", "Período Facturado", "Desde:",
    "Hasta:", "Vto. para el pago:", "S.A.", "S.R.L.", "SAS", "S.A.S.",
)
UNITS = ("g", "gr", "kg", "Kg", "KG", "ml", "cc", "L", "l", "lt", "Lt", "cm", "m", "un",
         "u", "uni", "unid", "paq", "pack", "caja", "doc", "sobres", "rollos", "m2")
ONSETS = ("", "b", "c", "d", "f", "g", "j", "l", "m", "n", "p", "r", "s", "t", "v", "z",
          "ch", "ll", "rr", "qu", "gu", "br", "cr", "dr", "fr", "gr", "pr", "tr", "bl", "cl",
          "fl", "gl", "pl", "ñ", "h", "y", "k", "w")
VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ia", "ie", "ue", "io", "ua", "á", "é",
          "í", "ó", "ú")
CODAS = ("", "", "", "n", "s", "r", "l", "z", "d", "x", "m", "c")


@cache
def dictionary() -> tuple[str, ...]:
    """The Spanish words of Tesseract's ``spa`` model that this alphabet can spell."""
    traineddata = next((Path(d) / "spa.traineddata" for d in TESSDATA
                        if (Path(d) / "spa.traineddata").is_file()), None)
    if traineddata is None:
        raise SystemExit("spa.traineddata not found: install tesseract-ocr-spa")
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "spa."
        subprocess.run(["combine_tessdata", "-u", str(traineddata), str(prefix)],
                       check=True, capture_output=True)
        listed = Path(tmp) / "words.txt"
        subprocess.run(["dawg2wordlist", f"{prefix}lstm-unicharset", f"{prefix}lstm-word-dawg",
                        str(listed)], check=True, capture_output=True)
        words = listed.read_text(encoding="utf-8").split()
    allowed = set(ALPHABET) - {" "}
    return tuple(w for w in words if 1 < len(w) <= 16 and set(w) <= allowed)


def made_up_word(rng: random.Random) -> str:
    word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                   for _ in range(rng.randint(1, 4)))
    return word or "a"


def _cased(word: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return word[:1].upper() + word[1:]
    if roll < 0.7:
        return word.upper()
    return word


def _size(rng: random.Random) -> str:
    """A pack size as descriptions print it: 500 g, 2,25 L, x 6, 1 kg, 3x100 g."""
    roll = rng.random()
    amount = rng.choice((str(rng.choice((1, 2, 3, 5, 6, 8, 10, 12, 24, 30))),
                         str(rng.randint(1, 999)), f"{rng.randint(1, 9)},{rng.randint(1, 99)}",
                         f"{rng.randint(1, 3)}.{rng.randint(1, 9)}"))
    if roll < 0.55:
        return amount + rng.choice((" ", "", " ")) + rng.choice(UNITS)
    if roll < 0.8:
        return rng.choice(("x ", "x", "X ")) + amount + rng.choice(("", "", " u", " un"))
    if roll < 0.9:
        return f"{rng.randint(2, 12)}x{rng.randint(10, 500)} {rng.choice(UNITS)}"
    return rng.choice(("x kg", "x Kg", "x unidad", "c/u", "s/TACC", "(pack)", "x 100 g"))


def description(rng: random.Random) -> str:
    """A made-up product description: words, a brand, a pack size."""
    words = dictionary()
    parts = []
    for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5))):
        word = rng.choice(words) if rng.random() < 0.8 else made_up_word(rng)
        parts.append(_cased(word.lower() if rng.random() < 0.8 else word, rng))
    if rng.random() < 0.65:
        parts.insert(rng.randint(len(parts) // 2, len(parts)), _size(rng))
    if rng.random() < 0.1:
        parts.insert(0, rng.choice(("-", "*", "#")) + str(rng.randint(1, 99)))
    return " ".join(parts)


def random_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        text = description(rng)
    elif kind < 0.60:
        text = rng.choice(LABELS)
        if rng.random() < 0.3:  # a header's neighbouring cells, or a label and its value
            text += " " + rng.choice((rng.choice(LABELS), random_figure(rng),
                                      _cased(rng.choice(dictionary()), rng)))
    elif kind < 0.80:
        text = random_figure(rng)
    elif kind < 0.93:
        text = " ".join(_cased(rng.choice(dictionary()), rng)
                        for _ in range(rng.randint(1, 5)))
    else:  # anything from the alphabet, so no order of characters is taken for granted
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 16)))
    text = " ".join(text.split())[:48].strip()
    return text or "0"


def sample(seed: int):
    rng = random.Random(seed)
    return to_sample(random_text(rng), rng, MAX_WIDTH)


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--minutes", type=float, default=75.0)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    torch.manual_seed(7)
    started = time.monotonic()
    dictionary()  # once, before the worker processes start
    held_out = make_set(sample, 10_000_000, 3000)
    train_set = make_set(sample, 0, args.samples)
    print(f"{len(dictionary())} words; rendered {len(train_set)} + {len(held_out)} crops in "
          f"{time.monotonic() - started:.0f} s", flush=True)
    model = build_model(len(ALPHABET) + 1, widths=(16, 48, 80, 128), hidden=96)
    train(model, train_set, held_out, alphabet=ALPHABET, minutes=args.minutes,
          output=args.output, started=started)


if __name__ == "__main__":
    main()
