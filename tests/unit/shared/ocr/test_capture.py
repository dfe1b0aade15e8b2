"""Judging live camera frames: a page slides in, holds still, blurs, shakes; capture only
while it is still and sharp."""

from __future__ import annotations

import math
import time

import cv2
import numpy as np
import pytest

from shared.ocr.capture import (
    MIN_SHARPNESS,
    READY_FRAMES,
    STILL_FRAMES,
    CaptureHint,
    FrameJudge,
    FrameVerdict,
    sharpness,
)

WIDTH, HEIGHT = 1280, 720
PAGE_W, PAGE_H = 850, 1100


def draw_page(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = np.full((PAGE_H, PAGE_W, 3), 250, np.uint8)
    cv2.putText(page, "FACTURA B 0003-00001475", (60, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.2,
                (0, 0, 0), 3)
    words = ["Producto", "Cantidad", "Importe", "Yerba", "Harina", "1.500,00", "21%", "CUIT"]
    for y in range(140, PAGE_H - 120, 30):
        cv2.putText(page, " ".join(rng.choice(words, 5)), (60, y), cv2.FONT_HERSHEY_SIMPLEX,
                    0.7, (20, 20, 20), 2)
    cv2.rectangle(page, (45, 115), (PAGE_W - 45, PAGE_H - 100), (0, 0, 0), 2)
    return page


def page_quad(*, fill: float = 0.8, shift: tuple[float, float] = (0, 0),
              roll: float = 3.0) -> np.ndarray:
    """A page seen square-on by the webcam: ``fill`` of the frame's height, turned ``roll``°."""
    height = fill * HEIGHT
    width = height * PAGE_W / PAGE_H
    corners = np.array([[-width / 2, -height / 2], [width / 2, -height / 2],
                        [width / 2, height / 2], [-width / 2, height / 2]])
    theta = math.radians(roll)
    turn = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    return (corners @ turn.T + [WIDTH / 2 + shift[0], HEIGHT / 2 + shift[1]]).astype(np.float32)


def frame(page: np.ndarray, quad: np.ndarray | None, *, blur: float = 0.0, seed: int = 0,
          light: float = 1.0, glare: bool = False) -> np.ndarray:
    """A webcam frame: the page at ``quad`` on a dark desk, sensor noise, optional blur."""
    rng = np.random.default_rng(seed)
    desk = cv2.GaussianBlur(70 + 12 * rng.standard_normal((HEIGHT, WIDTH), np.float32), (0, 0), 2)
    image = np.dstack([desk * 0.8, desk * 0.9, desk * 1.1])
    if quad is not None:
        source = np.array([[0, 0], [PAGE_W, 0], [PAGE_W, PAGE_H], [0, PAGE_H]], np.float32)
        homography = cv2.getPerspectiveTransform(source, quad)
        laid = cv2.warpPerspective(page, homography, (WIDTH, HEIGHT), flags=cv2.INTER_AREA)
        cover = cv2.warpPerspective(np.ones((PAGE_H, PAGE_W), np.float32), homography,
                                    (WIDTH, HEIGHT))[..., None]
        image = laid * cover + image * (1 - cover)
        if glare:
            centre = tuple(int(v) for v in quad.mean(axis=0))
            spot = np.zeros((HEIGHT, WIDTH), np.float32)
            cv2.circle(spot, centre, 70, 1.0, -1)
            spot = cv2.GaussianBlur(spot, (0, 0), 8)[..., None]
            image = image * (1 - spot) + 255 * spot
            image = image * 0.85  # the paper around the reflection is not blown out
            image = np.where(spot > 0.5, 255.0, image)
    image = image * light
    if blur:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    image = image + 3 * rng.standard_normal(image.shape, np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return draw_page()


def run(judge: FrameJudge, frames: list[np.ndarray]) -> list[FrameVerdict]:
    return [judge.judge(image) for image in frames]


def test_ready_only_while_the_page_is_still_and_sharp(page):
    rng = np.random.default_rng(7)
    sliding = [frame(page, page_quad(shift=(700 - 90 * i, 0)), seed=i) for i in range(8)]
    still = [frame(page, page_quad(), seed=10 + i) for i in range(12)]
    blurred = [frame(page, page_quad(), blur=3.0, seed=30 + i) for i in range(8)]
    shaking = [frame(page, page_quad(shift=tuple(rng.normal(0, 30, 2)), roll=rng.normal(3, 2)),
                     blur=1.0, seed=40 + i) for i in range(8)]
    verdicts = run(FrameJudge(), sliding + still + blurred + shaking)
    ready = [v.ready for v in verdicts]

    assert not any(ready[:8])  # sliding in
    assert not any(ready[8:8 + STILL_FRAMES])  # not before holding still long enough
    assert all(ready[8 + STILL_FRAMES + READY_FRAMES - 1:20])  # then ready, and it stays
    assert not any(ready[20:])  # blurred, then shaking
    assert {v.hint for v in verdicts[8 + STILL_FRAMES + READY_FRAMES - 1:20]} == {CaptureHint.READY}
    assert {v.hint for v in verdicts[22:28]} == {CaptureHint.BLURRY}
    assert all(not v.still for v in verdicts[29:])
    assert {v.hint for v in verdicts[29:]} <= {CaptureHint.HOLD_STILL, CaptureHint.BLURRY}


def test_verdict_outlines_the_page_and_measures_its_share_of_the_frame(page):
    truth = page_quad()
    verdict = FrameJudge().judge(frame(page, truth))
    assert verdict.corners is not None
    assert np.abs(verdict.corners - truth).max() < 8.0  # good enough to draw
    area = cv2.contourArea(truth) / (WIDTH * HEIGHT)
    assert verdict.fill == pytest.approx(area, rel=0.05)
    assert verdict.sharpness >= MIN_SHARPNESS


def test_a_blurry_page_is_never_ready_however_still(page):
    verdicts = run(FrameJudge(), [frame(page, page_quad(), blur=2.5, seed=i) for i in range(15)])
    assert not any(v.ready for v in verdicts)
    assert verdicts[-1].still and verdicts[-1].hint is CaptureHint.BLURRY
    assert verdicts[-1].sharpness < MIN_SHARPNESS


def test_a_small_page_asks_to_come_closer(page):
    verdicts = run(FrameJudge(), [frame(page, page_quad(fill=0.35), seed=i) for i in range(12)])
    assert not any(v.ready for v in verdicts)
    assert verdicts[-1].corners is not None
    assert verdicts[-1].hint is CaptureHint.MOVE_CLOSER


def test_a_page_running_off_the_frame_is_cut_off(page):
    verdict = FrameJudge().judge(frame(page, page_quad(fill=0.95, shift=(0, 80))))
    assert verdict.hint is CaptureHint.CUT_OFF and not verdict.ready


def test_an_empty_desk_has_no_document_but_can_be_still(page):
    verdicts = run(FrameJudge(), [frame(page, None, seed=i) for i in range(STILL_FRAMES + 1)])
    assert verdicts[-1].corners is None and verdicts[-1].fill == 0.0
    assert verdicts[-1].hint is CaptureHint.NO_DOCUMENT and not verdicts[-1].ready
    assert verdicts[-1].still  # a QR held up close is judged by the picture alone


def test_a_dark_frame_asks_for_light(page):
    verdict = FrameJudge().judge(frame(page, page_quad(), light=0.2))
    assert verdict.hint is CaptureHint.TOO_DARK


def test_a_reflection_on_the_page_is_glare(page):
    frames = [frame(page, page_quad(), glare=True, seed=i) for i in range(10)]
    verdicts = run(FrameJudge(), frames)
    assert verdicts[-1].hint is CaptureHint.GLARE and not verdicts[-1].ready


def test_reset_starts_the_count_again(page):
    judge = FrameJudge()
    verdicts = run(judge, [frame(page, page_quad(), seed=i) for i in range(12)])
    assert verdicts[-1].ready
    judge.reset()
    assert not judge.judge(frame(page, page_quad(), seed=99)).ready


def test_sharpness_falls_with_blur_and_shrugs_off_noise(page):
    quad = page_quad()
    crisp = [sharpness(frame(page, quad, blur=b), quad) for b in (0.0, 1.0, 2.0, 4.0)]
    assert crisp == sorted(crisp, reverse=True)
    assert crisp[0] > 0.9 and crisp[-1] < 0.4
    noisy = frame(page, quad).astype(np.float32) + np.random.default_rng(1).normal(0, 6, (HEIGHT, WIDTH, 3))
    assert sharpness(np.clip(noisy, 0, 255).astype(np.uint8), quad) == pytest.approx(crisp[0], abs=0.1)
    assert sharpness(np.full((HEIGHT, WIDTH, 3), 200, np.uint8)) == 0.0


def test_judging_a_720p_frame_is_fast(page):
    judge = FrameJudge()
    frames = [frame(page, page_quad(), seed=i) for i in range(4)]
    for image in frames:
        judge.judge(image)
    started = time.process_time()  # CPU time: other work on a shared machine does not count
    for _ in range(5):
        for image in frames:
            judge.judge(image)
    per_frame = (time.process_time() - started) / 20
    assert per_frame < 0.030  # about 12 ms of one core; the budget is ~15
