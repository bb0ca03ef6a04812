from socialcare.intelligence.pii import detect_pii, mask_pii
from socialcare.intelligence.pii_testset import score


def test_pii_test_set_precision_and_recall():
    result = score()
    print(f"PII test set: {result['cases']} cases, precision {result['precision']:.3f}, recall {result['recall']:.3f}")
    assert result["cases"] >= 40
    assert result["precision"] >= 0.95, result["failures"]
    assert result["recall"] >= 0.95, result["failures"]


def test_iban_checksum_is_validated():
    assert [f["type"] for f in detect_pii("IBAN DE89 3704 0044 0532 0130 00")] == ["iban"]
    assert detect_pii("IBAN DE89 3704 0044 0532 0130 01") == []


def test_luhn_is_validated():
    assert [f["type"] for f in detect_pii("card 4111111111111111")] == ["card"]
    assert detect_pii("card 4111111111111112") == []


def test_phone_numbers_in_three_countries():
    for text in ("Tel. 0171 1234567", "phone 020 7946 0958", "bel 06 12345678", "call +1 212 555 0188"):
        assert [f["type"] for f in detect_pii(text)] == ["phone"], text
    assert detect_pii("Order 123456789") == []


def test_mask_pii_replaces_spans():
    text = "Mail max@example.de or call 0171 1234567."
    findings = detect_pii(text)
    assert mask_pii(text, findings) == "Mail [email] or call [phone]."
    assert mask_pii(text, []) == text
