"""users add | list | disable | enable | passwd."""
from __future__ import annotations

import sys

import click

from vigie.identity import accounts, audit
from cli import open_store


def _read_password(from_stdin: bool) -> tuple[str, bool]:
    """(password, generated): from stdin, or a random one to print once."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("no password on standard input")
        return password, False
    return accounts.generate_password(), True


@click.group()
def users() -> None:
    """Manage user accounts."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def add(ctx: click.Context, username: str, role: str, password_stdin: bool) -> None:
    """Create an account (a random password is printed once unless --password-stdin)."""
    store = open_store(ctx)
    password, generated = _read_password(password_stdin)
    accounts.add_user(store, username, role, password)
    audit.record(store, "user.add", username="cli", target=username, role=role)
    click.echo(f"user {username} created with role {role}")
    if generated:
        click.echo(f"password (shown once): {password}")


@users.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List accounts."""
    for user in accounts.list_users(open_store(ctx)):
        click.echo(f"{user.username}\t{user.role}\t{'active' if user.active else 'disabled'}")


def _set_active(ctx: click.Context, username: str, active: bool) -> None:
    store = open_store(ctx)
    accounts.set_active(store, username, active)
    audit.record(store, "user.enable" if active else "user.disable", username="cli", target=username)
    click.echo(f"user {username} {'enabled' if active else 'disabled'}")


@users.command("disable")
@click.argument("username")
@click.pass_context
def disable(ctx: click.Context, username: str) -> None:
    """Disable an account and end its sessions."""
    _set_active(ctx, username, False)


@users.command("enable")
@click.argument("username")
@click.pass_context
def enable(ctx: click.Context, username: str) -> None:
    """Enable a disabled account."""
    _set_active(ctx, username, True)


@users.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@click.pass_context
def passwd(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Set a new password (ends every session of the user)."""
    store = open_store(ctx)
    password, generated = _read_password(password_stdin)
    accounts.set_password(store, username, password)
    audit.record(store, "user.passwd", username="cli", target=username)
    click.echo(f"password of {username} changed")
    if generated:
        click.echo(f"password (shown once): {password}")


@users.command("ensure-admin")
@click.pass_context
def ensure_admin(ctx: click.Context) -> None:
    """Create the first admin `admin` when no admin exists, printing its password once."""
    store = open_store(ctx)
    if accounts.count_admins(store):
        click.echo("an admin account exists")
        return
    password = accounts.generate_password()
    accounts.add_user(store, "admin", "admin", password)
    audit.record(store, "user.add", username="cli", target="admin", role="admin")
    click.echo("=" * 60)
    click.echo("First admin account created. Note the password, it is shown once:")
    click.echo("  user:     admin")
    click.echo(f"  password: {password}")
    click.echo("=" * 60)


def register(main: click.Group) -> None:
    main.add_command(users)
