"""Train the figure reader: a small CRNN that reads one printed figure (an amount, a
CUIT, a CAE, a date, a document number) from a soft, small crop, exported to ONNX.

Tesseract reads invoice text well down to about 12 px capitals; below that, with the
blur and JPEG of a webcam photo, its digits turn into noise. This model is trained only
on figures, rendered in the usual free fonts (regular and bold, sans, serif and mono)
at 6-22 px capitals and degraded the way photos are (blur, motion, defocus, noise, JPEG,
uneven contrast, table rules at the edges), so it reads what Tesseract cannot. The
pipeline (``shared.ocr.figure_reader``) runs the exported model with onnxruntime; this
script is the only place that needs PyTorch, and only to re-train:

    python -m venv /tmp/train && /tmp/train/bin/pip install torch==2.13.0 numpy pillow \
        opencv-python-headless onnx
    /tmp/train/bin/python scripts/train_figure_reader.py --minutes 25

It writes ``shared/ocr/models/figures.onnx`` (about 1 MB) and prints the exact-string
accuracy on rendered crops it did not train on.
"""

from __future__ import annotations

import argparse
import io
import math
import random
import time
from functools import cache
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "shared" / "ocr" / "models" / "figures.onnx"
ALPHABET = "0123456789.,-/$% "  # index 0 is the CTC blank, so class i + 1 is ALPHABET[i]
HEIGHT = 32
MAX_WIDTH = 448
FONT_FILES = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansCondensed.ttf",
    "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationSerif-Regular.ttf",
    "LiberationSerif-Bold.ttf", "LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf",
    "LiberationSansNarrow-Regular.ttf",
    "FreeSans.ttf", "FreeSansBold.ttf", "FreeSerif.ttf", "FreeSerifBold.ttf", "FreeMono.ttf",
)


@cache
def font_paths() -> list[Path]:
    found = {p.name: p for p in Path("/usr/share/fonts").rglob("*.ttf")}
    paths = [found[name] for name in FONT_FILES if name in found]
    if not paths:
        raise SystemExit("no fonts found: install fonts-dejavu-core fonts-liberation "
                         "fonts-freefont-ttf")
    return paths


# --- what is printed ---------------------------------------------------------------------


def _grouped(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def random_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.38:  # an amount, 1.234,56 (sometimes with $, sometimes 1,234.56)
        whole = str(int(10 ** rng.uniform(0, 7.3)))
        cents = f"{rng.randrange(100):02d}"
        thousands, decimal = (".", ",") if rng.random() < 0.85 else (",", ".")
        text = (_grouped(whole, thousands) if rng.random() < 0.8 else whole) + decimal + cents
        if rng.random() < 0.15:
            text = rng.choice(("$ ", "$")) + text
        if rng.random() < 0.03:
            text = "-" + text
        return text
    if kind < 0.50:  # a CUIT
        digits = rng.choice(("20", "23", "27", "30", "33", "34")) + "".join(
            rng.choice("0123456789") for _ in range(9))
        return f"{digits[:2]}-{digits[2:10]}-{digits[10]}" if rng.random() < 0.5 else digits
    if kind < 0.58:  # a CAE
        return "7" + "".join(rng.choice("0123456789") for _ in range(13)) \
            if rng.random() < 0.5 else "".join(rng.choice("0123456789") for _ in range(14))
    if kind < 0.66:  # a date
        return f"{rng.randint(1, 31):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2030)}"
    if kind < 0.74:  # a point of sale and number
        pos = f"{rng.randint(1, 99):0{rng.choice((4, 5))}d}"
        number = f"{rng.randint(1, 999999):08d}"
        return pos + rng.choice(("-", " - ", "-")) + number
    if kind < 0.84:  # a quantity or a percentage
        value = rng.choice((str(rng.randint(1, 120)),
                            f"{rng.randint(1, 99)},{rng.randrange(1000):03d}",
                            f"{rng.randint(1, 120)},00",
                            f"{rng.randint(1, 999)},{rng.randrange(100):02d}"))
        if rng.random() < 0.3:
            value = rng.choice(("21", "10,5", "27", "21,00", "10,50", "0,00")) + "%"
        return value
    if kind < 0.92:  # a plain number or a code
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 13)))
    # anything from the alphabet, so no order of characters is taken for granted
    return "".join(rng.choice("0123456789.,-/") for _ in range(rng.randint(2, 12))).strip() or "0"


