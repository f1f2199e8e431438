"""The application shell: navigation bar, clock, freshness, banners."""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.alerts import alert_bar
from components.text import lang, t


def nav_links(pages: list[dict[str, Any]], role_ok: Any) -> list[Any]:
    """One link per registered page that declares a nav order and that the role may open."""
    visible = [p for p in pages if p.get("nav") is not None and role_ok(p.get("role", "display"))]
    return [
        dbc.NavItem(dbc.NavLink(t(p["title_key"]), href=p["path"], active="exact", className="shell-navlink"))
        for p in sorted(visible, key=lambda p: p["nav"])
    ]


def navbar(pages: list[dict[str, Any]], username: str, role: str, role_ok: Any) -> dbc.Navbar:
    brand = html.A([html.Img(src="/assets/logo.svg", height="34", alt=""), html.Span("Vigie", className="ms-2")],
                   href="/", className="navbar-brand d-flex align-items-center")
    other = "en" if lang() == "fr" else "fr"
    user = html.Div([
        html.Span(id=ids.FRESHNESS, className="shell-freshness badge", role="status"),
        html.Span(id=ids.CLOCK, className="shell-clock", **{"aria-label": t("shell.clock")}),
        html.A(other.upper(), id=ids.LANG_LINK, href=f"/langue/{other}?next=/",
               className="btn btn-outline-light btn-sm shell-lang",
               title=t("shell.language"), **{"aria-label": t("shell.language")}),
        html.Button(t("shell.theme_icon"), id=ids.THEME_TOGGLE, className="btn btn-outline-light btn-sm shell-theme",
                    title=t("shell.theme_help"), **{"aria-label": t("shell.theme")}),
        html.Span([html.Span(username, className="fw-bold"), html.Span(t(f"roles.{role}"), className="shell-role")],
                  className="shell-user"),
        html.A(t("shell.logout"), href="/logout", className="btn btn-outline-light btn-sm shell-logout"),
    ], className="d-flex align-items-center gap-3 flex-wrap")
    return dbc.Navbar(
        dbc.Container([
            brand,
            dbc.NavbarToggler(id="shell-toggler"),
            dbc.Collapse(dbc.Nav(nav_links(pages, role_ok), navbar=True, className="me-auto"),
                         id="shell-collapse", navbar=True, is_open=False),
            user,
        ], fluid=True),
        color="dark", dark=True, className="shell-navbar", sticky="top",
    )


def exercise_banner(state: dict[str, Any] | None) -> html.Div:
    """The permanent EXERCICE banner (its clock is advanced in the browser from `state`)."""
    if state is None:
        return html.Div(html.Span(id=ids.SHELL_EXERCISE_TEXT), id=ids.EXERCISE_BANNER, hidden=True)
    return html.Div([html.Strong(t("shell.exercise_mark"), className="me-2"),
                     html.Span(state["name"], className="me-2"),
                     html.Span(id=ids.SHELL_EXERCISE_TEXT)],
                    id=ids.EXERCISE_BANNER, className="shell-exercise", role="alert")


def shell(pages: list[dict[str, Any]], username: str, role: str, role_ok: Any, content: Any,
          refresh_ms: int, exercise: dict[str, Any] | None = None, sound_default: bool = True) -> html.Div:
    """Navbar + banners + the page container + the shared refresh interval."""
    return html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        dcc.Interval(id=ids.REFRESH, interval=refresh_ms, n_intervals=0),
        dcc.Interval(id=ids.CLOCK_TICK, interval=1000, n_intervals=0),
        dcc.Interval(id=ids.SHELL_EXERCISE_POLL, interval=3000, n_intervals=0, disabled=exercise is None),
        dcc.Store(id=ids.SHELL_EXERCISE, data=exercise),
        exercise_banner(exercise),
        navbar(pages, username, role, role_ok),
        alert_bar(sound_default),
        html.Div(t("shell.connection_lost"), id=ids.LOST_BANNER, className="shell-lost", role="alert", hidden=True),
        html.Main(content, className="shell-main"),
    ], id="shell-root", className="shell shell-in-exercise" if exercise else "shell")
