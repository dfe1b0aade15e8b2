"""The store desktop app's Qt user interface (PySide6): views over ``desktop.app``."""
