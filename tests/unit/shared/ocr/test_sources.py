"""Invoice files into page images, and a clear reason for every file that is not one."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from shared.domain.errors import ValidationError
from shared.ocr.document import UnreadableImage
from shared.ocr.sources import MAX_FILE_BYTES, file_kind, load_image_bytes, load_pages


def sample_image(width: int = 300, height: int = 200) -> np.ndarray:
    """BGR: white, with a red block at the top left and a black bar at the bottom."""
    image = np.full((height, width, 3), 255, np.uint8)
    image[10:60, 10:90] = (0, 0, 255)
    image[height - 30:height - 10, :] = 0
    return image


def encoded(image: np.ndarray, extension: str) -> bytes:
    ok, buffer = cv2.imencode(extension, image)
    assert ok
    return buffer.tobytes()


def two_page_pdf() -> bytes:
    first = Image.new("RGB", (850, 1100), "white")
    first.paste((255, 0, 0), (50, 50, 250, 150))  # red, in RGB
    second = Image.new("RGB", (1100, 850), "white")  # a landscape page
    buffer = io.BytesIO()
    first.save(buffer, "PDF", resolution=100, save_all=True, append_images=[second])
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small valid PNG whose header says it is ``width`` x ``height``."""
    data = bytearray(encoded(sample_image(), ".png"))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


# --- what loads ------------------------------------------------------------------------

def test_a_two_page_pdf_gives_two_pages_rendered_at_the_dpi(tmp_path):
    path = tmp_path / "factura.pdf"
    path.write_bytes(two_page_pdf())
    pages = load_pages(path, dpi=200)
    assert len(pages) == 2
    assert pages[0].shape == (2200, 1700, 3)  # 8.5 x 11 inches at 200 dpi
    assert pages[1].shape == (1700, 2200, 3)
    assert pages[0].dtype == np.uint8
    blue, green, red = pages[0][200, 300]  # inside the red block: BGR order
    assert red > 200 and blue < 60 and green < 60
    assert len(load_pages(path, dpi=100, max_pages=1)) == 1
    assert load_pages(path, dpi=100)[0].shape == (1100, 850, 3)


@pytest.mark.parametrize("extension", [".jpg", ".png", ".webp", ".tiff", ".bmp"])
def test_every_image_format_loads_as_bgr(tmp_path, extension):
    path = tmp_path / f"foto{extension}"
    path.write_bytes(encoded(sample_image(), extension))
    (page,) = load_pages(path)
    assert page.shape == (200, 300, 3) and page.dtype == np.uint8
    blue, green, red = page[30, 40].astype(int)
    assert red > 200 and blue < 60 and green < 60


def test_grey_16_bit_and_transparent_pngs_come_out_as_8_bit_bgr():
    grey = cv2.cvtColor(sample_image(), cv2.COLOR_BGR2GRAY)
    deep = sample_image().astype(np.uint16) * 257
    clear = np.dstack([sample_image(), np.zeros((200, 300), np.uint8)])
    clear[150:, :, 3] = 255  # only the black bar is opaque
    for image in (grey, deep, clear):
        (page,) = load_image_bytes(encoded(image, ".png"), "scan.png")
        assert page.shape == (200, 300, 3) and page.dtype == np.uint8
    (page,) = load_image_bytes(encoded(clear, ".png"), "scan.png")
    assert page[30, 40].tolist() == [255, 255, 255]  # transparent is paper, not black
    assert page[180, 40].tolist() == [0, 0, 0]


