"""The domain core never imports the web stack; pages never touch the database; components never read the request."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _imports(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _modules(path)}


def test_core_imports_neither_dash_nor_flask() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & {"dash", "flask", "flask_login", "dash_leaflet",
                                                        "dash_bootstrap_components", "werkzeug", "server"})
        for p in (ROOT / "vigie").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_pages_do_not_query_or_import_the_app() -> None:
    for path in (ROOT / "pages").glob("*.py"):
        imports = _imports(path)
        assert "app" not in imports, f"{path.name} imports app (pages are imported while the app is built)"
        assert not imports & {"sqlite3", "sqlite_utils", "callbacks"}, f"{path.name} touches the database"
        source = path.read_text(encoding="utf-8")
        assert "vigie.store" not in source and "VIGIE_STORE" not in source, f"{path.name} reaches the store"


def test_callbacks_build_no_sql() -> None:
    for path in (ROOT / "callbacks").glob("*.py"):
        source = path.read_text(encoding="utf-8").upper()
        for keyword in ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM"):
            assert keyword not in source, f"{path.name} contains SQL ({keyword.strip()})"


REQUEST_SIDE = {"flask", "flask_login", "werkzeug", "server", "app"}


def test_components_read_no_request_and_import_no_callbacks() -> None:
    """Components get what they show (language, user, values) as arguments."""
    offenders = {
        path.name: sorted(_imports(path) & (REQUEST_SIDE | {"callbacks", "pages"}))
        for path in (ROOT / "components").glob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_pages_reach_the_request_only_through_the_screen_and_text_helpers() -> None:
    allowed = {"server.screens", "server.text"}
    for path in (ROOT / "pages").glob("*.py"):
        reached = {m for m in _modules(path) if m.split(".")[0] in REQUEST_SIDE} - allowed
        assert reached == set(), f"{path.name} imports {sorted(reached)}"


def test_callbacks_import_no_pages() -> None:
    for path in (ROOT / "callbacks").glob("*.py"):
        assert "pages" not in _imports(path), f"{path.name} imports a page (shared names go to components/)"


def test_the_server_builds_no_screen() -> None:
    """server/ sits below components/, pages/ and callbacks/: it hands them values, never the reverse."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & {"components", "pages", "callbacks", "app"})
        for path in (ROOT / "server").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
