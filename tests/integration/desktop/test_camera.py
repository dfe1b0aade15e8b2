"""CameraSource: recorded footage and still images through the webcam's interface."""

import time

import cv2
import numpy as np
import pytest

from desktop.app.camera import (
    CameraSource,
    CameraUnavailable,
    available_cameras,
    camera_choice,
    parse_choice,
    sample_frames,
    set_camera_choice,
)
from shared.domain.errors import ValidationError
from tests.integration.desktop.store_folder import make_store_folder

FRAMES, FPS = 12, 20.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """An MJPG clip whose frame ``i`` is filled with grey level ``20 * i``."""
    path = tmp_path_factory.mktemp("clips") / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (160, 120))
    for index in range(FRAMES):
        writer.write(np.full((120, 160, 3), 20 * index, np.uint8))
    writer.release()
    return path


def grey(frame):
    return round(float(frame.mean()) / 20)


def test_a_video_file_plays_every_frame_then_reports_its_end(clip):
    with CameraSource(str(clip), paced=False) as camera:
        frames = [camera.read() for _ in range(FRAMES)]
        assert [grey(frame) for frame in frames] == list(range(FRAMES))
        assert frames[0].shape == (120, 160, 3)
        assert camera.read() is None and camera.ended
        assert camera.read() is None


def test_a_looping_video_starts_again_at_its_end(clip):
    with CameraSource(clip, loop=True, paced=False) as camera:
        seen = [grey(camera.read()) for _ in range(FRAMES + 3)]
    assert seen[FRAMES:] == [0, 1, 2]
    assert not camera.read()  # closed


def test_a_paced_video_gives_frames_no_faster_than_its_rate(clip):
    with CameraSource(clip) as camera:
        assert camera.fps == pytest.approx(FPS)
        started = time.monotonic()
        for _ in range(6):
            assert camera.read() is not None
        assert time.monotonic() - started >= 5 / FPS * 0.9


def test_an_image_file_gives_the_same_still_frame_again_and_again(tmp_path):
    path = tmp_path / "factura.png"
    image = np.zeros((90, 70, 3), np.uint8)
    image[10:40, 20:50] = (0, 0, 255)
    cv2.imwrite(str(path), image)
    with CameraSource(path, paced=False) as camera:
        first, second = camera.read(), camera.read()
        assert np.array_equal(first, image) and np.array_equal(second, image)
        first[:] = 0  # a caller drawing on its frame does not change the next one
        assert np.array_equal(camera.read(), image)
        assert not camera.ended


def test_a_camera_that_is_not_there_is_refused_at_once(tmp_path):
    with pytest.raises(CameraUnavailable) as missing_device:
        CameraSource(7)
    assert missing_device.value.reason == "no_device"
    with pytest.raises(CameraUnavailable) as missing_file:
        CameraSource(str(tmp_path / "no-such.avi"))
    assert missing_file.value.reason == "no_file"
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"not a video at all" * 20)
    with pytest.raises(CameraUnavailable) as unreadable:
        CameraSource(junk)
    assert unreadable.value.reason == "unreadable"
    broken_image = tmp_path / "rota.jpg"
    broken_image.write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(CameraUnavailable):
        CameraSource(broken_image)


def test_the_choice_reads_a_device_index_or_a_path():
    assert parse_choice("0") == 0 and parse_choice(" 2 ") == 2 and parse_choice(1) == 1
    assert parse_choice("clips/caja.avi").name == "caja.avi"
    for bad in ("", "  ", -1, True):
        with pytest.raises(ValidationError):
            parse_choice(bad)


def test_probing_finds_no_camera_on_a_machine_without_one():
    assert available_cameras(2) == []


def test_a_few_frames_for_the_settings_probe(clip, tmp_path):
    assert [grey(frame) for frame in sample_frames(str(clip), 4)] == [0, 1, 2, 3]
    with pytest.raises(CameraUnavailable):
        sample_frames(tmp_path / "nada.avi")


def test_the_choice_is_kept_on_this_pc(tmp_path, clip):
    store, _ = make_store_folder(tmp_path)
    try:
        assert camera_choice(store) is None
        assert set_camera_choice(store, 1) == "1"
        assert camera_choice(store) == "1"
        assert set_camera_choice(store, str(clip)) == str(clip)
        assert camera_choice(store) == str(clip)
    finally:
        store.engine.dispose()


class _FakeWebcam:
    """A UVC webcam as OpenCV drives it: 640x480 until asked, then the nearest size it
    supports (1280x720 here). There is no camera on the test machine."""

    SIZES = ((640, 480), (1280, 720))

    def __init__(self, index):
        self.index, self.asked, self.size = index, {}, self.SIZES[0]

    def isOpened(self):
        return self.index == 0

    def set(self, prop, value):
        self.asked[prop] = value
        if cv2.CAP_PROP_FRAME_WIDTH in self.asked and cv2.CAP_PROP_FRAME_HEIGHT in self.asked:
            wanted = (self.asked[cv2.CAP_PROP_FRAME_WIDTH], self.asked[cv2.CAP_PROP_FRAME_HEIGHT])
            self.size = min(self.SIZES, key=lambda s: abs(s[0] - wanted[0]) + abs(s[1] - wanted[1]))
        return True

    def get(self, prop):
        return {cv2.CAP_PROP_FRAME_WIDTH: self.size[0], cv2.CAP_PROP_FRAME_HEIGHT: self.size[1]}.get(prop, 0)

    def read(self):
        return True, np.zeros((self.size[1], self.size[0], 3), np.uint8)

    def release(self):
        pass


def test_a_webcam_is_asked_for_full_hd_not_left_at_640x480(monkeypatch):
    from desktop.app import camera as camera_module

    opened = []
    monkeypatch.setattr(camera_module.cv2, "VideoCapture",
                        lambda index: opened.append(_FakeWebcam(index)) or opened[-1])
    with CameraSource(0) as camera:
        asked = opened[-1].asked
        assert (asked[cv2.CAP_PROP_FRAME_WIDTH], asked[cv2.CAP_PROP_FRAME_HEIGHT]) == \
            camera_module.REQUESTED_SIZE
        assert asked[cv2.CAP_PROP_FOURCC] == cv2.VideoWriter_fourcc(*"MJPG")
        assert camera.frame_size == (1280, 720)  # what the driver settled on
        assert camera.read().shape == (720, 1280, 3)


def test_files_report_their_frame_size(clip, tmp_path):
    with CameraSource(clip, paced=False) as camera:
        assert camera.frame_size == (160, 120)
    still = tmp_path / "factura.png"
    cv2.imwrite(str(still), np.full((90, 70, 3), 200, np.uint8))
    with CameraSource(still) as camera:
        assert camera.frame_size == (70, 90)
