"""Invoice files into page images: photos and scans (JPEG, PNG, WebP, TIFF, BMP) and PDFs.

Every page comes back as 8-bit BGR, the way the camera gives frames. A phone photo is
turned upright by its EXIF orientation; a PDF page is rendered at ``dpi``. Whatever
cannot be read (empty, cut short, not an image at all, too large) raises
:class:`~shared.ocr.document.UnreadableImage` saying what was wrong.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from shared.ocr.document import UnreadableImage, as_bgr

#: Files larger than this are refused before they are read.
MAX_FILE_BYTES = 25 * 1024 * 1024
#: Images with more pixels than this are refused before they are decoded; PDF pages
#: are rendered at a lower resolution rather than beyond it.
MAX_PIXELS = 40_000_000
#: PDF pages are rendered at this resolution unless asked otherwise.
DEFAULT_DPI = 200
#: EXIF orientation -> the turn that makes the picture upright.
_ORIENTATIONS = {
    2: (None, 1), 3: (cv2.ROTATE_180, None), 4: (None, 0), 5: (cv2.ROTATE_90_CLOCKWISE, 1),
    6: (cv2.ROTATE_90_CLOCKWISE, None), 7: (cv2.ROTATE_90_COUNTERCLOCKWISE, 1),
    8: (cv2.ROTATE_90_COUNTERCLOCKWISE, None),
}
_PDF_POINTS_PER_INCH = 72


def load_pages(path: str | Path, dpi: int = DEFAULT_DPI, max_pages: int = 5) -> list[np.ndarray]:
    """The pages of the image or PDF at ``path`` (at most ``max_pages``), as BGR images."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UnreadableImage(f"{path.name}: no such file") from None
    except OSError as error:
        raise UnreadableImage(f"{path.name}: cannot be opened ({error.strerror})") from None
    if not path.is_file():
        raise UnreadableImage(f"{path.name}: not a file")
    _check_file_size(path.name, size)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableImage(f"{path.name}: cannot be read ({error.strerror})") from None
    return load_image_bytes(data, path.name, dpi=dpi, max_pages=max_pages)


def load_image_bytes(data: bytes, filename: str = "upload", *, dpi: int = DEFAULT_DPI,
                     max_pages: int = 5) -> list[np.ndarray]:
    """:func:`load_pages` for the contents of an uploaded file; ``filename`` is for messages."""
    name = Path(filename).name or "upload"
    _check_file_size(name, len(data))
    kind = file_kind(data)
    if kind == "pdf":
        return _pdf_pages(data, name, dpi, max_pages)
    if kind in ("jpeg", "png", "webp", "tiff", "bmp"):
        return _image_pages(data, name, kind, max_pages)
    raise UnreadableImage(f"{name}: {_not_supported(data, kind)}")


def file_kind(data: bytes) -> str:
    """What ``data`` is, by its first bytes (never by the file's name)."""
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"BM"):
        return "bmp"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "heic"
    return "unknown"


def _not_supported(data: bytes, kind: str) -> str:
    if not data:
        return "the file is empty"
    if kind == "heic":
        return "HEIC photos are not supported; save the photo as JPEG"
    if kind == "gif":
        return "GIF images are not supported; use JPEG, PNG, WebP, TIFF, BMP or PDF"
    if _looks_like_text(data):
        return "the file holds text, not an image or a PDF"
    return "not an image or PDF this program can read (JPEG, PNG, WebP, TIFF, BMP or PDF)"


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 4:  # not just a character cut at the sample's end
            return False
    return b"\x00" not in sample


def _check_file_size(name: str, size: int) -> None:
    if size == 0:
        raise UnreadableImage(f"{name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise UnreadableImage(
            f"{name}: the file is too large ({size / 1024 / 1024:.1f} MB; "
            f"at most {MAX_FILE_BYTES // 1024 // 1024} MB)")


def _image_pages(data: bytes, name: str, kind: str, max_pages: int) -> list[np.ndarray]:
    width, height, orientation = _header(data, name, kind)
    if width * height > MAX_PIXELS:
        raise UnreadableImage(
            f"{name}: the image is too large ({width}x{height} pixels, "
            f"{width * height / 1e6:.0f} megapixels; at most {MAX_PIXELS // 1_000_000})")
    buffer = np.frombuffer(data, np.uint8)
    flags = cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION
    try:
        if kind == "tiff":
            ok, images = cv2.imdecodemulti(buffer, flags)
            decoded = list(images)[:max_pages] if ok else []
        else:
            single = cv2.imdecode(buffer, flags)
            decoded = [] if single is None else [single]
    except cv2.error:
        decoded = []
    if not decoded:
        raise UnreadableImage(f"{name}: the {kind.upper()} data is damaged or cut short")
    return [_upright(as_bgr(image), orientation) for image in decoded]


def _header(data: bytes, name: str, kind: str) -> tuple[int, int, int]:
    """Width, height and EXIF orientation, read from the header without decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                try:
                    orientation = int(image.getexif().get(0x0112, 1))
                except Exception:  # a broken EXIF block only loses the turn
                    orientation = 1
    except Image.DecompressionBombError:
        raise UnreadableImage(f"{name}: the image is too large (over "
                              f"{MAX_PIXELS // 1_000_000} megapixels)") from None
    except Exception:  # Pillow raises many kinds for a broken header
        raise UnreadableImage(f"{name}: the {kind.upper()} header is damaged") from None
    return width, height, orientation


def _upright(image: np.ndarray, orientation: int) -> np.ndarray:
    turn, flip = _ORIENTATIONS.get(orientation, (None, None))
    if turn is not None:
        image = cv2.rotate(image, turn)
    if flip is not None:
        image = cv2.flip(image, flip)
    return image


def _pdf_pages(data: bytes, name: str, dpi: int, max_pages: int) -> list[np.ndarray]:
    import pypdfium2 as pdfium  # imported here: only PDFs need it

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise UnreadableImage(f"{name}: not a readable PDF ({_pdfium_reason(error)})") from None
    try:
        count = len(document)
        if count == 0:
            raise UnreadableImage(f"{name}: the PDF has no pages")
        pages = []
        for index in range(min(count, max_pages)):
            page = document[index]
            try:
                width, height = page.get_size()
                scale = dpi / _PDF_POINTS_PER_INCH
                pixels = width * height * scale * scale
                if pixels > MAX_PIXELS:
                    scale *= (MAX_PIXELS / pixels) ** 0.5
                bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
                rgb = np.array(bitmap.to_numpy(), copy=True)
                mode = bitmap.mode
            except pdfium.PdfiumError as error:
                raise UnreadableImage(
                    f"{name}: page {index + 1} of the PDF cannot be drawn "
                    f"({_pdfium_reason(error)})") from None
            finally:
                page.close()
            pages.append(_bitmap_to_bgr(rgb, mode))
        return pages
    finally:
        document.close()


def _bitmap_to_bgr(pixels: np.ndarray, mode: str) -> np.ndarray:
    if pixels.ndim == 2 or mode == "L":
        return as_bgr(pixels)
    if mode in ("BGR", "BGRA", "BGRX"):
        return np.ascontiguousarray(pixels[:, :, :3])
    code = cv2.COLOR_RGBA2BGR if pixels.shape[2] == 4 else cv2.COLOR_RGB2BGR
    return cv2.cvtColor(pixels, code)


def _pdfium_reason(error: Exception) -> str:
    """PDFium's own words: 'Failed to load document (PDFium: Data format error).'"""
    text = str(error).strip().rstrip(".")
    return text[0].lower() + text[1:] if text else "unknown error"
