"""One catalogue: every key in French and English; no UI text written outside it."""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from vigie import i18n

ROOT = Path(__file__).resolve().parents[2]
UI_DIRS = ("pages", "components", "callbacks", "server")
TEXT_KWARGS = {"children", "label", "title", "placeholder", "alt", "caption", "header", "tooltip"}
COMPONENT_MODULES = {"html", "dbc", "dcc"}


def test_every_key_has_both_languages_and_the_same_placeholders() -> None:
    for key, texts in i18n.catalogue().items():
        assert set(texts) == set(i18n.LANGUAGES), f"{key}: languages {sorted(texts)}"
        fields = [{(f, spec) for _, f, spec, _ in string.Formatter().parse(texts[lang]) if f}
                  for lang in i18n.LANGUAGES]
        assert fields[0] == fields[1], f"{key}: placeholders (or their formats) differ between languages"
        assert all(t.strip() for t in texts.values()), f"{key}: empty text"


def test_keys_named_by_the_code_exist() -> None:
    """Every literal key given to an error (key="...") or a Message("...") is in the catalogue."""
    keys = set(i18n.catalogue())
    named = re.compile(r"""(?:\bkey=|\bMessage\()\s*["']([a-z_]+\.[a-z0-9_]+)["']""")
    found, missing = 0, []
    for folder in ("vigie", "server", "callbacks"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in named.finditer(path.read_text(encoding="utf-8")):
                found += 1
                if match.group(1) not in keys:
                    missing.append(f"{path.relative_to(ROOT)}: {match.group(1)}")
    assert found > 100 and missing == []


def test_missing_key_is_an_error() -> None:
    with pytest.raises(i18n.MissingMessage):
        i18n.translate("nowhere.nothing")


def _literal_texts(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id in COMPONENT_MODULES):
            continue
        candidates = list(node.args) + [kw.value for kw in node.keywords if kw.arg in TEXT_KWARGS]
        for arg in candidates:
            elements = arg.elts if isinstance(arg, (ast.List, ast.Tuple)) else [arg]
            for element in elements:
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    found.append((element.lineno, element.value))
    return found


def test_no_ui_text_is_hard_coded() -> None:
    offenders = []
    for folder in UI_DIRS:
        for path in (ROOT / folder).glob("*.py"):
            for line, text in _literal_texts(ast.parse(path.read_text(encoding="utf-8"))):
                if re.search(r"[A-Za-zÀ-ÿ]{2,}", text) and text not in {"Vigie"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert offenders == []


def test_used_keys_exist() -> None:
    keys = set(i18n.catalogue())
    missing = []
    for folder in UI_DIRS:
        for path in (ROOT / folder).glob("*.py"):
            for match in re.finditer(r"""\b(?:t|translate)\(\s*["']([a-z_]+\.[a-z0-9_]+)["']""",
                                     path.read_text(encoding="utf-8")):
                if match.group(1) not in keys:
                    missing.append(f"{path.name}: {match.group(1)}")
    assert missing == []


@pytest.mark.parametrize("value,fr,en", [(12345, "12\u00a0345", "12,345"), (0, "0", "0"), (None, "–", "–")])
def test_integer_format(value: int | None, fr: str, en: str) -> None:
    assert i18n.format_int(value, "fr") == fr
    assert i18n.format_int(value, "en") == en


def test_percent_and_time_formats() -> None:
    assert i18n.format_pct(0.034, 1, "fr") == "3,4\u00a0%"
    assert i18n.format_pct(0.034, 1, "en") == "3.4%"
    assert i18n.format_time(1_784_048_400, "fr") == "19:00"  # 2026-07-14T17:00Z = 19:00 in Paris (CEST)