# --- how it is printed and photographed ---------------------------------------------------


def render(text: str, font_path: Path, rng: random.Random) -> tuple[np.ndarray, tuple]:
    """Dark text on light paper at 64 px, with paper around it (uint8 gray), and the
    text's ink box (top, bottom, left, right)."""
    font = ImageFont.truetype(str(font_path), 64)
    left, top, right, bottom = font.getbbox(text)
    pad = 40
    canvas = Image.new("L", (right - left + 2 * pad + 80, bottom - top + 2 * pad), 255)
    draw = ImageDraw.Draw(canvas)
    ink = rng.randint(0, 90)
    draw.text((pad + 40 - left, pad - top), text, font=font, fill=ink)
    art = np.array(canvas)
    ys, xs = np.nonzero(art < 200)
    box = (ys.min(), ys.max() + 1, xs.min(), xs.max() + 1)
    # the neighbours a crop catches: a rule above or below, a cell border, a stray mark
    if rng.random() < 0.25:
        y = rng.choice((rng.randint(0, pad // 2), art.shape[0] - rng.randint(1, pad // 2)))
        cv2.line(art, (0, y), (art.shape[1], y), rng.randint(60, 200), rng.randint(2, 5))
    if rng.random() < 0.1:
        x = rng.choice((rng.randint(0, 30), art.shape[1] - rng.randint(1, 30)))
        cv2.line(art, (x, 0), (x, art.shape[0]), rng.randint(60, 200), rng.randint(2, 5))
    return art, box


def crop_around_ink(art: np.ndarray, box: tuple, rng: random.Random) -> np.ndarray:
    top, bottom, left, right = box
    height = bottom - top
    grow = lambda low, high: int(height * rng.uniform(low, high))  # noqa: E731
    top = max(0, top - grow(0.1, 0.45))
    bottom = min(art.shape[0], bottom + grow(0.1, 0.45))
    left = max(0, left - grow(0.0, 0.7))
    right = min(art.shape[1], right + grow(0.0, 0.7))
    return art[top:bottom, left:right]


def photograph(art: np.ndarray, rng: random.Random) -> np.ndarray:
    """The crop as a webcam sees it: small, soft, noisy, compressed, then enlarged."""
    cap = rng.uniform(6.0, 22.0)  # capital height in the photo, px
    scale = cap / 46.0  # a 64 px font has ~46 px capitals
    small = cv2.resize(art, None, fx=scale, fy=scale * rng.uniform(0.9, 1.1),
                       interpolation=cv2.INTER_AREA).astype(np.float32)
    blur = rng.uniform(0.0, 1.4) * min(1.0, cap / 9)
    if blur > 0.1:
        small = cv2.GaussianBlur(small, (0, 0), blur)
    if rng.random() < 0.2:  # the hand moved
        length = rng.randint(2, 4)
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        rotation = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5),
                                           rng.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, rotation, (length, length))
        small = cv2.filter2D(small, -1, kernel / max(kernel.sum(), 1e-6))
    contrast = rng.uniform(0.45, 1.0)
    small = (small - 128) * contrast + 128 + rng.uniform(-35, 25)
    small += np.random.default_rng(rng.randrange(2**32)).normal(
        0, rng.uniform(0, 12), small.shape).astype(np.float32)
    small = np.clip(small, 0, 255).astype(np.uint8)
    if rng.random() < 0.8:
        _, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(45, 92)])
        small = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    enlarge = rng.uniform(1.0, 2.2)
    return cv2.resize(small, None, fx=enlarge, fy=enlarge,
                      interpolation=rng.choice((cv2.INTER_LINEAR, cv2.INTER_CUBIC)))


