"""The application shell: navigation bar, clock, freshness, banners."""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.alerts import alert_bar
from components.props import dash_props
from vigie.i18n import translate


def nav_links(pages: list[dict[str, Any]], role_ok: Any, lang: str) -> list[Any]:
    """One link per registered page that declares a nav order and that the role may open."""
    visible = [p for p in pages if p.get("nav") is not None and role_ok(p.get("role", "display"))]
    return [
        dbc.NavItem(dbc.NavLink(translate(p["title_key"], lang), href=p["path"], active="exact",
                                className="shell-navlink"))
        for p in sorted(visible, key=lambda p: p["nav"])
    ]


def post_button(action: str, label: str, csrf: str, class_name: str, extra: list[Any] | None = None,
                **attrs: Any) -> html.Form:
    """A small same-origin form posting the session's CSRF token (state changes never ride on GET)."""
    fields = [dcc.Input(type="hidden", name="csrf", value=csrf), *(extra or [])]
    return html.Form([*fields, html.Button(label, type="submit", className=class_name, **attrs)],
                     action=action, method="POST", className="shell-form m-0")


def navbar(pages: list[dict[str, Any]], username: str, role: str, role_ok: Any, lang: str,
           csrf: str = "") -> dbc.Navbar:
    """Brand, then what is always read (freshness, clock, who is signed in), then the menu.

    Under 1200 px the page links and the buttons fold into the menu, so the bar stays one line
    on a tablet and a phone; the wall hides the menu and the buttons (CSS, `.shell-wall`).
    """
    brand = html.A([html.Img(src="/assets/logo.svg", height="34", alt=""),
                    html.Span("Vigie", className="ms-2 shell-brand-name")],
                   href="/", className="navbar-brand d-flex align-items-center")
    other = "en" if lang == "fr" else "fr"
    language = translate("shell.language", lang)
    status = html.Div([
        html.Span(id=ids.FRESHNESS, className="shell-freshness badge", role="status",
                  **dash_props({"data-lost": translate("shell.lost_since", lang)})),
        html.Span(id=ids.CLOCK, className="shell-clock", **dash_props({"aria-label": translate("shell.clock", lang)})),
        html.Span([html.Span(username, className="fw-bold"),
                   html.Span(translate(f"roles.{role}", lang), className="shell-role")], className="shell-user"),
    ], className="shell-status d-flex align-items-center")
    controls = html.Div([
        post_button(f"/langue/{other}", other.upper(), csrf, "btn btn-outline-light btn-sm shell-lang",
                    [dcc.Input(id=ids.LANG_NEXT, type="hidden", name="next", value="/")],
                    id=ids.LANG_LINK, title=language, **dash_props({"aria-label": language})),
        html.Button(translate("shell.theme_icon", lang), id=ids.THEME_TOGGLE,
                    className="btn btn-outline-light btn-sm shell-theme", title=translate("shell.theme_help", lang),
                    **dash_props({"aria-label": translate("shell.theme", lang)})),
        post_button("/logout", translate("shell.logout", lang), csrf, "btn btn-outline-light btn-sm shell-logout"),
    ], className="shell-controls d-flex align-items-center gap-2")
    return dbc.Navbar(
        dbc.Container([
            brand,
            status,
            dbc.NavbarToggler(id="shell-toggler"),
            dbc.Collapse([dbc.Nav(nav_links(pages, role_ok, lang), navbar=True, className="me-auto"), controls],
                         id="shell-collapse", navbar=True, is_open=False),
        ], fluid=True, className="shell-bar"),
        color="dark", dark=True, expand="xl", className="shell-navbar",
    )


def exercise_banner(state: dict[str, Any] | None, lang: str) -> html.Div:
    """The permanent EXERCICE banner (its clock is advanced in the browser from `state`)."""
    if state is None:
        return html.Div(html.Span(id=ids.SHELL_EXERCISE_TEXT), id=ids.EXERCISE_BANNER, hidden=True)
    return html.Div([html.Strong(translate("shell.exercise_mark", lang), className="me-2"),
                     html.Span(state["name"], className="me-2"),
                     html.Span(id=ids.SHELL_EXERCISE_TEXT)],
                    id=ids.EXERCISE_BANNER, className="shell-exercise", role="alert")


def idle_warning(csrf: str, lang: str) -> html.Div:
    """The warning shown before the session ends (hidden; assets/vigie-idle.js shows it and counts down).

    Its texts ride in data attributes: "{left}" is the time left, the idle pair is for an end that a
    user action pushes back ("Rester connecté"), the ending pair for the session's absolute end.
    """
    texts = {"data-idle-title": translate("shell.idle_title", lang), "data-idle-text": translate("shell.idle_text", lang),
             "data-ending-title": translate("shell.ending_title", lang),
             "data-ending-text": translate("shell.ending_text", lang)}
    return html.Div([
        html.Strong(translate("shell.idle_title", lang), id=ids.IDLE_TITLE),
        html.Span(id=ids.IDLE_TEXT),
        html.Button(translate("shell.idle_stay", lang), id=ids.IDLE_STAY, type="button", className="btn btn-dark"),
    ], id=ids.IDLE_WARNING, className="shell-idle", role="alertdialog", hidden=True,
        **dash_props({"aria-labelledby": ids.IDLE_TITLE, "aria-describedby": ids.IDLE_TEXT, "aria-modal": "false",
                      "data-csrf": csrf, **texts}))


def shell(pages: list[dict[str, Any]], username: str, role: str, role_ok: Any, content: Any,
          refresh_ms: int, lang: str, exercise: dict[str, Any] | None = None, csrf: str = "",
          sound_default: bool = True) -> html.Div:
    """Navbar + banners + the page container + the shared refresh interval, in the user's language."""
    return html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        dcc.Interval(id=ids.REFRESH, interval=refresh_ms, n_intervals=0),
        dcc.Interval(id=ids.CLOCK_TICK, interval=1000, n_intervals=0),
        dcc.Interval(id=ids.SHELL_EXERCISE_POLL, interval=3000, n_intervals=0, disabled=exercise is None),
        dcc.Store(id=ids.SHELL_EXERCISE, data=exercise),
        dcc.Store(id=ids.SHELL_EXERCISE_LEFT),
        dcc.Store(id=ids.SHELL_NOTICE_TEXT, data=translate("shell.exercise_over", lang)),
        # One sticky header: the EXERCICE banner never slides over the clock and the badge, and the
        # alert bar stays in sight while the page scrolls.
        html.Header([exercise_banner(exercise, lang), navbar(pages, username, role, role_ok, lang, csrf),
                     alert_bar(sound_default, lang)], className="shell-header"),
        html.Div(translate("shell.connection_lost", lang), id=ids.LOST_BANNER, className="shell-lost", role="alert",
                 hidden=True),
        idle_warning(csrf, lang),
        html.Div(id=ids.SHELL_NOTICE, className="shell-notice", role="status", hidden=True),
        html.Main(content, className="shell-main"),
    ], id="shell-root", className="shell shell-in-exercise" if exercise else "shell")


def forbidden(lang: str) -> html.Div:
    """What a page shows to a role that may not open it."""
    return html.Div(dbc.Alert(translate("shell.forbidden", lang), color="warning"), className="p-4")
