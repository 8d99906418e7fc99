"""Senders: SMTP for real mail, and a console sender for development that also keeps each
message as a file under instance/mail/ so its links can be followed."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class TransientMailError(Exception):
    """Delivery failed in a way that may succeed later (server down, busy, 4xx)."""


class PermanentMailError(Exception):
    """Delivery will never succeed (address refused, 5xx)."""


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def build_message(payload: dict[str, str], *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Message-ID"] = make_msgid(domain="productivity-broker.local")
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    return message


class SmtpSender:
    def __init__(self, config: dict[str, Any]) -> None:
        self.host = config["MAIL_SERVER"]
        self.port = config["MAIL_PORT"]
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.use_tls = config.get("MAIL_USE_TLS", False)

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
                if self.use_tls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentMailError(str(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentMailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TransientMailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientMailError(str(exc)) from exc


class ConsoleSender:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}.eml"
        path.write_bytes(bytes(message))
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        logger.info("email to %s: %s (saved as %s)\n%s", message["To"], message["Subject"], path, text)


def sender_for(config: dict[str, Any], instance_path: str) -> Sender:
    kind = config.get("MAIL_SENDER", "console")
    if kind == "smtp":
        return SmtpSender(config)
    if kind == "console":
        return ConsoleSender(Path(instance_path) / "mail")
    raise ValueError(f"MAIL_SENDER must be 'smtp' or 'console', not {kind!r}")
