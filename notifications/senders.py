"""Senders: SMTP for real mail, GOV.UK Notify as an option, and a console sender for development
that also keeps each message as a file under instance/mail/ so its links can be followed.

A sender takes one `OutgoingEmail` and either returns (the mail server or Notify accepted it) or
raises `TransientMailError` (try again later) or `PermanentMailError` (it will never go).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from notifications.mail import OutgoingEmail, PermanentMailError, Sender, TransientMailError
from notifications.notify import NotifySender

logger = logging.getLogger(__name__)


def build_message(email: OutgoingEmail, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


class SmtpSender:
    """Sends through an SMTP server over a connection kept open for the next message.

    Opening a connection (TCP, the greeting, EHLO, STARTTLS and login where set) costs more than
    the message itself, so each process (each thread, with a threaded pool) keeps one and sends
    on it again. Before each reuse a NOOP checks the server is still there; if it is not, a new
    connection is opened, before anything of this message has been sent. A connection that fails
    during a send is dropped, never reused, and the failure is reported as before, so a message is
    never sent twice by this. After a while idle, or a number of messages, the connection is
    closed and opened again, before a server's own limits close it mid-message.
    """

    MAX_MESSAGES_PER_CONNECTION = 100
    MAX_IDLE_SECONDS = 30.0

    def __init__(self, config: dict[str, Any]) -> None:
        self.host = config["MAIL_SERVER"]
        self.port = config["MAIL_PORT"]
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.use_tls = config.get("MAIL_USE_TLS", False)
        self.from_address = config["MAIL_FROM"]
        self.timeout = config.get("MAIL_TIMEOUT_SECONDS", 30)

    def send(self, email: OutgoingEmail) -> None:
        message = build_message(email, sender=self.from_address)
        try:
            connection = self._connection()
            try:
                connection.smtp.send_message(message)
            except BaseException:
                _open.connection = None
                connection.smtp.close()
                raise
            connection.sent += 1
            connection.last_used = time.monotonic()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            if all(400 <= code < 500 for code in codes):
                raise TransientMailError(str(exc)) from exc
            raise PermanentMailError(str(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentMailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TransientMailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientMailError(str(exc) or type(exc).__name__) from exc

    def _connection(self) -> _SmtpConnection:
        """This thread's open connection to this server if it still answers, else a new one."""
        settings = (self.host, self.port, self.username, self.password, self.use_tls, self.timeout)
        held: _SmtpConnection | None = getattr(_open, "connection", None)
        if held is not None:
            _open.connection = None
            if held.pid != os.getpid():
                pass  # inherited through a fork: the socket is the parent's, leave it alone
            elif held.settings != settings or time.monotonic() - held.last_used >= self.MAX_IDLE_SECONDS:
                held.smtp.close()  # no QUIT: a server that has gone quiet could keep us waiting
            elif held.sent >= self.MAX_MESSAGES_PER_CONNECTION:
                _quit(held.smtp)
            elif _answers(held.smtp):
                _open.connection = held
                return held
            else:
                held.smtp.close()
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        _open.connection = _SmtpConnection(smtp, settings, os.getpid(), last_used=time.monotonic())
        return _open.connection


@dataclass
class _SmtpConnection:
    smtp: smtplib.SMTP
    settings: tuple[Any, ...]
    pid: int
    sent: int = 0
    last_used: float = 0.0


# Each thread's open SMTP connection: smtplib connections are not safe to share between threads.
_open = threading.local()


def _answers(smtp: smtplib.SMTP) -> bool:
    try:
        return smtp.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


def _quit(smtp: smtplib.SMTP) -> None:
    """Close politely if the server is still listening; either way, close."""
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


class ConsoleSender:
    def __init__(self, config: dict[str, Any], directory: Path) -> None:
        self.directory = directory
        self.from_address = config["MAIL_FROM"]

    def send(self, email: OutgoingEmail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}.eml"
        path.write_bytes(bytes(build_message(email, sender=self.from_address)))
        logger.info("email to %s: %s (saved as %s)\n%s", email.to, email.subject, path, email.text)


def sender_for(config: dict[str, Any], instance_path: str) -> Sender:
    kind = config.get("MAIL_SENDER", "console")
    if kind == "smtp":
        return SmtpSender(config)
    if kind == "console":
        return ConsoleSender(config, Path(instance_path) / "mail")
    if kind == "notify":
        return NotifySender(config)
    raise ValueError(f"MAIL_SENDER must be 'smtp', 'notify' or 'console', not {kind!r}")
