"""The layers, checked from the code: the core never imports the edges, pages never touch the database,
components never read the request, no import circle.

Layers, bottom up: `vigie/` (the core: foundation modules, then the domain packages) <-
`cli/` and `server/` (the edges) <- `callbacks/`, `components/`, `pages/` <- `app.py`.
`vigie/__main__.py` is the launcher of `python -m vigie`: it only hands over to `cli/`.
"""
from __future__ import annotations

import ast
import re
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


EDGES = {"app", "server", "callbacks", "components", "pages", "cli"}
WEB = {"dash", "flask", "flask_login", "dash_leaflet", "dash_bootstrap_components", "werkzeug", "gunicorn", "click"}
PROJECT = ("vigie", "server", "callbacks", "components", "pages", "cli")


def test_core_imports_neither_the_edges_nor_the_web_stack() -> None:
    offenders = {str(p.relative_to(ROOT)): sorted(_imports(p) & (EDGES | WEB))
                 for p in (ROOT / "vigie").rglob("*.py") if p != ROOT / "vigie" / "__main__.py"}
    assert {k: v for k, v in offenders.items() if v} == {}
    assert _imports(ROOT / "vigie" / "__main__.py") <= {"cli"}


def _module_files() -> dict[str, Path]:
    """Every project module by dotted name (a package by its own name)."""
    found = {"app": ROOT / "app.py"}
    for package in PROJECT:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports, at the top or inside a function alike."""
    files = _module_files()

    def resolve(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(resolve(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.update(resolve(f"{node.module}.{alias.name}") for alias in node.names)
        graph[module] = {t for t in targets if t and t != module}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        circles.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in stack:
                low[node] = min(low[node], index[child])
    return circles


def test_no_import_circle_anywhere() -> None:
    assert _circles(_import_graph()) == []


def test_the_circle_check_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_arrow_up_between_the_edges() -> None:
    graph = _import_graph()
    rank = {"vigie": 0, "cli": 1, "server": 1, "components": 2, "pages": 3, "callbacks": 3, "app": 4}
    allowed = {("cli", "app")}  # `serve` loads the WSGI application it serves
    arrows = sorted((m, t) for m, targets in graph.items() for t in targets
                    if rank[t.split(".")[0]] > rank[m.split(".")[0]] and m != "vigie.__main__"
                    and (m.split(".")[0], t.split(".")[0]) not in allowed)
    assert arrows == []


def test_pages_do_not_query_or_import_the_app() -> None:
    for path in (ROOT / "pages").glob("*.py"):
        imports = _imports(path)
        assert "app" not in imports, f"{path.name} imports app (pages are imported while the app is built)"
        assert not imports & {"sqlite3", "sqlite_utils", "callbacks"}, f"{path.name} touches the database"
        source = path.read_text(encoding="utf-8")
        assert "vigie.store" not in source and "VIGIE_STORE" not in source, f"{path.name} reaches the store"


def test_callbacks_build_no_sql() -> None:
    """No string of a callback module reads like SQL (names such as Dash's no_update are not strings)."""
    for path in (ROOT / "callbacks").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        found = [m.group(0) for text in strings for m in [re.search(r"\b(SELECT|INSERT|UPDATE|DELETE FROM)\s", text)]
                 if m]
        assert not found, f"{path.name} contains SQL ({found[0].strip()})"


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


def test_the_core_asks_the_feed_for_providers_and_never_names_the_simulator() -> None:
    feed_side = (ROOT / "vigie" / "feed", ROOT / "vigie" / "runtime")
    naming = sorted(module for module, targets in _import_graph().items()
                    if module.startswith("vigie.") and any(t.startswith("vigie.feed.simulator") for t in targets)
                    and not any(_module_files()[module].is_relative_to(side) for side in feed_side))
    assert naming == []


def test_the_domain_packages_stand_on_each_other_without_a_circle() -> None:
    """Bottom up: foundation modules, calendar, feed, reference, analysis, forecast, operations, training,
    alerts, briefing, runtime (docs/architecture.md draws it)."""
    def room(module: str) -> str:
        return ".".join(module.split(".")[:2])

    graph: dict[str, set[str]] = {}
    for module, targets in _import_graph().items():
        if module.startswith("vigie."):
            graph.setdefault(room(module), set()).update(room(t) for t in targets
                                                        if t.startswith("vigie.") and room(t) != room(module))
    for targets in list(graph.values()):
        for target in targets:
            graph.setdefault(target, set())
    assert _circles(graph) == []


SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE FROM|CREATE|DROP|ALTER TABLE|PRAGMA|BEGIN|COMMIT|ROLLBACK)\b")
CONNECTION = {"db", "conn", "execute", "executemany", "query", "scalar"}  # and `.write()`, the store's transaction
GATEWAYS = {"vigie/store.py", "vigie/sectors.py",  # the store with its migrations runner, the sectors table
            # identity: each module is the gateway of its own tables and holds only the checks of what it stores
            "vigie/identity/accounts.py", "vigie/identity/tokens.py", "vigie/identity/audit.py",
            "vigie/identity/idle.py"}
NOT_YET: dict[str, str] = {}  # packages that still talk to the store from several modules, and why


def _store_contacts(path: Path) -> list[str]:
    """What a module does that only a repository may: SQL text, or the store's connection and queries."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and ast.get_docstring(node)
                  and isinstance(node.body[0], ast.Expr)}
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)
                and id(node) not in docstrings):
            found.append(f"line {node.lineno}: SQL {node.value[:40]!r}")
        elif isinstance(node, ast.Attribute) and node.attr in CONNECTION:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "write"
              and not node.args):  # a file's write(text) has an argument
            found.append(f"line {node.lineno}: .write()")
    return found


def test_only_the_repositories_talk_to_the_store() -> None:
    """In each domain package one module, repository.py, holds the SQL; the others receive rows from it."""
    offenders = {}
    for path in sorted((ROOT / "vigie").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if path.name == "repository.py" or name in GATEWAYS or any(name.startswith(p + "/") for p in NOT_YET):
            continue
        if found := _store_contacts(path):
            offenders[name] = found
    assert offenders == {}


def test_the_store_check_sees_sql_and_the_connection(tmp_path: Path) -> None:
    module = tmp_path / "pure.py"
    module.write_text('def f(store, tx, out):\n    """SELECT in prose."""\n    store.scalar("SELECT 1")\n'
                      '    tx.execute(f"UPDATE t SET a = {1}")\n    with store.write():\n'
                      '        out.write("a selection of sectors")\n', encoding="utf-8")
    assert sorted(_store_contacts(module)) == ["line 3: .scalar", "line 3: SQL 'SELECT 1'", "line 4: .execute",
                                               "line 4: SQL 'UPDATE t SET a = '", "line 5: .write()"]
