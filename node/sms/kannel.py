"""Kannel's HTTP sendsms interface (smsbox's sendsms-port), one message per request."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import httpx

from node.settings import SmsSection

DLR_PATH = "/api/v1/sms/dlr"
# Kannel's delivery-report kinds: 1 delivered, 2 undelivered, 4 queued on the SMSC,
# 8 delivered to the SMSC, 16 non-delivered to the SMSC. 31 asks for all of them.
DLR_MASK = 31
UCS2 = 2  # coding=2: the text travels as UCS-2, what Chinese needs


class KannelUnreachable(Exception):
    """No answer, a timeout or a 5xx: the message is tried again later."""


class KannelRefused(Exception):
    """Kannel answered 4xx (wrong account, bad number...): trying again will not help."""


@dataclass(frozen=True)
class Outgoing:
    """What one sendsms request carries."""

    message_id: str
    to: str
    text: str
    dlr_token: str


def dlr_url(base: str, message_id: str, token: str) -> str:
    """The URL Kannel calls with each delivery report; it fills in %d and %T itself."""
    return f"{base.rstrip('/')}{DLR_PATH}?id={message_id}&token={quote(token)}&status=%d&ts=%T"


class KannelClient:
    """Sends through one smsbox; `close()` when done (it holds a connection pool)."""

    def __init__(self, settings: SmsSection, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.http = httpx.Client(timeout=settings.timeout_seconds, transport=transport)

    def close(self) -> None:
        self.http.close()

    def send(self, message: Outgoing) -> str:
        """Hand `message` to Kannel; its reply (e.g. `0: Accepted for delivery`).

        Raises KannelUnreachable or KannelRefused."""
        s = self.settings
        params = {
            "username": s.username,
            "password": s.password,
            "from": s.sender,
            "to": message.to,
            "text": message.text,
            "charset": "UTF-8",
            "coding": str(UCS2),
        }
        if s.dlr_base_url:
            params["dlr-mask"] = str(DLR_MASK)
            params["dlr-url"] = dlr_url(s.dlr_base_url, message.message_id, message.dlr_token)
        try:
            response = self.http.get(s.sendsms_url, params=params)
        except httpx.HTTPError as exc:
            raise KannelUnreachable(f"短信网关无法连接 (Kannel unreachable): {exc!r}") from exc
        reply = response.text.strip()[:200]
        if response.status_code >= 500:
            raise KannelUnreachable(f"短信网关出错 (Kannel error) {response.status_code}: {reply}")
        if response.status_code >= 300:  # 4xx, and a redirect nobody configured
            raise KannelRefused(f"短信网关拒绝 (Kannel refused) {response.status_code}: {reply}")
        return reply
