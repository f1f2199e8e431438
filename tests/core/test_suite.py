"""The suite's own shape: tests/core mirrors vigie's packages, and no test module imports another."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.factories import ROOT

TESTS = ROOT / "tests"
CORE = TESTS / "core"


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports (absolute, or relative resolved to its last component)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
            if node.level:
                found.update(alias.name for alias in node.names)
    return found


def test_no_test_module_imports_another() -> None:
    offenders = sorted(f"{path.relative_to(ROOT)}: {module}"
                       for path in TESTS.rglob("*.py")
                       for module in _imported_modules(path)
                       if module.rsplit(".", 1)[-1].startswith("test_"))
    assert offenders == [], "shared fixtures go to a conftest, shared helpers to tests/factories.py"


def test_core_tests_import_no_conftest() -> None:
    offenders = sorted(str(path.relative_to(ROOT)) for path in CORE.rglob("*.py")
                       if any(module.rsplit(".", 1)[-1] == "conftest" for module in _imported_modules(path)))
    assert offenders == []


def test_core_folders_mirror_the_packages() -> None:
    packages = {p.name for p in (ROOT / "vigie").iterdir() if (p / "__init__.py").exists()} | {"cli"}
    folders = {p for p in CORE.iterdir() if p.is_dir() and p.name not in {"fixtures", "__pycache__"}}
    assert folders, "tests/core has no package folder"
    assert sorted(p.name for p in folders if p.name not in packages) == []
    assert sorted(p.name for p in folders if not (p / "__init__.py").exists()) == []
    assert sorted(p.name for p in CORE.glob("test_*.py") if p.stem[5:] in packages) == []
