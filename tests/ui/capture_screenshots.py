"""Render Recepción's camera, review and Configuración's camera box at 1366x768.

    .venv/bin/python -m tests.ui.capture_screenshots [OUT_DIR]

Like ``scripts/screenshots_desktop.py`` (whose helpers it uses), offscreen on a
throwaway store folder: ``desktop-intake-camera.png``, ``desktop-intake-review.png``,
``desktop-settings-camera.png``. The camera is a generated clip; the review is a real
reading (Tesseract) of a generated invoice.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from screenshots_desktop import SIZE, save, settle  # noqa: E402

from desktop.app.auth import login  # noqa: E402
from desktop.app.sync_status import sync_overview  # noqa: E402
from desktop.ui.app import create_application  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402
from desktop.ui.screens.intake_capture import CAMERA, REVIEW  # noqa: E402
from desktop.ui.sync_controller import SyncState  # noqa: E402
from shared.ocr.synthetic import write_capture_video  # noqa: E402
from tests.integration.desktop.store_folder import make_store_folder  # noqa: E402
from tests.ui.backoffice_store import seed_demo_day  # noqa: E402
from tests.ui.capture_invoice import store_invoice, store_page  # noqa: E402


def wait(app: object, condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the screen")
        settle(app, 0.05)  # type: ignore[arg-type]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = create_application(["minimarket"])
    root = Path(tempfile.mkdtemp(prefix="minimarket-"))
    store, _ = make_store_folder(root, name="deposito")
    seed_demo_day(store)
    page = store_page(store_invoice())
    clip = root / "mostrador.avi"
    write_capture_video(clip, page, np.random.default_rng(3))
    photo = root / "factura-distribuidora-sur.png"
    cv2.imwrite(str(photo), page)
    store.set_meta(camera=str(clip))

    window = MainWindow(store, start_sync=False)
    window.resize(*SIZE)
    window.show()
    window.enter(login(store, "ana", "1234"))
    window.sync._set(SyncState(online=True, last_attempt=datetime.now(UTC),
                               overview=sync_overview(store)))
    window.show_screen("recepcion")
    flow = window.screens["recepcion"].capture_flow  # type: ignore[attr-defined]
    flow.setCurrentIndex(CAMERA)
    flow.camera.start(str(clip), auto=False)  # stays on the preview for the picture
    wait(app, lambda: flow.camera.view.current is not None and flow.camera.view.current.ready)
    save(app, window, out, "intake-camera")
    flow.camera.stop()

    flow.read_path(str(photo))
    wait(app, lambda: flow.currentIndex() == REVIEW and not flow.busy)
    settle(app, 0.5)
    save(app, window, out, "intake-review")

    window.show_screen("configuracion")
    box = window.screens["configuracion"].camera_box  # type: ignore[attr-defined]
    wait(app, lambda: box.choice.count() > 1 and "ninguna" in box.status.text())
    box.test()
    wait(app, lambda: "imágenes de" in box.status.text())
    save(app, window, out, "settings-camera")
    window.sync.stop()
    window.tasks.wait()
    window.close()
    store.engine.dispose()


if __name__ == "__main__":
    main()