def to_input(crop: np.ndarray, max_width: int = MAX_WIDTH) -> np.ndarray:
    """The model's input: height 32, width by aspect (at most ``max_width``), 0..1 floats,
    dark ink high. Mirrors ``shared.ocr.figure_reader.model_input``."""
    h, w = crop.shape[:2]
    width = max(8, min(max_width, round(w * HEIGHT / h)))
    resized = cv2.resize(crop, (width, HEIGHT), interpolation=cv2.INTER_AREA if h > HEIGHT
                         else cv2.INTER_LINEAR).astype(np.float32)
    low, high = np.percentile(resized, 2), np.percentile(resized, 98)
    return np.clip((high - resized) / max(high - low, 16.0), 0, 1)


def to_sample(text: str, rng: random.Random, max_width: int = MAX_WIDTH
              ) -> tuple[np.ndarray, str]:
    """``text`` rendered in a random font, photographed, and made a model input."""
    art = crop_around_ink(*render(text, rng.choice(font_paths()), rng), rng)
    return to_input(photograph(art, rng), max_width).astype(np.float16), text


def sample(seed: int) -> tuple[np.ndarray, str]:
    rng = random.Random(seed)
    return to_sample(random_text(rng), rng)


def make_set(maker, first_seed: int, count: int) -> list[tuple[np.ndarray, str]]:
    """``count`` samples ``maker(seed)`` for consecutive seeds, on two processes."""
    with Pool(2) as pool:
        return pool.map(maker, range(first_seed, first_seed + count), chunksize=256)


# --- the model ---------------------------------------------------------------------------


def build_model(classes: int = len(ALPHABET) + 1,
                widths: tuple[int, ...] = (16, 48, 80, 128), hidden: int = 96):
    """A CRNN: five 3x3 convolutions (``widths``: the first, second, the two middle
    and the last), a bidirectional LSTM of ``hidden`` units, ``classes`` outputs
    (the CTC blank first). Torch is imported here only."""
    import torch
    from torch import nn

    def block(cin: int, cout: int) -> list:
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    first, second, middle, last = widths

    class Reader(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                *block(1, first), nn.MaxPool2d(2),                  # 16 x W/2
                *block(first, second), nn.MaxPool2d(2),             # 8 x W/4
                *block(second, middle), *block(middle, middle), nn.MaxPool2d((2, 1)),
                *block(middle, last), nn.MaxPool2d((2, 1)),         # 2 x W/4
                nn.Conv2d(last, last, (2, 1)), nn.ReLU(),           # 1 x W/4
            )
            self.rnn = nn.LSTM(last, hidden, bidirectional=True, batch_first=True)
            self.out = nn.Linear(2 * hidden, classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, 1, 32, W) -> (N, T, C)
            f = self.features(x).squeeze(2).permute(0, 2, 1)
            f, _ = self.rnn(f)
            return self.out(f).log_softmax(-1)

    return Reader()


def batches(data: list, size: int, rng: random.Random) -> list[list[int]]:
    order = sorted(range(len(data)), key=lambda i: data[i][0].shape[1])
    chunks = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(chunks)
    return chunks


def collate(data: list, indices: list[int], alphabet: str = ALPHABET):
    import torch

    width = max(data[i][0].shape[1] for i in indices)
    width = (width + 3) // 4 * 4
    x = np.zeros((len(indices), 1, HEIGHT, width), np.float32)
    targets, lengths = [], []
    for row, i in enumerate(indices):
        image, text = data[i]
        x[row, 0, :, :image.shape[1]] = image
        targets.extend(alphabet.index(c) + 1 for c in text)
        lengths.append(len(text))
    return (torch.from_numpy(x), torch.tensor(targets, dtype=torch.long),
            torch.tensor(lengths, dtype=torch.long))


