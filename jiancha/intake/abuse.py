"""Anti-abuse on the public pages without tracking reporters (防刷).

- **Proof of work** (工作量证明): the form carries a signed challenge; the browser finds a nonce such
  that SHA-256(challenge ":" nonce) starts with ``INTAKE_POW_BITS`` zero bits (static/intake/pow.js),
  which costs a phone a second or two and a spammer the same for every report. No third-party service.
  A challenge is used once and expires after an hour. ``INTAKE_POW_BITS = 0`` turns it off (the bench).
- **Rate limits**: counters in the cache keyed by a keyed hash of the client address that changes every
  day, kept only for the window; no address is written to the database or the logs. Behind a reverse
  proxy listed in ``JIANCHA_TRUSTED_PROXIES`` the address is taken from X-Forwarded-For.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

CHALLENGE_SECONDS = 3600


def pow_bits() -> int:
    return int(getattr(settings, "INTAKE_POW_BITS", 18))


def _sign(payload: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"intake-pow:" + payload.encode(), "sha256").hexdigest()[
        :32
    ]


def new_challenge(now: float | None = None) -> str:
    """``<time>.<random>.<bits>.<signature>``: the server keeps no state until it is answered."""
    payload = f"{int(now or time.time())}.{secrets.token_hex(8)}.{pow_bits()}"
    return f"{payload}.{_sign(payload)}"


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def check_work(challenge: str, nonce: str, now: float | None = None) -> bool:
    """True when the challenge is ours, fresh, unused and the nonce does the work it asks."""
    if pow_bits() == 0:
        return True
    try:
        stamp, _random, bits, signature = challenge.split(".")
        issued, needed = int(stamp), int(bits)
    except ValueError:
        return False
    payload = challenge.rsplit(".", 1)[0]
    # Bytes: compare_digest refuses (TypeError) a str with non-ASCII characters.
    if not hmac.compare_digest(signature.encode(), _sign(payload).encode()) or needed < pow_bits():
        return False
    if not 0 <= (now or time.time()) - issued <= CHALLENGE_SECONDS or len(nonce) > 32:
        return False
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    if leading_zero_bits(digest) < needed:
        return False
    # Used once: cache.add is atomic and fails when the key is there already.
    return cache.add(f"intake:pow:{signature}", 1, CHALLENGE_SECONDS)


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in getattr(settings, "JIANCHA_TRUSTED_PROXIES", []) or []:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            continue  # a typo must not make every address trusted
    return networks


def _trusted(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


def client_address(request: HttpRequest) -> str:
    """The visitor's address: REMOTE_ADDR, or behind a trusted proxy (``JIANCHA_TRUSTED_PROXIES``)
    the right-most address of X-Forwarded-For that is not itself a trusted proxy.

    Only the right end of the header is believed: everything left of the first untrusted hop can
    be written by the client.
    """
    address = request.META.get("REMOTE_ADDR", "")
    networks = _networks()
    if not networks or not _trusted(address, networks):
        return address
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else address


def _client(request: HttpRequest) -> str:
    day = time.strftime("%Y%m%d", time.gmtime())
    address = client_address(request)
    return hmac.new(settings.SECRET_KEY.encode(), f"{day}:{address}".encode(), "sha256").hexdigest()[:24]


def limit_reached(request: HttpRequest, action: str, limit: int, seconds: int) -> bool:
    """Count one more ``action`` from this client in the window; True when it goes over ``limit``."""
    if limit <= 0:
        return False
    key = f"intake:rate:{action}:{_client(request)}:{int(time.time()) // seconds}"
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    return count > limit


def submit_limited(request: HttpRequest) -> bool:
    return limit_reached(request, "submit", int(getattr(settings, "INTAKE_SUBMIT_PER_HOUR", 20)), 3600)


def lookup_limited(request: HttpRequest) -> bool:
    """Receipt-code attempts: a handful per quarter hour from one client."""
    return limit_reached(request, "lookup", int(getattr(settings, "INTAKE_LOOKUPS_PER_15_MIN", 10)), 900)
