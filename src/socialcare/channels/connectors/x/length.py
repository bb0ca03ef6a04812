"""X's weighted length: what the 280-character limit actually counts.

X counts a post the way its open-source ``twitter-text`` library (configuration v3) does:

- the text is NFC-normalised and walked code point by code point;
- code points in a few "light" ranges (Latin, Greek, Cyrillic, Hebrew, Arabic, Devanagari... up to
  U+10FF, plus some general punctuation) weigh 1, everything else (CJK, Hangul, most symbols) weighs 2;
- every URL weighs 23, however long it is (X wraps it in a t.co link);
- an emoji weighs 2, including a whole sequence (skin tones, ZWJ families, flags, keycaps).

This module registers the counter ``x_weighted`` in ``socialcare.channels.rules.length_counters``.
"""

from __future__ import annotations

import re
import unicodedata

from socialcare.channels.rules import length_counters

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
EMOJI_WEIGHT = 2
LIGHT_WEIGHT = 1
HEAVY_WEIGHT = 2

# (first, last) code points that weigh 1, from twitter-text's v3 configuration.
LIGHT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x10FF),
    (0x2000, 0x200D),
    (0x2010, 0x201F),
    (0x2032, 0x2037),
)

# A URL as X links it: with a scheme, with "www.", or a bare domain with a well-known TLD.
_URL = re.compile(
    r"(?:(?<=\s)|(?<=^)|(?<=[(\[\"'“]))"
    r"(?:https?://[^\s<>\"]+"
    r"|www\.[^\s<>\"]+"
    r"|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|org|net|io|co|de|nl|uk|fr|es|it|eu|info|biz|app|dev|me|ly|gl|gg|tv|us|ca|au|ch|at|be)"
    r"(?:/[^\s<>\"]*)?)",
    re.IGNORECASE,
)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\"”’"

_ZWJ = 0x200D
_VS15, _VS16 = 0xFE0E, 0xFE0F
_KEYCAP = 0x20E3


def _is_light(cp: int) -> bool:
    return any(first <= cp <= last for first, last in LIGHT_RANGES)


def _is_emoji_base(cp: int) -> bool:
    return (
        0x1F000 <= cp <= 0x1FAFF  # pictographs, emoticons, transport, supplemental symbols
        or 0x2600 <= cp <= 0x27BF  # miscellaneous symbols, dingbats
        or 0x2300 <= cp <= 0x23FF  # technical (watch, hourglass...)
        or 0x2B00 <= cp <= 0x2BFF  # arrows, stars
        or cp in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299)
    )


def _is_modifier(cp: int) -> bool:
    return 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F  # skin tones, tag sequences


def _is_regional(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _emoji_end(cps: list[int], i: int) -> int:
    """If an emoji sequence starts at ``i``, the index after it; otherwise ``i``."""
    cp = cps[i]
    n = len(cps)
    if _is_regional(cp):
        return i + 2 if i + 1 < n and _is_regional(cps[i + 1]) else i + 1
    if cp in range(0x30, 0x3A) or cp in (0x23, 0x2A):  # keycap: digit [VS16] U+20E3
        j = i + 1
        if j < n and cps[j] == _VS16:
            j += 1
        return j + 1 if j < n and cps[j] == _KEYCAP else i
    if not _is_emoji_base(cp):
        return i
    # Plain-text symbols in the light range (©, ®) are emoji only when followed by VS16.
    if _is_light(cp) and not (i + 1 < n and cps[i + 1] == _VS16):
        return i
    j = i + 1
    while j < n:
        if cps[j] in (_VS16, _VS15, _KEYCAP) or _is_modifier(cps[j]):
            j += 1
        elif cps[j] == _ZWJ and j + 1 < n and (_is_emoji_base(cps[j + 1]) or _is_regional(cps[j + 1])):
            j += 2
        else:
            break
    return j


def _weigh_plain(text: str) -> int:
    cps = [ord(ch) for ch in text]
    total = 0
    i = 0
    while i < len(cps):
        end = _emoji_end(cps, i)
        if end > i:
            total += EMOJI_WEIGHT
            i = end
            continue
        total += LIGHT_WEIGHT if _is_light(cps[i]) else HEAVY_WEIGHT
        i += 1
    return total


def weighted_length(text: str) -> int:
    """The length X uses to enforce its 280-character limit."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING_PUNCTUATION)
        start, end = match.start(), match.start() + len(url)
        total += _weigh_plain(text[position:start]) + URL_WEIGHT
        position = end
    return total + _weigh_plain(text[position:])


length_counters.register("x_weighted", weighted_length)
