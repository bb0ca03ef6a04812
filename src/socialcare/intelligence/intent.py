"""Intent taxonomy, its value/waste mapping and the small rule layer on top of the intent model.

Value mapping (failure demand after John Seddon: contacts caused by a failure to do something, or
to do it right, for the customer):

* ``waste``: ``order_status`` ("where is my parcel?") and ``account_access`` ("I cannot log in").
  Both exist only because tracking or self-service did not work; better self-service removes them.
* ``value``: ``question``, ``complaint``, ``purchase_intent``, ``praise``, ``feedback``. A complaint
  is failure demand in the strict sense too, but it carries information the brand needs and must be
  answered, so reports count it as value; ``docs/intelligence.md`` explains the choice.
* ``neutral``: ``spam`` and ``other``: no customer demand at all.
"""

from __future__ import annotations

import re

INTENTS = (
    "question",
    "complaint",
    "praise",
    "purchase_intent",
    "order_status",
    "account_access",
    "feedback",
    "spam",
    "other",
)

INTENT_VALUE = {
    "question": "value",
    "complaint": "value",
    "praise": "value",
    "purchase_intent": "value",
    "feedback": "value",
    "order_status": "waste",
    "account_access": "waste",
    "spam": "neutral",
    "other": "neutral",
}

# Bitext's 27 synthetic intents mapped onto ours (documented in docs/models/intent.md).
BITEXT_TO_INTENT = {
    "track_order": "order_status",
    "delivery_period": "order_status",
    "track_refund": "order_status",
    "recover_password": "account_access",
    "registration_problems": "account_access",
    "switch_account": "account_access",
    "edit_account": "account_access",
    "delete_account": "question",
    "create_account": "question",
    "place_order": "purchase_intent",
    "check_payment_methods": "purchase_intent",
    "delivery_options": "purchase_intent",
    "complaint": "complaint",
    "payment_issue": "complaint",
    "review": "feedback",
    "cancel_order": "question",
    "change_order": "question",
    "change_shipping_address": "question",
    "set_up_shipping_address": "question",
    "get_refund": "question",
    "check_invoices": "question",
    "get_invoice": "question",
    "check_cancellation_fee": "question",
    "check_refund_policy": "question",
    "contact_customer_service": "question",
    "contact_human_agent": "question",
    "newsletter_subscription": "question",
}

# Lower-case phrases that mark promotional spam; plain substring tests are much faster than a
# case-insensitive regex alternation and this runs on every message.
SPAM_PHRASES = (
    "follow me", "follow back", "follow us and", "free followers", "followers free", "click here",
    "click the link", "link in bio", "giveaway", "gewinnspiel", "win a free", "win an iphone", "win free",
    "promo code", "promocode", "bitcoin", "crypto", "casino", "viagra", "porn", "xxx", "onlyfans",
    "make money", "earn money", "work from home", "check out my", "dm for promo", "jetzt kaufen",
    "gratis volgers", "geld verdienen", "snel geld", "klik op de link",
)


def spam_score(text: str) -> float:
    """Heuristic spam evidence in [0, 1]: promo phrases, link plus hashtag floods."""
    low = text.lower()
    score = 0.6 if any(p in low for p in SPAM_PHRASES) else 0.0
    urls = low.count("http")
    tags = low.count("#")
    if urls and tags >= 4:
        score += 0.4
    if urls >= 2 and tags >= 2:
        score += 0.2
    if tags >= 7:
        score += 0.3
    return min(score, 1.0)


# Keyword rules for the two failure-demand intents. Real messages phrase them very differently from
# the synthetic Bitext requests the model learned them from, and these phrases are unambiguous in
# German, English and Dutch. A rule only replaces question/complaint/other, never praise or spam.
_ACCOUNT_ACCESS = re.compile(
    r"\b(?:log\s?in|logged out|sign(?:ed)? in|password|passcode|locked out|lock(?:ed)? (?:out of )?my account|"
    r"hacked|2fa|two[- ]factor|2[- ]step|verification code|account (?:was |got |has been |is )?"
    r"(?:suspended|disabled|locked|blocked|banned|deleted|compromised)|recover (?:my )?account|"
    r"einloggen|anmelden|passwort|kennwort|konto (?:ist |wurde )?gesperrt|account (?:ist |wurde )?gesperrt|"
    r"gehackt|inloggen|wachtwoord|account (?:is )?geblokkeerd|niet (?:meer )?inloggen)\b",
    re.IGNORECASE,
)
_ORDER_STATUS = re.compile(
    r"\b(?:where(?:'s| is) my (?:order|package|parcel|delivery|refund|luggage|bag)|track(?:ing)? (?:number|my)|"
    r"tracking|(?:not|never) (?:been )?(?:arrived|delivered|received)|hasn'?t (?:arrived|been delivered)|"
    r"delivery status|order status|status of (?:my )?(?:order|flight|refund)|when will (?:my|it) (?:order |package )?"
    r"(?:arrive|ship|be delivered)|wo (?:ist|bleibt) (?:mein|meine)|sendungsverfolgung|nicht (?:angekommen|geliefert)|"
    r"wann (?:kommt|wird) (?:mein|meine)|waar (?:is|blijft) (?:mijn|de)|track (?:&|en|and) trace|"
    r"niet (?:ontvangen|geleverd|bezorgd)|wanneer (?:wordt|komt) (?:mijn|de))\b",
    re.IGNORECASE,
)
_RULE_REPLACES = frozenset({"question", "complaint", "other"})
# Substrings one of which every match of the pattern contains: the regex runs only if one is present.
_ACCOUNT_HINTS = ("log", "sign", "passw", "passc", "lock", "hack", "2fa", "factor", "step", "verification",
                  "suspend", "disabled", "blocked", "banned", "deleted", "compromised", "recover", "einlog",
                  "anmeld", "kennwort", "gesperrt", "gehackt", "inlog", "wachtwoord", "geblokkeerd")
_ORDER_HINTS = ("where", "track", "arrived", "deliver", "received", "status", "when will", "wo ist", "wo bleibt",
                "sendung", "angekommen", "geliefert", "wann ", "waar ", "ontvangen", "geleverd", "bezorgd",
                "wanneer")


def rule_intent(text: str, model_label: str) -> str | None:
    """``account_access`` / ``order_status`` when a keyword rule fires and may override the model."""
    if model_label not in _RULE_REPLACES:
        return None
    low = text.lower()
    if any(h in low for h in _ACCOUNT_HINTS) and _ACCOUNT_ACCESS.search(text):
        return "account_access"
    if any(h in low for h in _ORDER_HINTS) and _ORDER_STATUS.search(text):
        return "order_status"
    return None
