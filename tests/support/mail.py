"""What the tests' local SMTP server has received."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message


class Mailbox:
    """What the local SMTP server has received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def handle(self, envelope_content: bytes) -> None:
        self.messages.append(message_from_bytes(envelope_content))

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message: Message) -> str:
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode(part.get_content_charset() or "utf-8")
        raise AssertionError("no plain-text part")

    def link_in(self, message: Message, path_fragment: str) -> str:
        found = re.search(r"https?://\S*" + re.escape(path_fragment) + r"\S*", self.text(message))
        assert found, f"no link containing {path_fragment!r} in the email"
        return found.group(0)