def test_a_multi_page_tiff_gives_its_pages():
    frames = [Image.fromarray(cv2.cvtColor(sample_image(), cv2.COLOR_BGR2RGB)),
              Image.new("RGB", (300, 200), "gray"), Image.new("RGB", (300, 200), "white")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    assert len(load_image_bytes(buffer.getvalue(), "scan.tiff")) == 3
    assert len(load_image_bytes(buffer.getvalue(), "scan.tiff", max_pages=2)) == 2


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_phone_photo_is_turned_upright_by_its_exif_orientation(orientation):
    rgb = np.zeros((120, 200, 3), np.uint8)
    rgb[:40, :60] = (255, 255, 255)  # a white block marks the top-left corner
    rgb[80:, 150:] = (0, 0, 255)
    picture = Image.fromarray(rgb)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    expected = cv2.cvtColor(np.asarray(ImageOps.exif_transpose(Image.open(buffer))),
                            cv2.COLOR_RGB2BGR)
    (page,) = load_image_bytes(buffer.getvalue(), "IMG_0001.jpg")
    assert page.shape == expected.shape
    assert np.abs(page.astype(int) - expected.astype(int)).mean() < 3


def test_the_kind_of_file_is_told_by_its_contents_not_its_name(tmp_path):
    path = tmp_path / "factura.jpg"  # a PNG named .jpg
    path.write_bytes(encoded(sample_image(), ".png"))
    assert len(load_pages(path)) == 1
    assert file_kind(two_page_pdf()) == "pdf"


# --- what does not ---------------------------------------------------------------------

def refused(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(UnreadableImage, match=reason) as raised:
        load_image_bytes(data, name)
    assert isinstance(raised.value, ValidationError)
    assert name in str(raised.value)


def test_a_truncated_jpeg_is_reported_as_damaged():
    data = encoded(sample_image(640, 480), ".jpg")
    refused(data[: len(data) // 2], "foto.jpg", "damaged or cut short")


def test_a_truncated_png_is_reported_as_damaged():
    data = encoded(sample_image(640, 480), ".png")
    refused(data[: len(data) - 200], "foto.png", "damaged or cut short")


def test_an_empty_file_is_reported_as_empty(tmp_path):
    path = tmp_path / "vacio.jpg"
    path.write_bytes(b"")
    with pytest.raises(UnreadableImage, match="empty"):
        load_pages(path)
    refused(b"", "vacio.jpg", "empty")


def test_a_text_file_renamed_jpg_is_reported_as_text(tmp_path):
    path = tmp_path / "factura.jpg"
    path.write_text("Factura B 0003-00001475\nTotal: $ 44.000,00\n", encoding="utf-8")
    with pytest.raises(UnreadableImage, match="holds text, not an image"):
        load_pages(path)


def test_unknown_binaries_heic_and_gif_say_what_is_supported():
    refused(bytes(range(256)) * 4, "datos.bin", "not an image or PDF")
    refused(b"\x00\x00\x00\x18ftypheic" + bytes(64), "IMG_0002.HEIC", "HEIC")
    refused(b"GIF89a" + bytes(64), "logo.gif", "GIF")


@pytest.mark.parametrize(("width", "height"), [(10_000, 10_000), (30_000, 30_000)])
def test_an_image_whose_header_is_huge_is_refused_before_decoding(width, height):
    refused(png_claiming(width, height), "enorme.png", "too large")


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "grande.jpg"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(UnreadableImage, match="too large"):
        load_pages(path)
    refused(b"\xff\xd8\xff" + bytes(MAX_FILE_BYTES), "grande.jpg", "too large")


def test_a_damaged_pdf_is_reported():
    refused(b"%PDF-1.4\nthis is not really a pdf\n", "factura.pdf", "not a readable PDF")
    refused(two_page_pdf()[:400], "cortado.pdf", "not a readable PDF")


def test_missing_paths_and_folders_are_reported(tmp_path):
    with pytest.raises(UnreadableImage, match="no such file"):
        load_pages(tmp_path / "no-existe.jpg")
    with pytest.raises(UnreadableImage, match="not a file"):
        load_pages(tmp_path)


def test_a_path_may_be_given_as_text(tmp_path):
    path = tmp_path / "foto.png"
    path.write_bytes(encoded(sample_image(), ".png"))
    assert len(load_pages(str(path))) == 1
    assert isinstance(Path(str(path)), Path)
