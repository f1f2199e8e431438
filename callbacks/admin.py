"""Administration callbacks: every action is admin-only on the server and leaves an audit line."""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html

from callbacks import secure_callback
from components import ids
from components.cards import table
from server.context import username, vigie
from server.text import lang, t
from vigie.identity import accounts, audit, idle, tokens
from vigie.i18n import format_time

BUTTONS = (ids.ADM_CREATE, ids.ADM_DISABLE, ids.ADM_ENABLE, ids.ADM_RESET, ids.ADM_ENROL,
           ids.ADM_TOKEN_CREATE, ids.ADM_TOKEN_REVOKE)


def _secret(message: str, secret: str) -> dbc.Alert:
    """A one-time secret (password, token, link): shown once, in a copyable code block."""
    return dbc.Alert([html.P(message, className="mb-1"), html.Code(secret, className="user-select-all fs-5")],
                     color="success")


def perform(action: str | None, new_name: str, new_role: str, target: str, token_name: str, scope: str,
            base_url: str) -> Any:
    """Run one admin action; return the alert to show (None when nothing was asked)."""
    actor = username() or "?"
    try:
        if action == ids.ADM_CREATE:
            password = accounts.generate_password()
            accounts.add_user(vigie().store, new_name or "", new_role, password)
            audit.record(vigie().store, "user.add", username=actor, target=new_name, role=new_role)
            return _secret(t("admin.created", user=new_name), password)
        if action in (ids.ADM_DISABLE, ids.ADM_ENABLE):
            active = action == ids.ADM_ENABLE
            if not active and target == actor:
                return dbc.Alert(t("admin.not_yourself"), color="warning")
            accounts.set_active(vigie().store, target, active)
            audit.record(vigie().store, "user.enable" if active else "user.disable", username=actor, target=target)
            return dbc.Alert(t("admin.enabled" if active else "admin.disabled", user=target), color="info")
        if action == ids.ADM_RESET:
            password = accounts.generate_password()
            accounts.set_password(vigie().store, target, password)
            audit.record(vigie().store, "user.passwd", username=actor, target=target)
            return _secret(t("admin.reset_done", user=target), password)
        if action == ids.ADM_ENROL:
            link = base_url.rstrip("/") + "/enrol/" + accounts.create_enrolment(vigie().store, target, actor)
            audit.record(vigie().store, "user.enrolment", username=actor, target=target)
            return _secret(t("admin.enrol_done", user=target), link)
        if action == ids.ADM_TOKEN_CREATE:
            secret = tokens.create_token(vigie().store, token_name or "", scope)
            audit.record(vigie().store, "token.create", username=actor, target=token_name, scope=scope)
            return _secret(t("admin.token_created", name=token_name), secret)
        if action == ids.ADM_TOKEN_REVOKE:
            tokens.revoke_token(vigie().store, token_name or "")
            audit.record(vigie().store, "token.revoke", username=actor, target=token_name)
            return dbc.Alert(t("admin.token_revoked", name=token_name), color="info")
    except (accounts.AccountError, tokens.TokenError) as exc:
        return dbc.Alert(exc.message(lang()), color="danger")
    return None


def change_idle(action: str | None, role: str, minutes: object) -> Any:
    """Give a role its own idle time or take it back to the setting; the alert to show (None: nothing asked)."""
    actor, store = username() or "?", vigie().store
    try:
        if action == ids.ADM_IDLE_SAVE:
            chosen = idle.set_idle_minutes(store, role, minutes, actor)
            audit.record(store, "session.idle", username=actor, role=role, minutes=chosen)
            return dbc.Alert(t("admin.idle_set", role=t(f"roles.{role}"), minutes=chosen), color="info")
        if action == ids.ADM_IDLE_RESET:
            idle.reset_idle_minutes(store, role)
            audit.record(store, "session.idle", username=actor, role=role, minutes="default")
            return dbc.Alert(t("admin.idle_reset_done", role=t(f"roles.{role}"),
                               minutes=vigie().settings.session_idle_minutes), color="info")
    except accounts.AccountError as exc:
        audit.record(store, "session.idle", username=actor, outcome="refused", role=role, minutes=minutes)
        return dbc.Alert(exc.message(lang()), color="danger")
    return None


