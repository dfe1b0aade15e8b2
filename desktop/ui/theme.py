"""The look: large type readable from a step away, high contrast, fits 1366x768.

Widgets pick styles by object name or by the ``role`` property (``setProperty("role",
"primary")``) rather than by colour in code, so screens stay consistent.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

FONT_FAMILY = "DejaVu Sans"
BASE_POINT_SIZE = 13

INK = "#1d2733"
MUTED = "#5b6775"
PAPER = "#f3f5f8"
CARD = "#ffffff"
LINE = "#cfd6df"
NAV = "#1f3550"
NAV_HOVER = "#2b4a6f"
ACCENT = "#1565c0"
OK = "#2e7d32"
WARN = "#b26a00"
ERROR = "#c62828"

STYLESHEET = f"""
QWidget {{ color: {INK}; }}
QMainWindow, QDialog, #page {{ background: {PAPER}; }}
QLabel#screenTitle {{ font-size: 22pt; font-weight: bold; }}
QLabel#screenShortcut {{ color: {MUTED}; font-size: 14pt; }}
QLabel#hint {{ color: {MUTED}; }}
QLabel#bigNumber {{ font-size: 26pt; font-weight: bold; }}
QLabel#brand {{ color: white; font-size: 17pt; font-weight: bold; padding: 14px 12px 4px 12px; }}
QLabel#brandStore {{ color: #c9d6e6; padding: 0 12px 12px 12px; }}

#nav {{ background: {NAV}; }}
#nav QPushButton {{
    color: white; background: transparent; border: none; text-align: left;
    padding: 9px 12px; font-size: 13pt; border-radius: 6px;
}}
#nav QPushButton:hover {{ background: {NAV_HOVER}; }}
#nav QPushButton:checked {{ background: {ACCENT}; font-weight: bold; }}
#nav QPushButton#lockButton {{ color: #c9d6e6; }}

#card {{ background: {CARD}; border: 1px solid {LINE}; border-radius: 8px; }}

QLineEdit, QSpinBox, QComboBox {{
    background: white; border: 1px solid {LINE}; border-radius: 6px; padding: 6px 8px;
    min-height: 28px;
}}
QLineEdit:focus, QSpinBox:focus, QComboBox:focus {{ border: 2px solid {ACCENT}; }}
QLineEdit:disabled, QComboBox:disabled {{ background: #e9edf2; color: {MUTED}; }}

QPushButton {{
    background: white; border: 1px solid {LINE}; border-radius: 6px; padding: 8px 16px;
    min-height: 26px;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:disabled {{ color: #9aa5b1; background: #eef1f4; }}
QPushButton[role="primary"] {{
    background: {ACCENT}; color: white; border: none; font-weight: bold;
}}
QPushButton[role="primary"]:disabled {{ background: #8fb3dc; color: #eef3f9; }}

QLabel#banner {{ border-radius: 6px; padding: 10px 14px; border: 1px solid {LINE}; }}
QLabel#banner[kind="error"] {{
    background: #fdecea; color: {ERROR}; border-color: #f5c2c0; font-weight: bold;
}}
QLabel#banner[kind="ok"] {{
    background: #e8f5e9; color: {OK}; border-color: #b9dfbb; font-weight: bold;
}}
QLabel#banner[kind="info"] {{ background: #e3f0fc; color: #0d47a1; border-color: #b6d4f2; }}

QStatusBar {{ background: #e4e9ef; border-top: 1px solid {LINE}; }}
QStatusBar QLabel {{ padding: 2px 14px; }}
QLabel#online {{ color: {OK}; font-weight: bold; }}
QLabel#offline {{ color: {WARN}; font-weight: bold; }}
QLabel#syncError {{ color: {ERROR}; font-weight: bold; }}

QTableWidget {{
    background: white; border: 1px solid {LINE}; border-radius: 6px;
    gridline-color: #e3e8ee; alternate-background-color: #f7f9fb;
}}
QHeaderView::section {{
    background: #e9eef4; border: none; border-bottom: 1px solid {LINE}; padding: 6px 8px;
    font-weight: bold;
}}
QProgressBar {{
    border: 1px solid {LINE}; border-radius: 6px; background: white; text-align: center;
    min-height: 26px;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 5px; }}
QCheckBox {{ spacing: 10px; }}
QGroupBox {{
    background: {CARD}; border: 1px solid {LINE}; border-radius: 8px; margin-top: 18px;
    padding: 14px 12px 10px 12px; font-weight: bold;
}}
QGroupBox::title {{ subcontrol-origin: margin; left: 12px; padding: 0 4px; }}
"""


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    font = QFont(FONT_FAMILY, BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
