"""A minimal HTTP client for the public form, as a browser would use it (CSRF cookie and token).

Used by the crash test and bench/intake.py; the proof of work must be off on the server it talks to
(``JIANCHA_INTAKE_POW_BITS=0``).
"""

from __future__ import annotations

import http.client
import re
import urllib.parse
from http.cookies import SimpleCookie

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CHALLENGE = re.compile(r'name="pow_challenge" value="([^"]+)"')
_CODE = re.compile(r'data-testid="receipt-code">([0-9 ]+)<')


class PublicClient:
    """One reporter's connection (keep-alive) to the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.token = ""

    def _request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()  # the dev server closes idle connections: open a new one
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            if "csrftoken" in cookie:
                self.cookie = f"csrftoken={cookie['csrftoken'].value}"
        return response.status, text

    def open_form(self) -> str:
        status, page = self._request("GET", "/report/")
        if status != 200:
            raise RuntimeError(f"GET /report/ answered {status}")
        self.token = _TOKEN.search(page).group(1)  # type: ignore[union-attr]
        return _CHALLENGE.search(page).group(1)  # type: ignore[union-attr]

    def submit(self, fields: dict[str, str], challenge: str = "") -> tuple[int, str]:
        """POST a report; returns the status and the receipt code (empty when refused)."""
        if not self.token:
            challenge = self.open_form()
        body = {"csrfmiddlewaretoken": self.token, "pow_challenge": challenge, "pow_nonce": "0", **fields}
        status, page = self._request("POST", "/report/", body)
        match = _CODE.search(page)
        return status, match.group(1).replace(" ", "") if match else ""

    def follow(self, code: str) -> tuple[int, str]:
        if not self.token:
            self.open_form()
        return self._request("POST", "/report/follow/", {"csrfmiddlewaretoken": self.token, "code": code})

    def close(self) -> None:
        self.connection.close()
