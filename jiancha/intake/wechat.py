"""The WeChat official account's forwarding (微信公众号消息推送): signature check and message parsing.

WeChat signs each request with SHA-1 over the sorted (token, timestamp, nonce); the token is the
one configured in the official account's console (``JIANCHA_WECHAT_TOKEN``). Only plaintext mode is
handled; a request with a wrong or stale signature is refused before its body is read.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.html import escape

MAX_SKEW_SECONDS = 300
MAX_BODY = 64 * 1024


def token() -> str:
    return str(getattr(settings, "INTAKE_WECHAT_TOKEN", ""))


def division_code() -> str:
    """The commission whose official account forwards (default: the first public one)."""
    return str(getattr(settings, "INTAKE_WECHAT_DIVISION", ""))


def signature(token_value: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token_value, timestamp, nonce])).encode()).hexdigest()


def signature_ok(timestamp: str, nonce: str, given: str, now: float | None = None) -> bool:
    if not token() or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs((now or time.time()) - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    # Bytes: compare_digest refuses (TypeError) a str with non-ASCII characters.
    return hmac.compare_digest(signature(token(), timestamp, nonce).encode(), given.encode())


@dataclass(frozen=True)
class WeChatMessage:
    to_user: str  # the official account
    from_user: str  # the follower's OpenID: the only contact there is; sealed like an identity
    msg_type: str
    content: str
    msg_id: str


class BadMessage(ValueError):
    pass


def parse(body: bytes) -> WeChatMessage:
    """The message in a POSTed body. Only what WeChat sends is taken: UTF-8 text that starts with
    ``<xml>`` (so no XML declaration can switch the encoding, and no DTD or entity can come first),
    with no DOCTYPE or ENTITY anywhere."""
    if len(body) > MAX_BODY:
        raise BadMessage("not a WeChat message")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadMessage("not UTF-8") from error
    upper = text.upper()
    if not text.lstrip().startswith("<xml>") or "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise BadMessage("not a WeChat message")
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as error:
        raise BadMessage(str(error)) from error

    def field(name: str) -> str:
        return (root.findtext(name) or "").strip()

    if root.tag != "xml" or not field("FromUserName"):
        raise BadMessage("not a WeChat message")
    return WeChatMessage(
        field("ToUserName"), field("FromUserName"), field("MsgType"), field("Content"), field("MsgId")
    )


def fresh(timestamp: str, nonce: str) -> bool:
    """True the first time a signed (timestamp, nonce) is seen within the validity window: a request
    recorded and sent again is refused (cache.add is atomic)."""
    return bool(cache.add(f"intake:wechat:nonce:{timestamp}:{nonce}", 1, 2 * MAX_SKEW_SECONDS + 60))


def text_reply(message: WeChatMessage, text: str, now: float | None = None) -> str:
    """A passive reply (被动回复) in the XML WeChat expects."""
    return (
        f"<xml><ToUserName><![CDATA[{escape(message.from_user)}]]></ToUserName>"
        f"<FromUserName><![CDATA[{escape(message.to_user)}]]></FromUserName>"
        f"<CreateTime>{int(now or time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text.replace(']]>', '')}]]></Content></xml>"
    )