def greedy(log_probs: np.ndarray, alphabet: str = ALPHABET) -> str:
    best = log_probs.argmax(-1)
    chars, previous = [], 0
    for k in best:
        if k != previous and k != 0:
            chars.append(alphabet[k - 1])
        previous = k
    return "".join(chars)


def accuracy(model, data: list, alphabet: str = ALPHABET) -> float:
    import torch

    model.eval()
    right = 0
    with torch.no_grad():
        for chunk in batches(data, 128, random.Random(0)):
            x, _, _ = collate(data, chunk, alphabet)
            out = model(x).numpy()
            for row, i in enumerate(chunk):
                right += greedy(out[row], alphabet) == data[i][1]
    model.train()
    return right / len(data)


def train(model, train_set: list, held_out: list, *, alphabet: str, minutes: float,
          output: Path, started: float) -> None:
    """Train ``model`` with CTC until ``minutes`` after ``started`` (the learning rate
    decays with the time left), printing the held-out exact accuracy after each epoch,
    and export it to ONNX at ``output``."""
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    ctc = torch.nn.CTCLoss(zero_infinity=True)
    deadline = started + minutes * 60
    rng = random.Random(1)
    epoch = 0
    steps_per_epoch = math.ceil(len(train_set) / 64)
    while time.monotonic() < deadline:
        epoch += 1
        total, step = 0.0, 0
        for chunk in batches(train_set, 64, rng):
            step += 1
            left = max(0.0, (deadline - time.monotonic()) / (minutes * 60))
            for group in optimizer.param_groups:  # decay with the time left
                group["lr"] = 2e-3 * max(0.03, left)
            x, targets, lengths = collate(train_set, chunk, alphabet)
            out = model(x).permute(1, 0, 2)
            frames = torch.full((len(chunk),), out.shape[0], dtype=torch.long)
            loss = ctc(out, targets, frames, lengths)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            total += float(loss.detach())
            if step % 800 == 0:
                print(f"  step {step}: loss {total / step:.3f}, "
                      f"{time.monotonic() - started:.0f} s", flush=True)
                export(model, output)
            if time.monotonic() > deadline:
                break
        print(f"epoch {epoch}: loss {total / max(step, 1):.3f}, held-out exact "
              f"{accuracy(model, held_out, alphabet):.3f}, {time.monotonic() - started:.0f} s "
              f"({step}/{steps_per_epoch} steps)", flush=True)
        export(model, output)  # after every epoch, so a stopped run leaves a model
    export(model, output)
    print(f"wrote {output.name} ({output.stat().st_size // 1024} KiB); "
          f"held-out exact {accuracy(model, held_out, alphabet):.3f}")


def export(model, output: Path) -> None:
    """``model`` in ONNX at ``output``: input ``image`` (N, 1, 32, W), output
    ``log_probs`` (N, W/4, classes)."""
    import torch

    model.eval()
    output.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, 1, HEIGHT, 128)
    buffer = io.BytesIO()
    torch.onnx.export(model, (example,), buffer, input_names=["image"], output_names=["log_probs"],
                      dynamic_axes={"image": {0: "batch", 3: "width"},
                                    "log_probs": {0: "batch", 1: "frames"}},
                      opset_version=17, dynamo=False)
    output.write_bytes(buffer.getvalue())
    model.train()


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=160_000)
    parser.add_argument("--minutes", type=float, default=25.0)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    torch.manual_seed(7)
    started = time.monotonic()
    held_out = make_set(sample, 10_000_000, 3000)
    train_set = make_set(sample, 0, args.samples)
    print(f"rendered {len(train_set)} + {len(held_out)} crops in "
          f"{time.monotonic() - started:.0f} s", flush=True)
    train(build_model(), train_set, held_out, alphabet=ALPHABET, minutes=args.minutes,
          output=args.output, started=started)


if __name__ == "__main__":
    main()
