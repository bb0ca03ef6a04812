"""Personal data in message text: validated detection, then masking for list views.

Cheap regular expressions find candidates; every number is then validated before it is reported:

* IBAN: ISO 13616 mod-97 checksum and country length (python-stdnum ``iban``);
* card numbers: 13-19 digits, a known issuer prefix and the Luhn checksum (python-stdnum ``luhn``);
* phone numbers: parsed with ``phonenumbers`` for DE, GB, NL and US and kept only when
  ``is_valid_number`` says so. Bare digit runs are accepted only in international form (``+``/``00``),
  with a national trunk ``0`` or in US layout (``(212) 555-0188``), which keeps order numbers and
  amounts out;
* e-mail addresses: a conservative pattern;
* postal addresses: German and Dutch street names with a house number (``Hauptstraße 12``,
  ``Kerkstraat 5``), English house number + street type (``221B Baker Street``), and postcodes that
  follow a recognisable layout (UK ``SW1A 1AA``, Dutch ``1012 AB``, German five digits followed by
  a capitalised town name, US state + ZIP);
* customer / order numbers: regular expressions configured per brand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn

PII_TYPES = ("phone", "iban", "card", "email", "address", "customer_number")
PHONE_REGIONS = ("DE", "GB", "NL", "US")
_PRIORITY = {"email": 0, "iban": 1, "card": 2, "customer_number": 3, "phone": 4, "address": 5}

_DIGITS = "0123456789"
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL_HINT = re.compile(r"@[\w-]+\.[A-Za-z]")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d \-/()]{5,20}\d(?!\d)")
_US_LAYOUT = re.compile(r"^(?:\+?1[ -]?)?(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}$")

_STREET_DE = (
    r"[A-ZÄÖÜ][\wäöüß.-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad)"
    r"|(?:[A-ZÄÖÜ][\wäöüß-]+\s)(?:Straße|Strasse|Weg|Platz|Allee|Gasse|Ring|Damm)"
)
_STREET_NL = r"[A-Z][a-z'-]*(?:straat|weg|laan|plein|gracht|kade|singel|dijk|steeg|markt|hof|pad)"
_HOUSE = r"\s\d{1,4}\s?[a-zA-Z]?(?:[-/]\d{1,4})?\b"
_DE_SUFFIXES = ("straße", "strasse", "str.", "weg", "platz", "allee", "gasse", "ring", "damm", "ufer", "chaussee",
                "steig", "pfad")
_NL_SUFFIXES = ("straat", "weg", "laan", "plein", "gracht", "kade", "singel", "dijk", "steeg", "markt", "hof", "pad")
_FIVE_DIGITS = re.compile(r"\d{5}")
# (guard on the lower-cased text, pattern): a pattern runs only when its cheap guard passes.
_ADDRESS_RULES: list[tuple[tuple[str, ...] | re.Pattern[str] | None, re.Pattern[str]]] = [
    (_DE_SUFFIXES, re.compile(rf"\b(?:{_STREET_DE}){_HOUSE}(?:,?\s\d{{5}}\s[A-ZÄÖÜ][\wäöüß-]+)?")),
    (_NL_SUFFIXES, re.compile(rf"\b{_STREET_NL}{_HOUSE}(?:,?\s\d{{4}}\s?[A-Z]{{2}}(?:\s[A-Z][a-z]+)?)?")),
    (None, re.compile(
        r"\b\d{1,5}[A-Za-z]?\s(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|"
        r"Boulevard|Blvd|Close|Way|Court|Ct|Place|Pl|Terrace|Crescent|Gardens|Square|Hill)\b\.?")),
    (None, re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b")),  # UK postcode
    (None, re.compile(r"\b\d{4}\s?(?!AM\b|PM\b)[A-Z]{2}\s[A-Z][a-z]+")),  # Dutch postcode + town
    (_FIVE_DIGITS, re.compile(
        r"(?<![\d.,])\b\d{5}\s(?:[A-ZÄÖÜ][a-zäöüß]+(?:[\s-][A-ZÄÖÜ][a-zäöüß]+)?)(?=\W|$)")),  # DE postcode + town
    (_FIVE_DIGITS, re.compile(
        r"\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|"
        r"V[AT]|W[AIVY]),?\s\d{5}(?:-\d{4})?\b")),  # US state + ZIP
]


_DIGIT_RUN = re.compile(r"\d+")


def _address_matches(text: str) -> list[tuple[int, int, str]]:
    """Address spans. Every address pattern contains a number, so the patterns only run on windows
    around digit runs (50 characters before, 40 after, widened to whole words)."""
    windows: list[list[int]] = []
    for m in _DIGIT_RUN.finditer(text):
        lo = text.rfind(" ", 0, max(0, m.start() - 50)) + 1
        hi = text.find(" ", min(len(text), m.end() + 40))
        hi = len(text) if hi < 0 else hi
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    out: dict[tuple[int, int], str] = {}
    for lo, hi in windows:
        window = text[lo:hi]
        low = window.lower()
        for guard, pattern in _ADDRESS_RULES:
            if guard is None or (isinstance(guard, tuple) and any(g in low for g in guard)) or (
                isinstance(guard, re.Pattern) and guard.search(window)
            ):
                for m in pattern.finditer(window):
                    out[(lo + m.start(), lo + m.end())] = m.group()
    return [(a, b, g) for (a, b), g in sorted(out.items())]


_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3[068]|6(?:011|5|4[4-9]|2)|35)")

# A German "postcode + town" hit such as "12345 Stück" or "10000 Euro" is not an address.
_NOT_TOWNS = {"euro", "eur", "dollar", "stück", "mal", "leute", "menschen", "kunden", "follower", "punkte", "jahre"}


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _valid_phone(candidate: str) -> bool:
    compact = re.sub(r"[^\d+]", "", candidate)
    digits = compact.lstrip("+")
    if not 7 <= len(digits) <= 15:
        return False
    if compact.startswith("+") or compact.startswith("00"):
        number = "+" + digits[2:] if compact.startswith("00") else compact
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(number, None))
        except phonenumbers.NumberParseException:
            return False
    regions: Iterable[str]
    if compact.startswith("0"):
        regions = ("DE", "NL", "GB")
    elif _US_LAYOUT.match(candidate.strip()):
        regions = ("US",)
    else:
        return False
    for region in regions:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(compact, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


def _valid_card(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and luhn.is_valid(digits)


def detect_pii(text: str, pii_patterns: Mapping[str, str] | None = None) -> list[dict]:
    """Validated personal-data findings as ``{"type", "start", "end"}`` dicts, sorted by position.

    ``pii_patterns`` maps a name (e.g. ``"order_number"``) to a brand's regular expression; its
    matches are reported as ``customer_number`` with the name under ``"pattern"``.
    """
    found: list[tuple[int, int, str, str | None]] = []
    for name, pattern in (pii_patterns or {}).items():
        for m in _compile(pattern).finditer(text):
            if m.end() > m.start():
                found.append((m.start(), m.end(), "customer_number", name))
    if "http" in text or "www." in text:
        # Links carry no personal data we flag; blank them (same length, offsets stay valid).
        text = _URL.sub(lambda m: " " * len(m.group()), text)
    if "@" in text and _EMAIL_HINT.search(text):
        found.extend((m.start(), m.end(), "email", None) for m in _EMAIL.finditer(text))
    digits = sum(map(text.count, _DIGITS))
    if digits:
        if digits >= 8:
            for m in _IBAN.finditer(text):
                if std_iban.is_valid(m.group()):
                    found.append((m.start(), m.end(), "iban", None))
        if digits >= 13:
            for m in _CARD.finditer(text):
                if _valid_card(m.group()):
                    found.append((m.start(), m.end(), "card", None))
        if digits >= 7:
            for m in _PHONE.finditer(text):
                cand = m.group().rstrip(" -/(")
                if _valid_phone(cand):
                    found.append((m.start(), m.start() + len(cand), "phone", None))
        for start, end, match in _address_matches(text):
            if match.rsplit(" ", 1)[-1].lower() in _NOT_TOWNS:
                continue
            found.append((start, end, "address", None))
    found.sort(key=lambda f: (_PRIORITY[f[2]], f[0]))
    kept: list[tuple[int, int, str, str | None]] = []
    for f in found:
        if not any(_overlaps((f[0], f[1]), (k[0], k[1])) for k in kept):
            kept.append(f)
    kept.sort(key=lambda f: f[0])
    out = []
    for start, end, kind, name in kept:
        item: dict = {"type": kind, "start": start, "end": end}
        if name is not None:
            item["pattern"] = name
        out.append(item)
    return out


def mask_pii(text: str, findings: Iterable[Mapping]) -> str:
    """Replace every finding by ``[type]`` (e.g. ``[phone]``) for list views and previews."""
    spans = sorted(((int(f["start"]), int(f["end"]), str(f["type"])) for f in findings), reverse=True)
    last_start = len(text) + 1
    for start, end, kind in spans:
        if end > last_start or start < 0:
            continue  # overlapping or out of range: the earlier replacement already covers it
        text = text[:start] + f"[{kind}]" + text[end:]
        last_start = start
    return text