def _idle_row(role: str, choice: idle.IdleChoice | None) -> list[str]:
    settings = vigie().settings
    if role in accounts.IDLE_EXEMPT:
        return [t(f"roles.{role}"), t("admin.idle_none"), t("admin.idle_none_why", days=settings.display_session_days)]
    if choice is None:
        return [t(f"roles.{role}"), t("admin.idle_value", minutes=settings.session_idle_minutes), t("admin.idle_default")]
    when = format_time(choice.set_at, lang(), with_date=True)
    return [t(f"roles.{role}"), t("admin.idle_value", minutes=choice.minutes),
            t("admin.idle_chosen", who=choice.set_by, when=when)]


def idle_table() -> Any:
    """Each role's idle time and where it comes from, under the rule it follows."""
    chosen = idle.choices(vigie().store)
    rows = [_idle_row(role, chosen.get(role)) for role in accounts.ROLES]
    return html.Div([html.P(t("admin.idle_help", hours=vigie().settings.session_absolute_hours), className="small"),
                     table([t("admin.role"), t("admin.idle_time"), t("admin.idle_source")], rows)])


def users_table() -> Any:
    rows = [[u.username, t(f"roles.{u.role}"), t("admin.active") if u.active else t("admin.inactive")]
            for u in accounts.list_users(vigie().store)]
    return table([t("admin.username"), t("admin.role"), t("admin.state")], rows)


def tokens_table() -> Any:
    rows = [[r["name"], r["scope"], format_time(int(r["created_at"]), lang(), with_date=True),
             t("admin.revoked") if r["revoked_at"] else t("admin.active")] for r in tokens.list_tokens(vigie().store)]
    return table([t("admin.token_name"), t("admin.token_scope"), t("admin.created_at"), t("admin.state")], rows)


def audit_table() -> Any:
    rows = [[format_time(int(r["at"]), lang(), with_date=True), r["username"] or "–", r["action"], r["outcome"],
             r["address"] or "–"] for r in audit.recent(vigie().store, 25)]
    return table([t("admin.when"), t("admin.who"), t("admin.what"), t("admin.outcome"), t("admin.address")], rows)


def register(app: Dash) -> None:
    @secure_callback(app, "admin",
                     Output(ids.ADM_RESULT, "children"), Output(ids.ADM_USERS, "children"),
                     Output(ids.ADM_TARGET, "options"), Output(ids.ADM_TOKENS, "children"),
                     Output(ids.ADM_AUDIT, "children"),
                     *[Input(button, "n_clicks") for button in BUTTONS],
                     State(ids.ADM_NEW_NAME, "value"), State(ids.ADM_NEW_ROLE, "value"), State(ids.ADM_TARGET, "value"),
                     State(ids.ADM_TOKEN_NAME, "value"), State(ids.ADM_TOKEN_SCOPE, "value"))
    def _admin(*args: Any) -> tuple[Any, ...]:
        from flask import request

        new_name, new_role, target, token_name, scope = (str(a or "") for a in args[len(BUTTONS):])
        result = perform(ctx.triggered_id if ctx.triggered_id in BUTTONS else None, new_name, new_role, target,
                         token_name, scope, request.host_url)
        options = [{"label": f"{u.username} ({t(f'roles.{u.role}')})", "value": u.username}
                   for u in accounts.list_users(vigie().store)]
        return result, users_table(), options, tokens_table(), audit_table()

    @secure_callback(app, "admin", Output(ids.ADM_IDLE_RESULT, "children"), Output(ids.ADM_IDLE_TABLE, "children"),
                     Input(ids.ADM_IDLE_SAVE, "n_clicks"), Input(ids.ADM_IDLE_RESET, "n_clicks"),
                     State(ids.ADM_IDLE_ROLE, "value"), State(ids.ADM_IDLE_MINUTES, "value"))
    def _idle(_save: int | None, _reset: int | None, role: Any, minutes: Any) -> tuple[Any, Any]:
        action = ctx.triggered_id if ctx.triggered_id in (ids.ADM_IDLE_SAVE, ids.ADM_IDLE_RESET) else None
        return change_idle(action, str(role or ""), minutes), idle_table()
