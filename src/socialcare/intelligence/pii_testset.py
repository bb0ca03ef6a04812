"""A labelled PII test set (German, English and Dutch formats) and its scorer.

Every case is a sentence written for this test set with the personal data it really contains.
Numbers that look like personal data but fail validation (wrong IBAN checksum, Luhn-invalid card,
impossible phone numbers) are in the negatives. Sample numbers are published example numbers
(e.g. the ECBS IBAN examples, Ofcom's drama range 020 7946 0xxx, card-network test numbers).
Used by ``tests/intelligence/test_pii.py`` and printed by ``benchmarks/quality.py``.
"""

from __future__ import annotations

from .pii import detect_pii

# (text, [(type, exact substring), ...])
CASES: list[tuple[str, list[tuple[str, str]]]] = [
    # IBAN
    ("Bitte erstatten Sie auf DE89 3704 0044 0532 0130 00 zurück.", [("iban", "DE89 3704 0044 0532 0130 00")]),
    ("Meine IBAN: DE89370400440532013000", [("iban", "DE89370400440532013000")]),
    ("Graag terugstorten op NL91 ABNA 0417 1643 00", [("iban", "NL91 ABNA 0417 1643 00")]),
    ("Rekeningnummer NL91ABNA0417164300 graag", [("iban", "NL91ABNA0417164300")]),
    ("Refund to GB29 NWBK 6016 1331 9268 19 please", [("iban", "GB29 NWBK 6016 1331 9268 19")]),
    ("IBAN DE89 3704 0044 0532 0130 01 (Tippfehler)", []),
    ("NL92ABNA0417164300 klopt niet", []),
    ("GB28 NWBK 6016 1331 9268 19 is wrong", []),
    # cards
    ("Charged twice on card 4111 1111 1111 1111 yesterday", [("card", "4111 1111 1111 1111")]),
    ("Kreditkarte 5555-5555-5555-4444 wurde belastet", [("card", "5555-5555-5555-4444")]),
    ("Amex 378282246310005 declined", [("card", "378282246310005")]),
    ("Mijn kaart 4012888888881881 werkt niet", [("card", "4012888888881881")]),
    ("card 4111 1111 1111 1112 was refused", []),
    ("Ticket 1234 5678 9012 3456 is not a card", []),
    # phones
    ("Ruft mich bitte an: 0171 1234567", [("phone", "0171 1234567")]),
    ("Meine Nummer ist +49 30 901820", [("phone", "+49 30 901820")]),
    ("Festnetz 030 901820, danke", [("phone", "030 901820")]),
    ("Call me on 020 7946 0958 after 5", [("phone", "020 7946 0958")]),
    ("My mobile is +44 7911 123456", [("phone", "+44 7911 123456")]),
    ("US office (212) 555-0188 never answers", [("phone", "(212) 555-0188")]),
    ("Bel me op 06 12345678 alsjeblieft", [("phone", "06 12345678")]),
    ("Ons nummer: +31 20 123 4567", [("phone", "+31 20 123 4567")]),
    ("Bereikbaar op 020-1234567", [("phone", "020-1234567")]),
    ("Order 123456789 arrived late", []),
    ("Zug 12345 fiel aus, 20 Minuten Verspätung", []),
    ("Bestelling 2023 was op 12-03-2024 verzonden", []),
    ("Call 0000 000000 for nothing", []),
    ("Version 11.0.3 crashes on startup", []),
    # e-mail
    ("Schreibt mir an max.mustermann@example.de", [("email", "max.mustermann@example.de")]),
    ("Mail jan.jansen+klacht@voorbeeld.nl graag", [("email", "jan.jansen+klacht@voorbeeld.nl")]),
    ("my email is jane_doe@example.co.uk", [("email", "jane_doe@example.co.uk")]),
    ("Thanks @AmazonHelp for nothing", []),
    # addresses
    ("Lieferadresse: Hauptstraße 12, 10115 Berlin", [("address", "Hauptstraße 12, 10115 Berlin")]),
    ("Ich wohne in der Goethestr. 5a", [("address", "Goethestr. 5a")]),
    ("Stuur het naar Kerkstraat 5, 1012 AB Amsterdam", [("address", "Kerkstraat 5, 1012 AB Amsterdam")]),
    ("Adres: Dorpsweg 112", [("address", "Dorpsweg 112")]),
    ("Deliver to 221B Baker Street please", [("address", "221B Baker Street")]),
    ("Postcode SW1A 1AA, London", [("address", "SW1A 1AA")]),
    ("Ship to 1600 Pennsylvania Avenue", [("address", "1600 Pennsylvania Avenue")]),
    ("Das kostet 10000 Euro", []),
    ("Straßenbahn fährt nicht", []),
    ("Strecke 5 Stunden gesperrt", []),
]

# Brand-configured customer numbers (passed as ``pii_patterns``).
BRAND_PATTERNS = {"customer_number": r"\bKD-\d{7}\b", "order_number": r"\b(?:ORD|BST)\d{8}\b"}
BRAND_CASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("Kundennummer KD-1234567, bitte prüfen", [("customer_number", "KD-1234567")]),
    ("Order ORD20240101 is missing", [("customer_number", "ORD20240101")]),
    ("Bestelling BST12345678 niet ontvangen", [("customer_number", "BST12345678")]),
    ("KD-123 is too short", []),
]


def score(cases=None, patterns=None) -> dict:
    """Exact-span precision and recall per type and overall."""
    if cases is None:
        cases = [(t, e, None) for t, e in CASES] + [(t, e, BRAND_PATTERNS) for t, e in BRAND_CASES]
    tp = fp = fn = 0
    per: dict[str, list[int]] = {}
    failures = []
    for text, expected, pats in cases:
        gold = set()
        for kind, sub in expected:
            start = text.index(sub)
            gold.add((kind, start, start + len(sub)))
        found = {(f["type"], f["start"], f["end"]) for f in detect_pii(text, pats or patterns)}
        for item in found | gold:
            counts = per.setdefault(item[0], [0, 0, 0])
            if item in found and item in gold:
                counts[0] += 1
            elif item in found:
                counts[1] += 1
            else:
                counts[2] += 1
        tp += len(found & gold)
        fp += len(found - gold)
        fn += len(gold - found)
        if found != gold:
            failures.append((text, sorted(gold), sorted(found)))

    def pr(t: int, f_p: int, f_n: int) -> tuple[float, float]:
        return (t / (t + f_p) if t + f_p else 1.0, t / (t + f_n) if t + f_n else 1.0)

    precision, recall = pr(tp, fp, fn)
    return {
        "cases": len(cases),
        "precision": precision,
        "recall": recall,
        "per_type": {k: dict(zip(("precision", "recall"), pr(*v), strict=True)) for k, v in sorted(per.items())},
        "failures": failures,
    }
