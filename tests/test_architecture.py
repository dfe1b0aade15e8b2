"""The arrows of ARCHITECTURE.md ("Which way the arrows point"), checked on every import.

    desktop | edge | central  ->  sync  ->  shared      (all three may use shared directly)

- shared imports no other part; sync imports only shared.
- central, edge and desktop never import each other (nor the minimarket CLI).
- Qt only under desktop/ui/ (and desktop files with "camera" in the name).
- FastAPI/Starlette only in central/, edge/ and sync/transport*.
- minimarket/ is the composition root (the CLI): it may import every part, but the Qt
  and FastAPI rules hold there too (it calls desktop.ui and central, it does not build
  widgets or apps itself).
- Settings come from shared/settings.py: no other module reads their variables from
  os.environ.

The checker reads source with ``ast`` (nothing is imported), resolves relative imports,
and sees imports anywhere in a file: inside functions, under ``TYPE_CHECKING``, and
``importlib.import_module("literal")``.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[1]

PARTS = ("shared", "sync", "central", "edge", "desktop", "minimarket")
ALLOWED_PARTS = {
    "shared": {"shared"},
    "sync": {"shared", "sync"},
    "central": {"shared", "sync", "central"},
    "edge": {"shared", "sync", "edge"},
    "desktop": {"shared", "sync", "desktop"},
    "minimarket": set(PARTS),
}
QT_MODULES = {"PySide6", "shiboken6", "PySide2", "PyQt5", "PyQt6"}
WEB_MODULES = {"fastapi", "starlette"}
SETTINGS_MODULE = "shared/settings.py"


@dataclass(frozen=True, order=True)
class Violation:
    path: str
    line: int
    imported: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.imported} ({self.reason})"


def package_parts(relative: PurePosixPath) -> list[str]:
    """The package a relative import in this file starts from."""
    parts = list(relative.with_suffix("").parts)
    return parts[:-1]


def imported_modules(
    tree: ast.AST, relative: PurePosixPath
) -> Iterator[tuple[int, str | None, str]]:
    """(line, dotted module name or None, raw text) for every import in a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.lineno, node.module, node.module
                continue
            raw = "." * node.level + (node.module or "")
            if not node.module:
                raw += " import " + ", ".join(alias.name for alias in node.names)
            package = package_parts(relative)
            drop = node.level - 1
            if drop >= len(package):  # every part is a top-level package
                yield node.lineno, None, raw
                continue
            base = package[: len(package) - drop]
            if node.module:
                yield node.lineno, ".".join([*base, node.module]), raw
            else:
                for alias in node.names:
                    yield node.lineno, ".".join([*base, alias.name]), raw
        elif (
            isinstance(node, ast.Call)
            and _call_name(node.func) in {"importlib.import_module", "import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            yield node.lineno, node.args[0].value, node.args[0].value


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return ""


def qt_allowed(relative: PurePosixPath) -> bool:
    parts = relative.parts
    if parts[:2] == ("desktop", "ui"):
        return True
    return parts[0] == "desktop" and "camera" in relative.name


def web_allowed(relative: PurePosixPath) -> bool:
    parts = relative.parts
    if parts[0] in {"central", "edge"}:
        return True
    return parts[0] == "sync" and len(parts) > 1 and parts[1].startswith("transport")


def check_import(relative: PurePosixPath, module: str | None) -> str | None:
    """Why importing ``module`` from this file breaks the arrows, or None when it is fine."""
    if module is None:
        return "relative import beyond the top-level package: it reaches into another part"
    part = relative.parts[0]
    top = module.split(".")[0]
    if top in PARTS and top not in ALLOWED_PARTS[part]:
        allowed = ", ".join(sorted(ALLOWED_PARTS[part]))
        return f"{part}/ may import only {allowed}"
    if top in QT_MODULES and not qt_allowed(relative):
        return "Qt is imported only under desktop/ui/ and desktop camera modules"
    if top in WEB_MODULES and not web_allowed(relative):
        return "FastAPI/Starlette only in central/, edge/ and sync/transport*"
    return None


def settings_variables() -> set[str]:
    from shared.settings import Settings

    return {Settings.env_name(field) for field in Settings.model_fields}


def environment_reads(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, variable) for os.environ[...], os.environ.get(...) and os.getenv(...)."""
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = node.slice
        elif isinstance(node, ast.Call) and node.args:
            name = _call_name(node.func)
            if name in {"os.getenv", "getenv"} or (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in {"get", "pop", "setdefault"}
                and _is_environ(node.func.value)
            ):
                key = node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield node.lineno, key.value


def _is_environ(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "environ"
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def python_files(root: Path) -> Iterator[Path]:
    for part in PARTS:
        directory = root / part
        if directory.is_dir():
            yield from sorted(p for p in directory.rglob("*.py") if "__pycache__" not in p.parts)


def find_violations(root: Path, env_variables: Collection[str] = ()) -> list[Violation]:
    violations = []
    for path in python_files(root):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError) as error:
            line = getattr(error, "lineno", 0) or 0
            violations.append(Violation(str(relative), line, "-", f"cannot parse: {error}"))
            continue
        for line, module, raw in imported_modules(tree, relative):
            reason = check_import(relative, module)
            if reason:
                shown = raw if module is None or raw == module else f"{raw} -> {module}"
                violations.append(Violation(str(relative), line, shown, reason))
        if str(relative) != SETTINGS_MODULE:
            for line, variable in environment_reads(tree):
                if variable in env_variables:
                    violations.append(
                        Violation(
                            str(relative),
                            line,
                            f"os.environ[{variable!r}]",
                            "settings are read only in shared/settings.py",
                        )
                    )
    return sorted(violations)


def test_imports_point_the_way_architecture_md_says():
    violations = find_violations(ROOT, settings_variables())

    assert not violations, "imports against ARCHITECTURE.md:\n" + "\n".join(map(str, violations))


# The checker itself, on a tree where every rule is broken once and kept once.

SYNTHETIC_TREE = {
    "shared/__init__.py": "",
    "shared/domain/ledger.py": "from . import money\nfrom ..security import passwords\n",
    "shared/bad.py": (
        "import sync.engine\n"
        "from central.deposito import api\n"
        "def later():\n"
        "    from PySide6 import QtCore\n"
        "    import fastapi\n"
    ),
    "shared/typing_only.py": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from desktop.app import sale\n"
    ),
    "shared/beyond.py": "from .. import central\n",
    "shared/settings.py": "import os\nURL = os.environ.get('DATABASE_URL')\n",
    "shared/reads_env.py": "import os\nURL = os.environ['DATABASE_URL']\nQT = os.getenv('QT_X')\n",
    "sync/engine.py": "from shared.domain import ledger\nfrom ..central import gateway\n",
    "sync/merge.py": "from starlette.requests import Request\nimport importlib\n"
    "importlib.import_module('edge.node')\n",
    "sync/transport.py": "from fastapi import APIRouter\n",
    "sync/transport_http/router.py": "import fastapi\nimport starlette\n",
    "central/deposito/api.py": (
        "import fastapi\nfrom sync import server\nfrom ...edge import node\nimport minimarket.cli\n"
    ),
    "edge/node.py": "from desktop.app import sale\nfrom sync import client\n",
    "desktop/app/sale.py": "from PySide6.QtWidgets import QWidget\nfrom . import uow\n",
    "desktop/ui/window.py": "from PySide6 import QtWidgets\nfrom desktop.app import sale\n",
    "desktop/camera_widget.py": "from PySide6.QtMultimedia import QCamera\n",
    "desktop/app/web.py": "import fastapi\n",
    "minimarket/cli.py": (
        "import central.deposito.api\nimport edge.node\nimport desktop.ui.window\n"
        "import sync.engine\nimport shared.bad\n"
    ),
    "minimarket/app.py": "from fastapi import FastAPI\n",
    "minimarket/broken.py": "def oops(:\n",
}


def test_the_checker_finds_every_kind_of_wrong_import(tmp_path):
    for relative, source in SYNTHETIC_TREE.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)

    found = {(v.path, v.line, v.imported) for v in find_violations(tmp_path, {"DATABASE_URL"})}

    assert found == {
        ("shared/bad.py", 1, "sync.engine"),
        ("shared/bad.py", 2, "central.deposito"),
        ("shared/bad.py", 4, "PySide6"),
        ("shared/bad.py", 5, "fastapi"),
        ("shared/typing_only.py", 3, "desktop.app"),
        ("shared/beyond.py", 1, ".. import central"),
        ("shared/reads_env.py", 2, "os.environ['DATABASE_URL']"),
        ("sync/engine.py", 2, "..central"),
        ("sync/merge.py", 1, "starlette.requests"),
        ("sync/merge.py", 3, "edge.node"),
        ("central/deposito/api.py", 3, "...edge"),
        ("central/deposito/api.py", 4, "minimarket.cli"),
        ("edge/node.py", 1, "desktop.app"),
        ("desktop/app/sale.py", 1, "PySide6.QtWidgets"),
        ("desktop/app/web.py", 1, "fastapi"),
        ("minimarket/app.py", 1, "fastapi"),
        ("minimarket/broken.py", 1, "-"),
    }


@pytest.mark.parametrize(
    ("relative", "source", "module"),
    [
        ("shared/a/b.py", "from ...x import y", None),  # three dots from shared/a: too far
        ("shared/a/b.py", "from .. import c", "shared.c"),
        ("shared/a/__init__.py", "from . import c", "shared.a.c"),
        ("shared/a/__init__.py", "from .c import d", "shared.a.c"),
        ("sync/b.py", "from .. import central", None),  # sync is top-level
        ("desktop/ui/main.py", "from ..app import sale", "desktop.app"),
    ],
)
def test_relative_imports_resolve_against_the_file_package(relative, source, module):
    [(_, resolved, _)] = list(imported_modules(ast.parse(source), PurePosixPath(relative)))

    assert resolved == module
