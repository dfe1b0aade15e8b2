"""Settings for the whole suite. Keep this minimal: tier fixtures live beside their tier."""

import os

# Before anything imports Qt: without a display, Qt would abort the test process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
