"""What may be shown to people: masked phone numbers and redacted, length-limited transcript snippets.

Gold is already redacted (``[CEDULA]``, ``[TARJETA]``, ``[TELEFONO]``, ``[EMAIL]``) and masks phone numbers; these
helpers are the second line of defence for everything the report and the alerts show, because a page or an
e-mail travels further than a table. HTML escaping is *not* done here: the report's templates autoescape and the
alert renderers escape for their own format (HTML, Slack mrkdwn).
"""

from __future__ import annotations

import re

SNIPPET_CHARS = 280

_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+", re.UNICODE)  # bounded: linear time
# 7+ digits, possibly split by spaces, dots or dashes: an identity, card or phone number that escaped redaction
_LONG_NUMBER = re.compile(r"(?<![\w\]])\+?\d(?:[\s.\-]?\d){6,}(?![\w\[])")
_PHONE_LIKE = re.compile(r"^\+?[0-9][0-9 ()-]{5,}[0-9]$")


def scrub_text(text: str | None) -> str:
    """Replace e-mail addresses and long digit runs that redaction missed by the gold placeholders."""
    if not text:
        return ""
    text = _EMAIL.sub("[EMAIL]", text)
    return _LONG_NUMBER.sub("[NUMERO]", text)


def safe_snippet(text: str | None, limit: int = SNIPPET_CHARS, *, one_line: bool = True) -> str:
    """At most ``limit`` characters (ending with an ellipsis when cut), scrubbed of stray PII; one line, or one
    line per speaker turn with ``one_line=False``."""
    # only a bounded prefix can be shown, so only that is scrubbed (keeps huge transcripts cheap)
    lines = [" ".join(line.split()) for line in scrub_text((text or "")[: 4 * limit]).splitlines()]
    lines = [line for line in lines if line]
    joined = (" " if one_line else "\n").join(lines)
    if len(joined) <= limit:
        return joined
    cut = joined[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:") + "…"


def mask_phone(value: str | None) -> str:
    """'+573001234567' -> '+573*******67' (the gold masking rule); already-masked values and non-phone endpoints
    such as ``client:maria.lopez`` are returned unchanged."""
    if not value:
        return ""
    if not _PHONE_LIKE.match(value):
        return value
    compact = re.sub(r"[ ()-]", "", value)
    return compact[:4] + "*" * max(len(compact) - 6, 1) + compact[-2:]
