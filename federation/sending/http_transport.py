"""HTTP push to the parent's FastAPI endpoint (the default transport)."""

from __future__ import annotations

import httpx

from federation.batches.manifest import MANIFEST_HEADER, TAG_HEADER
from federation.batches.signatures import Signer
from federation.transport import PermanentRejection, TransientError

RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class HttpTransport:
    name = "http"

    def __init__(self, base_url: str, sender: str, signer: Signer, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.sender = sender
        self.signer = signer
        self.client = httpx.Client(base_url=self.base_url, timeout=timeout)

    def _check(self, resp: httpx.Response) -> dict:
        if resp.status_code in RETRYABLE:
            raise TransientError(f"parent answered {resp.status_code}")
        try:
            payload = resp.json()
        except ValueError:
            payload = {}
        if resp.status_code >= 400:
            message = payload.get("error", {}).get("message", resp.text[:200])
            raise PermanentRejection(resp.status_code, message)
        return payload

    def send(self, manifest_header: str, tag: str, body: bytes) -> dict:
        headers = {
            MANIFEST_HEADER: manifest_header,
            TAG_HEADER: tag,
            "content-type": "application/vnd.apache.arrow.stream",
        }
        try:
            resp = self.client.post("/federation/v1/batches", content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientError(f"cannot reach parent {self.base_url}: {exc}") from None
        return self._check(resp)

    def checkpoint(self) -> dict[str, int]:
        path = "/federation/v1/checkpoint"
        headers = self.signer.request_headers(self.sender, path)
        try:
            resp = self.client.get(path, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientError(f"cannot reach parent {self.base_url}: {exc}") from None
        return {k: int(v) for k, v in self._check(resp).get("tables", {}).items()}

    def close(self) -> None:
        self.client.close()
