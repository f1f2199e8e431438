"""Sending one notification: a signed JSON webhook (urllib) or an e-mail over SMTP with STARTTLS (smtplib)."""
from __future__ import annotations

import hashlib
import hmac
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from vigie.alerts.outbox import Delivery
from vigie.config import Settings
from vigie.errors import VigieError
from vigie.i18n import translate

SIGNATURE_HEADER = "X-Vigie-Signature"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would follow a POST's 301/302 with a body-less GET and call it delivered."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class DeliveryFailed(VigieError, RuntimeError):
    """The receiver did not take the message; it will be retried."""


def signature(body: bytes, secret: str) -> str:
    """`sha256=<hex HMAC-SHA256 of the body>` with the shared secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def where(url: str) -> str:
    """scheme://host[:port] of a URL: what logs and errors may show (paths and queries can hold tokens)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")


def send_webhook(delivery: Delivery, settings: Settings) -> None:
    """POST the body as JSON with its signature and Idempotency-Key; a non-2xx answer is a failure."""
    body = delivery.body.encode("utf-8")
    request = urllib.request.Request(delivery.target, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "Vigie-alerts/1",
        "Idempotency-Key": delivery.idempotency_key,
        SIGNATURE_HEADER: signature(body, settings.webhook_secret)})
    timeout = settings.alert_send_timeout_seconds
    try:
        with _OPENER.open(request, timeout=timeout) as response:  # http(s) only: checked in config
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"webhook {where(delivery.target)} answered {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"webhook {where(delivery.target)} unreachable: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook {where(delivery.target)} answered {status}")


def email_message(delivery: Delivery, settings: Settings) -> EmailMessage:
    """The e-mail of one change: subject with the event (and EXERCICE), text with the alert."""
    lang = settings.language
    payload = delivery.payload
    alert = payload["alert"]
    mark = f"[{translate('alerts.exercise_mark', lang)}] " if alert.get("exercise_id") is not None else ""
    event = translate(f"alerts.event_{payload['event']}", lang)
    message = EmailMessage()
    message["Subject"] = f"{mark}Vigie : {event} – {alert['summary']}"[:200]
    message["From"] = settings.smtp_sender
    message["To"] = delivery.target
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=delivery.idempotency_key, domain="vigie")
    message["Idempotency-Key"] = delivery.idempotency_key
    message.set_content("\n".join(_email_lines(alert, mark + event, lang)) + "\n")
    return message


def _email_lines(alert: dict[str, object], title: str, lang: str) -> list[str]:
    """Plain-text lines of the e-mail body."""
    lines = [title, "", str(alert["summary"]), "",
             f"{translate('alerts.severity_' + str(alert['severity']), lang)} · "
             f"{translate('alerts.state_' + str(alert['state']), lang)} · n° {alert['id']} ({alert['rule']})"]
    if alert.get("acknowledged_by"):
        lines.append(f"{alert['acknowledged_by']} : {alert.get('comment') or ''}".strip(" :"))
    return lines


def send_email(delivery: Delivery, settings: Settings) -> None:
    """Send one e-mail; STARTTLS (certificate checked) unless smtp_starttls is off."""
    timeout = settings.alert_send_timeout_seconds
    message = email_message(delivery, settings)  # built first: a bad message never opens a connection
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
            smtp.ehlo()
            if settings.smtp_starttls:
                cafile = settings.smtp_ca_file or None
                smtp.starttls(context=ssl.create_default_context(cafile=cafile))
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise DeliveryFailed(f"e-mail to {delivery.target} via {settings.smtp_host}: {exc}") from exc


def deliver(delivery: Delivery, settings: Settings) -> None:
    """Send one delivery by its channel; raise DeliveryFailed when it did not go through."""
    if delivery.channel == "webhook":
        send_webhook(delivery, settings)
    else:
        send_email(delivery, settings)


__all__ = ["DeliveryFailed", "SIGNATURE_HEADER", "deliver", "email_message", "signature", "where"]
