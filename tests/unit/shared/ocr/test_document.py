"""A clean, straight page out of a photo: synthetic photos with known geometry, and the
real phone photo of an invoice when the samples are present."""

from __future__ import annotations

import math
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from shared.domain.errors import ValidationError
from shared.ocr.document import (
    MAX_LONG_SIDE,
    UnreadableImage,
    deskew,
    estimate_text_height,
    even_lighting,
    find_document,
    order_corners,
    prepare_page,
    rectify,
)

DATA = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "invoices"
GENUINE = DATA / "ar_facturas_genuinefafa"
realdata = pytest.mark.skipif(not GENUINE.is_dir(), reason="real samples not present")

PAGE_W, PAGE_H = 850, 1100
WORDS = ["Producto", "Cantidad", "Precio", "Importe", "Azucar", "Yerba", "Harina", "Aceite",
         "1.500,00", "21%", "CUIT", "30-71556647-4", "Fideos", "Arroz"]


def draw_page(width: int = PAGE_W, height: int = PAGE_H, seed: int = 0,
              font_scale: float = 0.7) -> np.ndarray:
    """A white invoice page: a title, lines of words and a ruled table."""
    rng = np.random.default_rng(seed)
    page = np.full((height, width, 3), 250, np.uint8)
    unit = width / PAGE_W
    cv2.putText(page, "FACTURA  B  0003-00001475", (round(60 * unit), round(80 * unit)),
                cv2.FONT_HERSHEY_SIMPLEX, 1.2 * unit, (0, 0, 0), max(1, round(3 * unit)))
    y, top = round(140 * unit), round(115 * unit)
    step = round(30 * font_scale / 0.7 * unit)
    while y < height - round(120 * unit):
        text = " ".join(rng.choice(WORDS, 5))
        cv2.putText(page, text, (round(60 * unit), y), cv2.FONT_HERSHEY_SIMPLEX,
                    font_scale * unit, (20, 20, 20), max(1, round(2 * unit)))
        y += step
    bottom = min(y, height - round(100 * unit))
    cv2.rectangle(page, (round(45 * unit), top), (width - round(45 * unit), bottom), (0, 0, 0), 2)
    for x in (width // 2, width * 3 // 4):
        cv2.line(page, (x, top), (x, bottom), (0, 0, 0), 1)
    return page


def camera_quad(photo_w: int = 1600, photo_h: int = 1200, *, tilt_x: float = 12,
                tilt_y: float = -8, roll: float = 5, fill: float = 0.7,
                shift: tuple[float, float] = (0, 0), page: tuple[int, int] = (PAGE_W, PAGE_H),
                ) -> np.ndarray:
    """Where a tilted page's corners land in a pinhole camera's photo (TL, TR, BR, BL)."""
    page_w, page_h = page
    focal = 1.2 * max(photo_w, photo_h)
    ax, ay, az = map(math.radians, (tilt_x, tilt_y, roll))
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    corners = np.array([[-page_w / 2, -page_h / 2, 0], [page_w / 2, -page_h / 2, 0],
                        [page_w / 2, page_h / 2, 0], [-page_w / 2, page_h / 2, 0]])
    distance = focal * page_h / (fill * photo_h)
    seen = corners @ (rz @ ry @ rx).T + np.array(
        [shift[0] * distance / focal, shift[1] * distance / focal, distance])
    return (seen[:, :2] / seen[:, 2:3] * focal + [photo_w / 2, photo_h / 2]).astype(np.float32)


def photo(page: np.ndarray, quad: np.ndarray, width: int = 1600, height: int = 1200, *,
          seed: int = 2, shadow: float = 0.45, noise: float = 4.0, blur: float = 1.0,
          ) -> np.ndarray:
    """``page`` laid at ``quad`` on a textured brown table, under a shadow, noisy, soft."""
    rng = np.random.default_rng(seed)
    page_h, page_w = page.shape[:2]
    source = np.array([[0, 0], [page_w, 0], [page_w, page_h], [0, page_h]], np.float32)
    homography = cv2.getPerspectiveTransform(source, quad)
    blotches = cv2.resize(rng.normal(0, 1, (height // 8 + 1, width // 8 + 1)).astype(np.float32),
                          (width, height), interpolation=cv2.INTER_CUBIC)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 3)
    level = 90 + 18 * blotches + 10 * grain
    table = np.dstack([level * 0.7, level * 0.9, level * 1.15])
    laid = cv2.warpPerspective(page, homography, (width, height), flags=cv2.INTER_AREA)
    cover = cv2.warpPerspective(np.full((page_h, page_w), 255, np.uint8), homography,
                                (width, height)).astype(np.float32)[..., None] / 255
    image = laid.astype(np.float32) * cover + table * (1 - cover)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    image *= (1.0 - shadow * np.clip((xs / width + ys / height) / 2, 0, 1) ** 1.5)[..., None]
    if blur:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    image += rng.normal(0, noise, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def line_angle(gray: np.ndarray) -> float:
    """The text lines' slope (degrees, clockwise in the image) by brute force, for checks."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    ys, xs = np.nonzero(ink)
    best, best_score = 0.0, -1.0
    for degrees in np.arange(-15, 15.01, 0.1):
        theta = math.radians(degrees)
        rows = (ys * math.cos(theta) - xs * math.sin(theta)).astype(np.int64)
        counts = np.bincount(rows - rows.min()).astype(float)
        if (score := float(counts @ counts)) > best_score:
            best, best_score = float(degrees), score
    return best


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return draw_page()


# --- find_document ---------------------------------------------------------------------

@pytest.mark.parametrize("pose", [
    {},
    {"tilt_x": 20, "tilt_y": 10, "roll": -8},
    {"tilt_x": -15, "tilt_y": 5, "roll": 12, "fill": 0.6, "shift": (-150, 40)},
])
def test_find_document_recovers_the_corners_of_a_tilted_page_on_a_table(page, pose):
    truth = camera_quad(**pose)
    corners = find_document(photo(page, truth))
    assert corners is not None
    assert corners.shape == (4, 2) and corners.dtype == np.float32
    assert np.abs(corners - truth).max() < 3.0  # pixels of a 1600x1200 photo


def test_find_document_works_on_a_downscaled_copy_yet_keeps_full_resolution(page):
    truth = camera_quad(fill=0.75)
    image = cv2.resize(photo(page, truth), (3200, 2400), interpolation=cv2.INTER_CUBIC)
    started = time.perf_counter()
    corners = find_document(image)
    seconds = time.perf_counter() - started
    assert corners is not None
    assert np.abs(corners - truth * 2).max() < 6.0
    assert seconds < 1.0


def test_find_document_extends_the_sides_to_a_corner_the_frame_cuts_off(page):
    truth = camera_quad(fill=0.95, shift=(300, 0))
    assert truth[0, 1] < 0 and truth[1, 0] > 1600  # two corners out of the photo
    corners = find_document(photo(page, truth))
    assert corners is not None
    assert np.abs(corners - truth).max() < 4.0


def test_a_page_cut_across_by_the_frame_keeps_its_visible_corners(page):
    truth = camera_quad(fill=1.05, shift=(0, 120))
    assert (truth[2:, 1] > 1200).all()  # the bottom edge is out of the photo
    corners = find_document(photo(page, truth))
    assert corners is not None
    assert np.abs(corners[:2] - truth[:2]).max() < 4.0
    assert (corners[2:, 1] > 1190).all()  # the frame's edge closes the outline


def test_a_flat_render_filling_the_frame_has_no_page_outline(page):
    assert find_document(page) is None
    assert find_document(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)) is None


def test_a_table_without_a_page_has_no_page_outline(page):
    empty = photo(page, np.array([[-10, -10], [-9, -10], [-9, -9], [-10, -9]], np.float32))
    assert find_document(empty) is None


def test_corners_are_ordered_top_left_first_then_clockwise():
    square = np.array([[100, 10], [110, 200], [5, 190], [0, 0]], np.float32)
    ordered = order_corners(square)
    assert ordered.tolist() == [[0, 0], [100, 10], [110, 200], [5, 190]]


# --- rectify ---------------------------------------------------------------------------

@pytest.mark.parametrize("pose", [{}, {"tilt_x": 25, "tilt_y": -15, "roll": 3}])
def test_rectify_restores_the_page_aspect_ratio_and_content(page, pose):
    image = photo(page, camera_quad(**pose))
    corners = find_document(image)
    assert corners is not None
    flat = rectify(image, corners)
    height, width = flat.shape[:2]
    assert width / height == pytest.approx(PAGE_W / PAGE_H, rel=0.02)
    original = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY).astype(np.float32)
    restored = cv2.resize(cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY), (PAGE_W, PAGE_H),
                          interpolation=cv2.INTER_AREA).astype(np.float32)
    correlation = cv2.matchTemplate(restored, original, cv2.TM_CCOEFF_NORMED)[0, 0]
    assert correlation > 0.6  # the same lines and table at the same places


def test_rectify_keeps_a_grey_image_grey(page):
    image = cv2.cvtColor(photo(page, camera_quad()), cv2.COLOR_BGR2GRAY)
    corners = find_document(image)
    assert corners is not None
    assert rectify(image, corners).ndim == 2


def test_rectify_enlarges_small_text_and_caps_the_long_side():
    small_page = draw_page(PAGE_W, PAGE_H)
    truth = camera_quad(fill=0.45)
    image = photo(small_page, truth, blur=0.0, noise=1.0)
    natural_height = float(np.linalg.norm(truth[3] - truth[0]))
    flat = rectify(image, truth)
    assert flat.shape[0] > 1.3 * natural_height  # small text was enlarged
    assert max(flat.shape[:2]) <= MAX_LONG_SIDE
    text = estimate_text_height(cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY))
    assert text is not None and text >= 18

    huge = cv2.resize(photo(small_page, camera_quad(fill=0.9)), (4800, 3600))
    flat = rectify(huge, camera_quad(fill=0.9) * 3)
    assert max(flat.shape[:2]) == pytest.approx(MAX_LONG_SIDE, abs=2)


# --- deskew ----------------------------------------------------------------------------

@pytest.mark.parametrize("turn", [4.0, -7.0, 12.5])
def test_deskew_measures_and_undoes_a_known_rotation(page, turn):
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), turn, 1.0)
    turned = cv2.warpAffine(gray, matrix, (width, height), borderValue=250)
    levelled, applied = deskew(turned)
    assert applied == pytest.approx(-turn, abs=0.5)
    assert abs(line_angle(levelled)) <= 0.3


def test_deskew_leaves_a_level_page_or_a_blank_one_alone(page):
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    levelled, applied = deskew(gray)
    assert applied == 0.0 and levelled.shape == gray.shape
    blank = np.full((400, 300), 240, np.uint8)
    assert deskew(blank)[1] == 0.0


# --- even_lighting ---------------------------------------------------------------------

def test_even_lighting_flattens_a_shadow_and_keeps_the_text_dark(page):
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY).astype(np.float32)
    height, width = gray.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1.0 - 0.55 * (xs / width * 0.4 + ys / height * 0.6)  # darker towards the bottom
    shaded = np.clip(gray * light, 0, 255).astype(np.uint8)
    ink = gray < 128
    paper = cv2.erode((~ink).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0

    evened = even_lighting(shaded)

    assert evened.shape == shaded.shape and evened.dtype == np.uint8
    assert shaded[paper].std() > 25
    assert evened[paper].std() < 0.2 * shaded[paper].std()
    assert evened[paper].mean() > 225
    assert np.median(evened[ink]) < 90  # the strokes' cores stay dark


# --- prepare_page ----------------------------------------------------------------------

def test_prepare_page_straightens_a_photo_into_a_portrait_page(page):
    truth = camera_quad(tilt_x=18, roll=-6)
    prepared = prepare_page(photo(page, truth))
    assert prepared.corners is not None
    assert np.abs(prepared.corners - truth).max() < 3.0
    height, width = prepared.gray.shape
    assert prepared.color.shape[:2] == (height, width)
    assert width / height == pytest.approx(PAGE_W / PAGE_H, rel=0.03)
    assert abs(prepared.skew_degrees) < 0.5
    assert prepared.scale > 0
    assert np.percentile(prepared.gray, 60) > 220  # paper white for Tesseract


def test_prepare_page_uses_the_whole_image_of_a_flat_render_and_levels_it(page):
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    matrix = cv2.getRotationMatrix2D((PAGE_W / 2, PAGE_H / 2), -3.0, 1.0)
    turned = cv2.warpAffine(gray, matrix, (PAGE_W, PAGE_H), borderValue=250)
    prepared = prepare_page(turned)
    assert prepared.corners is None
    assert prepared.skew_degrees == pytest.approx(3.0, abs=0.5)
    assert prepared.color.ndim == 3 and prepared.gray.ndim == 2


def test_prepare_page_takes_grey_alpha_float_and_16_bit_images(page):
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    transparent = np.dstack([page, np.where(gray < 128, 255, 0).astype(np.uint8)])
    for image in (gray[:, :, None], transparent, page.astype(np.float32) / 255,
                  page.astype(np.uint16) * 257):
        prepared = prepare_page(image)
        assert prepared.color.dtype == np.uint8 and prepared.color.shape[2] == 3
        assert np.median(prepared.gray) > 200  # alpha laid on white, not on black


@pytest.mark.parametrize(("image", "reason"), [
    (np.zeros((0, 0, 3), np.uint8), "empty"),
    (np.full((20, 30, 3), 128, np.uint8), "too small"),
    (np.zeros((600, 400, 3), np.uint8), "no contrast"),
    (np.full((600, 400), 255, np.uint8), "no contrast"),
    (np.zeros((600, 400, 2), np.uint8), "not an image"),
    (np.broadcast_to(np.zeros(1, np.uint8), (12_000, 10_000, 3)), "too large"),
    ("photo.jpg", "expected an image array"),
])
def test_prepare_page_refuses_what_cannot_hold_a_page_with_a_reason(image, reason):
    with pytest.raises(UnreadableImage, match=reason) as raised:
        prepare_page(image)
    assert isinstance(raised.value, ValidationError)


def test_prepare_page_handles_a_phone_sized_photo_quickly(page):
    truth = camera_quad(fill=0.8)
    image = cv2.resize(photo(page, truth), (4000, 3000), interpolation=cv2.INTER_LINEAR)
    started = time.perf_counter()
    prepared = prepare_page(image)
    seconds = time.perf_counter() - started
    assert prepared.corners is not None
    assert max(prepared.color.shape[:2]) <= MAX_LONG_SIDE + 50  # deskew may widen a little
    assert seconds < 2.0


# --- the real photo --------------------------------------------------------------------

@pytest.mark.realdata
@realdata
def test_real_phone_photo_of_an_invoice_comes_out_as_a_level_portrait_page():
    from shared.ocr.sources import load_pages

    (image,) = load_pages(GENUINE / "factura1475.pdf", dpi=150)
    prepared = prepare_page(image)
    height, width = prepared.gray.shape
    assert 1.3 < height / width < 1.6  # a portrait page (A4 is 1.41)
    assert abs(prepared.skew_degrees) < 2.0
    if prepared.corners is not None:  # the sheet nearly fills this photo
        area = cv2.contourArea(prepared.corners)
        assert area > 0.6 * image.shape[0] * image.shape[1]
    assert np.percentile(prepared.gray, 50) > 220


@pytest.mark.realdata
@realdata
def test_real_invoice_laid_on_a_table_is_found_to_a_few_pixels():
    real = cv2.imread(str(GENUINE / "factura1475_p1.png"))
    assert real is not None
    real = real[:-16]  # the photo's last rows show the table under the sheet
    truth = camera_quad(tilt_x=15, tilt_y=-10, roll=7, fill=0.8,
                        page=(real.shape[1], real.shape[0]))
    image = photo(real, truth)
    corners = find_document(image)
    assert corners is not None
    assert np.abs(corners - truth).max() < 4.0
    flat = rectify(image, corners)
    assert flat.shape[1] / flat.shape[0] == pytest.approx(real.shape[1] / real.shape[0], rel=0.03)


# --- pages that barely stand out -------------------------------------------------------

def on_light_counter(page: np.ndarray, quad: np.ndarray, *, paper: float = 0.88,
                     counter: float = 205.0, width: int = 1600, height: int = 1200,
                     ) -> np.ndarray:
    """``page`` dimmed to ``paper`` of its brightness on a plain light grey counter: the
    sheet is only ~15 grey levels brighter than what it lies on."""
    rng = np.random.default_rng(5)
    page_h, page_w = page.shape[:2]
    source = np.array([[0, 0], [page_w, 0], [page_w, page_h], [0, page_h]], np.float32)
    homography = cv2.getPerspectiveTransform(source, quad)
    laid = cv2.warpPerspective(page.astype(np.float32) * paper, homography, (width, height),
                               flags=cv2.INTER_AREA)
    cover = cv2.warpPerspective(np.ones(page.shape[:2], np.float32), homography,
                                (width, height))[..., None]
    image = laid * cover + counter * (1 - cover)
    image = cv2.GaussianBlur(image, (0, 0), 1.0) + rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def test_find_document_finds_white_paper_on_a_light_grey_counter(page):
    truth = camera_quad(tilt_x=10, tilt_y=-6, roll=4)
    corners = find_document(on_light_counter(page, truth))
    assert corners is not None
    assert np.abs(order_corners(corners) - order_corners(truth)).max() < 12


def test_deskew_is_not_misled_by_a_dark_desk_around_the_page(page):
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    desk = np.full((gray.shape[0] + 600, gray.shape[1] + 600), 70, np.uint8)
    desk[300:-300, 300:-300] = gray
    height, width = desk.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 4.0, 1.0)
    turned = cv2.warpAffine(desk, matrix, (width, height), borderValue=70)
    assert deskew(turned)[1] == pytest.approx(-4.0, abs=0.5)


def test_remove_rules_erases_a_light_grey_grid_but_not_the_text():
    from shared.ocr.tesseract import remove_rules

    page = np.full((600, 900), 250, np.uint8)
    for y in (100, 160, 220):  # a grid printed light grey, softened by the camera
        page[y:y + 3] = 185
    page[100:223, 450:452] = 185
    cv2.putText(page, "Aceite 12,00 1.234,56", (30, 145), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 20, 2)
    cleaned = remove_rules(page)
    assert (cleaned[160:163, 40:860] > 240).all() and (cleaned[101, 40:860] > 240).all()
    assert (cleaned[100:223, 450:452] > 240).mean() > 0.9
    text = page[115:150, 30:420] < 100
    assert (cleaned[115:150, 30:420][text] < 100).mean() > 0.95  # the letters stay ink
