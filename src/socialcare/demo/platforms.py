"""The demo's real platforms: X, Facebook, Messenger, Instagram, WhatsApp, Telegram, Bluesky and Mastodon,
all live through the loopback emulators.

- ``seed_platform_accounts(brands, urls)`` creates (idempotently, keyed by ``settings["demo_key"]``) the
  channel accounts of the two demo brands, two WhatsApp templates and two X listening streams.
- ``platform_script(seed)`` is about a hundred hand-written events over four minutes, each already in its
  platform's own delivery shape (X Account Activity, Meta ``page``/``instagram``/``whatsapp_business_account``
  batches, Telegram updates) or, for listening, a public X post for the filtered stream. Bluesky and
  Mastodon items are performed on their emulators, which then push them through the signed relay.
- ``run_platforms(base_url)`` starts every emulator on a fixed loopback port block (8771-8778 by default),
  points the accounts at them, delivers the script with its timing through each emulator's signed
  ``deliver``/``relay`` helper to ``base_url/hooks/<kind>/<id>``, and keeps serving (agents' replies reach
  the emulators) until SIGINT/SIGTERM.

Every text here was written for the demo; the people, shops and operators are invented.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from django.apps import apps
from django.conf import settings
from django.db import transaction

from socialcare.accounts.models import AgentProfile
from socialcare.channels.connectors.bluesky.adapter import RELAY_HEADER as BSKY_RELAY_HEADER
from socialcare.channels.connectors.bluesky.adapter import relay_sign as bsky_relay_sign
from socialcare.channels.connectors.bluesky.emulator import BlueskyEmulator
from socialcare.channels.connectors.mastodon.adapter import RELAY_HEADER as MASTO_RELAY_HEADER
from socialcare.channels.connectors.mastodon.adapter import relay_sign as masto_relay_sign
from socialcare.channels.connectors.mastodon.emulator import MastodonEmulator
from socialcare.channels.connectors.meta.common import sign_body
from socialcare.channels.connectors.meta.emulator import GraphEmulator
from socialcare.channels.connectors.telegram.emulator import TelegramEmulator
from socialcare.channels.connectors.whatsapp.emulator import WhatsAppEmulator
from socialcare.channels.connectors.x.emulator import XEmulator
from socialcare.channels.connectors.x.payloads import (
    account_activity,
    v1_dm_event,
    v1_dm_user,
    v1_tweet,
    v1_user,
    v2_post,
    v2_user,
)
from socialcare.channels.models import ChannelAccount
from socialcare.core.models import Brand

logger = logging.getLogger(__name__)

__all__ = [
    "ACCOUNTS",
    "DEFAULT_PORT_BASE",
    "DemoEmulators",
    "ScriptItem",
    "platform_script",
    "platform_urls",
    "run_platforms",
    "seed_platform_accounts",
]

DEFAULT_PORT_BASE = 8771
#: emulator -> offset from the port base (8771 ... 8778 by default)
PORT_OFFSETS = {
    "x_radhaus": 0,
    "x_tulp": 1,
    "graph": 2,
    "whatsapp": 3,
    "telegram": 4,
    "bluesky": 5,
    "mastodon": 6,
}

# --------------------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------------------

RADHAUS_X_ID = "4400100200"
TULP_X_ID = "4400300400"
RADHAUS_PAGE_ID = "104200300400501"
RADHAUS_IG_ID = "17841400555000101"
RADHAUS_BOT_ID = "7100200300"
TULP_PHONE_NUMBER_ID = "109876543210001"
TULP_DISPLAY_NUMBER = "31205550140"
TULP_WABA_ID = "220011223344556"
TULP_DID = "did:plc:tulpmobiel00000000000000"
TULP_MASTODON_ID = "113500000000000001"  # the Mastodon emulator's first account id (the brand)

#: demo key -> account spec; ``emulator`` names the emulator in PORT_OFFSETS that serves its API.
ACCOUNTS: dict[str, dict[str, str]] = {
    "radhaus_x": {
        "brand": "radhaus",
        "kind": "x",
        "display_name": "Radhaus · X",
        "external_id": RADHAUS_X_ID,
        "handle": "radhaus",
        "emulator": "x_radhaus",
    },
    "radhaus_facebook": {
        "brand": "radhaus",
        "kind": "facebook",
        "display_name": "Radhaus · Facebook",
        "external_id": RADHAUS_PAGE_ID,
        "handle": "radhaus.fahrraeder",
        "emulator": "graph",
    },
    "radhaus_messenger": {
        "brand": "radhaus",
        "kind": "messenger",
        "display_name": "Radhaus · Messenger",
        "external_id": RADHAUS_PAGE_ID,
        "handle": "radhaus.fahrraeder",
        "emulator": "graph",
    },
    "radhaus_instagram": {
        "brand": "radhaus",
        "kind": "instagram",
        "display_name": "Radhaus · Instagram",
        "external_id": RADHAUS_IG_ID,
        "handle": "radhaus.rad",
        "emulator": "graph",
    },
    "radhaus_telegram": {
        "brand": "radhaus",
        "kind": "telegram",
        "display_name": "Radhaus · Telegram",
        "external_id": RADHAUS_BOT_ID,
        "handle": "radhaus_hilfe_bot",
        "emulator": "telegram",
    },
    "tulp_x": {
        "brand": "tulp",
        "kind": "x",
        "display_name": "Tulp Mobiel · X",
        "external_id": TULP_X_ID,
        "handle": "tulpmobiel",
        "emulator": "x_tulp",
    },
    "tulp_whatsapp": {
        "brand": "tulp",
        "kind": "whatsapp",
        "display_name": "Tulp Mobiel · WhatsApp",
        "external_id": TULP_PHONE_NUMBER_ID,
        "handle": "+" + TULP_DISPLAY_NUMBER,
        "emulator": "whatsapp",
    },
    "tulp_bluesky": {
        "brand": "tulp",
        "kind": "bluesky",
        "display_name": "Tulp Mobiel · Bluesky",
        "external_id": TULP_DID,
        "handle": "tulpmobiel.bsky.social",
        "emulator": "bluesky",
    },
    "tulp_mastodon": {
        "brand": "tulp",
        "kind": "mastodon",
        "display_name": "Tulp Mobiel · Mastodon",
        "external_id": TULP_MASTODON_ID,
        "handle": "tulpmobiel",
        "emulator": "mastodon",
    },
}

#: Agents' channel lists get the kinds of their brand (an empty list already means "every channel").
AGENT_KINDS = {
    "anna": ["x", "facebook", "messenger", "instagram", "telegram"],
    "jonas": ["x", "facebook", "messenger", "instagram", "telegram"],
    "daan": ["x", "whatsapp", "bluesky", "mastodon"],
}

STREAMS = [
    # name, mode, keywords, hashtags, exclusions
    ("Tulp Mobiel storingen", "auto_ticket", ["tulp mobiel"], ["tulpstoring"], ["vacature"]),
    ("Concurrenten", "review", ["kievit telecom", "zwaluw mobiel"], ["kievitstoring"], ["vacature"]),
]

TEMPLATES = [
    # name, language, body, parameter labels
    (
        "storing_opgelost",
        "nl",
        "Hoi {{1}}, de storing in {{2}} is verholpen. Werkt je verbinding weer? "
        "Je kunt gewoon op dit bericht antwoorden.",
        ["Naam", "Plaats"],
    ),
    (
        "vraag_nog_open",
        "nl",
        "Hoi {{1}}, we hebben je vraag over {{2}} nog open staan. Laat je weten of je nog hulp nodig hebt?",
        ["Naam", "Onderwerp"],
    ),
]


def platform_urls(port_base: int = DEFAULT_PORT_BASE) -> dict[str, str]:
    """Demo key -> the loopback URL of the emulator that serves its API."""
    return {
        key: f"http://127.0.0.1:{port_base + PORT_OFFSETS[spec['emulator']]}"
        for key, spec in ACCOUNTS.items()
    }


def _new_secrets(kind: str, external_id: str, shared: dict[str, str]) -> tuple[dict[str, str], str]:
    """Fresh (credentials, webhook secret) for an account of ``kind``. Meta accounts share one app."""
    token = secrets.token_urlsafe(24)
    if kind == "x":
        consumer = secrets.token_urlsafe(32)
        return {"consumer_secret": consumer, "access_token": token}, consumer
    if kind in ("facebook", "messenger", "instagram"):
        return (
            {"access_token": shared["graph_access_token"], "verify_token": shared["meta_verify_token"]},
            shared["meta_app_secret"],
        )
    if kind == "whatsapp":
        return {"access_token": token, "verify_token": secrets.token_urlsafe(16)}, secrets.token_urlsafe(32)
    if kind == "telegram":
        return {"bot_token": f"{external_id}:{secrets.token_urlsafe(26)}"}, secrets.token_urlsafe(24)
    if kind == "bluesky":
        return {
            "identifier": "tulpmobiel.bsky.social",
            "app_password": secrets.token_urlsafe(12),
        }, secrets.token_urlsafe(24)
    return {"access_token": token}, secrets.token_urlsafe(24)  # mastodon


def _shared_meta_secrets() -> dict[str, str]:
    existing = ChannelAccount.objects.filter(kind="facebook", settings__demo_key="radhaus_facebook").first()
    if existing is not None:
        return {
            "graph_access_token": str(existing.credentials.get("access_token", "")),
            "meta_verify_token": str(existing.credentials.get("verify_token", "")),
            "meta_app_secret": existing.webhook_secret,
        }
    return {
        "graph_access_token": secrets.token_urlsafe(24),
        "meta_verify_token": secrets.token_urlsafe(16),
        "meta_app_secret": secrets.token_urlsafe(32),
    }


@transaction.atomic
def seed_platform_accounts(brands: dict[str, Brand], urls: dict[str, str]) -> dict[str, Any]:
    """Create or update the demo's platform accounts, WhatsApp templates and X streams (idempotent).

    Returns what the credentials file keeps under ``"platforms"``: per account its kind, id, webhook URL,
    API (emulator) URL and secrets.
    """
    shared = _shared_meta_secrets()
    accounts: dict[str, ChannelAccount] = {}
    for key, spec in ACCOUNTS.items():
        account = ChannelAccount.objects.filter(kind=spec["kind"], settings__demo_key=key).first()
        url = urls.get(key, "")
        if account is None:
            credentials, webhook_secret = _new_secrets(spec["kind"], spec["external_id"], shared)
            account = ChannelAccount.objects.create(
                brand=brands[spec["brand"]],
                kind=spec["kind"],
                display_name=spec["display_name"],
                external_id=spec["external_id"],
                handle=spec["handle"],
                webhook_secret=webhook_secret,
                credentials=credentials,
                api_base_url=url,
                settings={"demo_key": key},
            )
        elif url and account.api_base_url != url:
            account.api_base_url = url
            account.save(update_fields=["api_base_url"])
        accounts[key] = account
    # Meta pairing: the Facebook page's private conversations happen on its Messenger account.
    facebook, messenger = accounts["radhaus_facebook"], accounts["radhaus_messenger"]
    if facebook.settings.get("private_account_id") != messenger.pk:
        facebook.settings = {
            **facebook.settings,
            "private_account_id": messenger.pk,
            "audience_includes_german_users": True,
        }
        facebook.save(update_fields=["settings"])
    for key in ("radhaus_messenger", "radhaus_instagram"):
        account = accounts[key]
        if not account.settings.get("audience_includes_german_users"):
            account.settings = {
                **account.settings,
                "audience_includes_german_users": True,
                "human_agent_tag": True,
            }
            account.save(update_fields=["settings"])
    _seed_templates(accounts["tulp_whatsapp"])
    _seed_streams(brands["tulp"], accounts["tulp_x"])
    for username, kinds in AGENT_KINDS.items():
        profile = AgentProfile.objects.filter(user__username=username).first()
        if profile is not None and profile.channels and not set(kinds) <= set(profile.channels):
            profile.channels = [*profile.channels, *(k for k in kinds if k not in profile.channels)]
            profile.save(update_fields=["channels"])
    return {
        key: {
            "kind": account.kind,
            "account_id": account.pk,
            "display_name": account.display_name,
            "webhook_url": f"/hooks/{account.kind}/{account.pk}",
            "api_base_url": account.api_base_url,
            "external_id": account.external_id,
            "handle": account.handle,
            "webhook_secret": account.webhook_secret,
            "credentials": dict(account.credentials),
        }
        for key, account in accounts.items()
    }


def _seed_templates(account: ChannelAccount) -> None:
    if not apps.is_installed("socialcare.message_templates"):
        return
    from socialcare.message_templates.models import MessageTemplate

    for name, language, body, labels in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            channel_account=account,
            name=name,
            language=language,
            defaults={"body": body, "parameter_labels": labels},
        )


def _seed_streams(brand: Brand, account: ChannelAccount) -> None:
    if not apps.is_installed("socialcare.listening"):
        return
    from socialcare.listening.models import Stream

    for name, mode, keywords, hashtags, exclusions in STREAMS:
        Stream.objects.get_or_create(
            brand=brand,
            name=name,
            platform="x",
            defaults={
                "channel_account": account,
                "mode": mode,
                "keywords": keywords,
                "hashtags": hashtags,
                "exclusions": exclusions,
                "monthly_cap": 50,
            },
        )


# --------------------------------------------------------------------------------------------------
# People (all invented)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: str
    handle: str
    name: str
    followers: int = 150
    verified: bool = False
    lang: str = "de"


P = Person
X_PEOPLE = {
    "mia": P("5510001", "mia_faehrt", "Mia Krause", 310),
    "tobi": P("5510002", "tobi_pedal", "Tobias Brandt", 88),
    "jana": P("5510003", "radlerin_hh", "Jana Petersen", 1240),
    "malte": P("5510004", "cargo_papa", "Malte Ehlers", 41_800, True),
    "sam": P("5510005", "sam_rides_far", "Sam Whitfield", 520, lang="en"),
    "ole": P("5510006", "kettenblatt_ole", "Ole Hinrichs", 64),
    "femke": P("5520001", "femkevd", "Femke de Vries", 402, lang="nl"),
    "rutger": P("5520002", "rutger_bkr", "Rutger Bakker", 97, lang="nl"),
    "noor": P("5520003", "noor_020", "Noor El Amrani", 2210, lang="nl"),
    "jeroen": P("5520004", "techjeroen", "Jeroen Smit", 52_300, True, lang="nl"),
    "lisa": P("5520005", "lisa_in_utrecht", "Lisa Hendriks", 180, lang="nl"),
    "mark": P("5520006", "mark_expat_nl", "Mark Olsen", 75, lang="en"),
    "wouter": P("5530001", "wouterk", "Wouter Kramer", 640, lang="nl"),
    "ilse": P("5530002", "ilse_p", "Ilse Postma", 230, lang="nl"),
    "bram": P("5530003", "bram_fietst", "Bram Visser", 1120, lang="nl"),
    "kim": P("5530004", "kimtjeee", "Kim Jansen", 58, lang="nl"),
}
FB_PEOPLE = {
    "heike": P("6610001", "", "Heike Lorenz"),
    "paul": P("6610002", "", "Paul Kaminski"),
    "svenja": P("6610003", "", "Svenja Roth"),
    "erik": P("6610004", "", "Erik Nowak"),
    "gabi": P("6610005", "", "Gabi Sommer"),
    "chris": P("6610006", "", "Chris Baker", lang="en"),
}
IG_PEOPLE = {
    "lotta": P("17841455500001", "lotta.unterwegs", "Lotta"),
    "finn": P("17841455500002", "finn.gravel", "Finn"),
    "ayse": P("17841455500003", "ayse.radelt", "Ayşe"),
    "ben": P("17841455500004", "ben_builds_bikes", "Ben", lang="en"),
}
TG_PEOPLE = {
    "karl": P("301000101", "karl_schrauber", "Karl"),
    "nina": P("301000102", "ninawe", "Nina"),
    "yusuf": P("301000103", "yusuf_b", "Yusuf"),
}
WA_PEOPLE = {
    "sanne_v": P("31612340001", "NL.40118822001", "Sanne Verbeek", lang="nl"),
    "ahmed": P("31612340002", "NL.40118822002", "Ahmed Benali", lang="nl"),
    "eva": P("31612340003", "", "Eva Mulder", lang="nl"),
    "tom": P("31612340004", "NL.40118822004", "Tom Reed", lang="en"),
}
BSKY_PEOPLE = {
    "joost": P("did:plc:joostdemo0000000000000000", "joost.bsky.social", "Joost"),
    "mirte": P("did:plc:mirtedemo0000000000000000", "mirte.bsky.social", "Mirte"),
}
MASTO_PEOPLE = {
    "hanneke": P("", "hanneke", "Hanneke", lang="nl"),
    "pieter": P("", "pieter", "Pieter", lang="nl"),
}

# --------------------------------------------------------------------------------------------------
# The script
# --------------------------------------------------------------------------------------------------

#: (at seconds, platform op, person key, text, reference or options) per account. ``ref`` names an event
#: so later ones can reply to it or edit it. Ops: mention, reply (to ref), dm, stream (filtered-stream post),
#: comment, reply_comment, reaction, edit, visitor_post, text, quick_reply, image, button, edited.
Line = tuple[float, str, str, str, dict[str, str]]

RADHAUS_X: list[Line] = [
    (
        2,
        "mention",
        "mia",
        "@radhaus Mein Kiesel GR2 knackt seit dem Service beim Treten. Ist das normal?",
        {"ref": "mia1"},
    ),
    (
        9,
        "mention",
        "malte",
        "@radhaus Lastenrad seit 3 Wochen in der Werkstatt, niemand ruft zurück. "
        "So verliert man Stammkunden.",
        {"ref": "malte1"},
    ),
    (
        15,
        "dm",
        "tobi",
        "Hallo! Meine Bestellung 48213 sollte gestern kommen, DHL sagt nichts. Könnt ihr nachsehen?",
        {},
    ),
    (
        24,
        "reply",
        "mia",
        "Also beim Schalten auf das kleinste Ritzel ist es am schlimmsten.",
        {"to": "mia1", "ref": "mia2"},
    ),
    (
        33,
        "mention",
        "sam",
        "@radhaus do you ship e-bike batteries to Austria? Checkout won't let me pick it.",
        {"ref": "sam1"},
    ),
    (48, "reply", "ole", "@cargo_papa @radhaus bei mir genauso, zwei Wochen Funkstille.", {"to": "malte1"}),
    (
        62,
        "mention",
        "jana",
        "@radhaus Danke an die Filiale in Hamburg, Platten in 10 Minuten geflickt! 🚲",
        {"ref": "jana1"},
    ),
    (80, "dm", "tobi", "Die Sendungsnummer ist übrigens JJD000390007712.", {}),
    (
        101,
        "mention",
        "ole",
        "@radhaus Gibt es den Alltag 28 noch in Rahmengröße 52? Online steht ausverkauft.",
        {},
    ),
    (
        130,
        "dm",
        "sam",
        "Hi, following up by DM: my order is 48377, I'd like to change the delivery address.",
        {},
    ),
    (
        158,
        "reply",
        "malte",
        "@radhaus Immer noch nichts. Soll ich das Rad einfach abholen?",
        {"to": "malte1"},
    ),
    (
        205,
        "mention",
        "mia",
        "@radhaus Gibt es einen Termin für den Frühjahrscheck in Leipzig diese Woche?",
        {},
    ),
    (
        118,
        "mention",
        "sam",
        "@radhaus Also, is the Tempo SL frame available in XL? Size chart says 'coming soon'.",
        {},
    ),
    (
        176,
        "reply",
        "jana",
        "@radhaus Und der Mechaniker hat mir sogar die Bremsen nachgestellt, top!",
        {"to": "jana1"},
    ),
    (187, "dm", "ole", "Ich würde das Alltag 28 in 52 reservieren, falls es wieder reinkommt. Geht das?", {}),
    (238, "mention", "tobi", "@radhaus Paket ist da, danke fürs Nachhaken!", {}),
]
TULP_X: list[Line] = [
    (
        4,
        "mention",
        "femke",
        "@tulpmobiel al sinds vanochtend geen 4G in Utrecht-Oost. Storing?",
        {"ref": "fem1"},
    ),
    (
        7,
        "stream",
        "wouter",
        "Weer geen bereik bij Tulp Mobiel in Utrecht, dit is de derde keer deze maand",
        {"lang": "nl"},
    ),
    (12, "stream", "ilse", "Is er een storing? Bellen lukt niet meer #tulpstoring", {"lang": "nl"}),
    (
        18,
        "mention",
        "jeroen",
        "@tulpmobiel Jullie statuspagina zegt 'alles werkt' terwijl half Utrecht offline "
        "is. Communicatie kan beter.",
        {"ref": "jer1"},
    ),
    (
        22,
        "stream",
        "bram",
        "Overstappen naar Kievit Telecom of toch blijven? Iemand ervaring met hun 5G?",
        {"lang": "nl"},
    ),
    (
        27,
        "dm",
        "rutger",
        "Hoi, mijn nummer wordt volgende week overgezet maar ik heb nog geen nieuwe simkaart ontvangen.",
        {},
    ),
    (36, "reply", "lisa", "@femkevd @tulpmobiel hier in Tuindorp ook niks", {"to": "fem1"}),
    (
        44,
        "stream",
        "kim",
        "Zwaluw Mobiel belooft onbeperkt data voor 15 euro, klinkt te mooi om waar te zijn",
        {"lang": "nl"},
    ),
    (
        52,
        "mention",
        "mark",
        "@tulpmobiel Hi, is roaming in Switzerland included in my Tulp Flex plan? The app doesn't say.",
        {},
    ),
    (
        66,
        "stream",
        "wouter",
        "Tulp Mobiel werkt weer in Utrecht-Oost, na vier uur #tulpstoring",
        {"lang": "nl"},
    ),
    (
        75,
        "reply",
        "femke",
        "Het werkt weer, maar mijn bundel is wel leeggelopen door wifi-bellen?",
        {"to": "fem1"},
    ),
    (
        88,
        "mention",
        "noor",
        "@tulpmobiel Waarom staat er €12,50 extra op mijn rekening? Ik heb niks bijbesteld.",
        {},
    ),
    (97, "stream", "ilse", "Vacature bij Tulp Mobiel in Amsterdam, iemand interesse?", {"lang": "nl"}),
    (110, "dm", "rutger", "Klantnummer is 7730129, postcode 3581 AB.", {}),
    (
        124,
        "stream",
        "bram",
        "Kievit Telecom heeft ook al de hele middag storing #kievitstoring",
        {"lang": "nl"},
    ),
    (
        139,
        "mention",
        "lisa",
        "@tulpmobiel Kan ik mijn abonnement pauzeren tijdens een half jaar in het buitenland?",
        {},
    ),
    (
        171,
        "stream",
        "kim",
        "Eerlijk is eerlijk, de klantenservice van Tulp Mobiel heeft het snel opgelost 👍",
        {"lang": "nl"},
    ),
    (
        196,
        "dm",
        "mark",
        "Hello, I'd like to port my number to Tulp. Can I keep my current prepaid credit?",
        {},
    ),
    (228, "stream", "wouter", "Opnieuw #tulpstoring, nu in Zeist. Iemand anders ook?", {"lang": "nl"}),
    (146, "reply", "noor", "@tulpmobiel Het gaat om factuur 2024-0392, graag snel reactie.", {"to": "jer1"}),
    (
        158,
        "stream",
        "ilse",
        "Mijn oma is overgestapt naar Zwaluw Mobiel en snapt haar nieuwe rekening niet",
        {"lang": "nl"},
    ),
    (
        207,
        "mention",
        "rutger",
        "@tulpmobiel Simkaart is binnen, activeren lukt alleen niet: code wordt geweigerd.",
        {},
    ),
    (
        236,
        "mention",
        "jeroen",
        "@tulpmobiel Goed dat de storing eruit is. Volgende keer graag eerder een update.",
        {"ref": "jer2"},
    ),
]
RADHAUS_FACEBOOK: list[Line] = [
    (
        3,
        "comment",
        "heike",
        "Macht ihr den Frühjahrscheck auch für Räder, die nicht bei euch gekauft wurden?",
        {"ref": "c1", "post": "spring"},
    ),
    (
        11,
        "comment",
        "paul",
        "Mein Strom E5 zeigt Fehler E-07 an. Was bedeutet das?",
        {"ref": "c2", "post": "spring"},
    ),
    (20, "reaction", "svenja", "", {"to": "c1", "reaction": "like", "post": "spring"}),
    (
        29,
        "reply_comment",
        "erik",
        "Paul, das ist bei mir der Geschwindigkeitssensor gewesen.",
        {"to": "c2", "post": "spring"},
    ),
    (
        38,
        "edit",
        "paul",
        "Mein Strom E5 zeigt Fehler E-07 an, auch nach Neustart. Was bedeutet das?",
        {"to": "c2", "post": "spring"},
    ),
    (
        57,
        "visitor_post",
        "gabi",
        "Habe am Samstag 2 Stunden auf meine Inspektion gewartet, obwohl ich einen "
        "Termin hatte. Sehr ärgerlich.",
        {},
    ),
    (
        84,
        "comment",
        "chris",
        "Do you have English-speaking staff in the Berlin shop?",
        {"ref": "c3", "post": "spring"},
    ),
    (117, "reaction", "heike", "", {"to": "c3", "reaction": "love", "post": "spring"}),
    (
        150,
        "comment",
        "svenja",
        "Wie lange dauert der Check ungefähr? Brauche das Rad täglich für die Arbeit.",
        {"post": "spring"},
    ),
    (214, "comment", "erik", "Gibt es die Aktion auch für Kinderräder?", {"post": "spring"}),
    (
        178,
        "reply_comment",
        "heike",
        "Danke, dann melde ich mich per Nachricht.",
        {"to": "c1", "post": "spring"},
    ),
    (232, "visitor_post", "chris", "Great service at the Freiburg shop today, thanks to the whole team!", {}),
]
RADHAUS_MESSENGER: list[Line] = [
    (6, "text", "heike", "Hallo, ich hätte gern einen Termin für den Frühjahrscheck.", {}),
    (14, "quick_reply", "heike", "Termin buchen", {"payload": "BOOK_SERVICE"}),
    (31, "text", "erik", "Moin, wo finde ich die Rahmennummer an meinem Tempo SL?", {}),
    (46, "image", "erik", "", {"url": "https://scontent.example/demo/rahmen-unterseite.jpg"}),
    (93, "text", "heike", "Am liebsten Donnerstag nach 17 Uhr, Filiale Köln.", {}),
    (
        182,
        "text",
        "gabi",
        "Ich möchte mich über die Wartezeit beschweren, siehe meinen Beitrag auf eurer Seite.",
        {},
    ),
    (126, "text", "erik", "Danke, gefunden! Sie steht unter dem Tretlager: RH22-004518.", {}),
    (224, "text", "heike", "Perfekt, Donnerstag 17:30 passt. Bis dann!", {}),
]
RADHAUS_INSTAGRAM: list[Line] = [
    (8, "comment", "lotta", "Wie heißt die Farbe von dem Rad? 😍", {"ref": "i1", "media": "gravel"}),
    (26, "comment", "finn", "Passen da 45er Reifen rein?", {"ref": "i2", "media": "gravel"}),
    (41, "dm", "ayse", "Hallo! Ich habe ein Geschenkgutschein bekommen, kann ich ihn online einlösen?", {}),
    (70, "reply_comment", "lotta", "@finn.gravel laut Datenblatt bis 42 mm", {"to": "i2", "media": "gravel"}),
    (105, "comment", "ben", "Shipping to the Netherlands possible?", {"media": "gravel"}),
    (143, "dm", "ayse", "Der Code fängt mit RH-GS an, falls das hilft.", {}),
    (190, "dm", "finn", "Kann ich das Kiesel GR2 irgendwo Probe fahren? Wohne bei Bremen.", {}),
    (155, "comment", "ayse", "Endlich wieder lieferbar! Welche Größe bei 1,68 m?", {"media": "gravel"}),
    (230, "dm", "lotta", "Hi! Ich würde gern in eurer nächsten Story mit meinem Rad vorkommen 😄", {}),
]
RADHAUS_TELEGRAM: list[Line] = [
    (
        5,
        "text",
        "karl",
        "Guten Tag, ich brauche eine Ersatzkette für ein Alltag 28 von 2022. Welche passt?",
        {"ref": "t1"},
    ),
    (19, "text", "nina", "Hallo, ist die Filiale in Münster heute bis 19 Uhr offen?", {"ref": "t2"}),
    (35, "edited", "nina", "Hallo, ist die Filiale in Münster heute bis 20 Uhr offen?", {"to": "t2"}),
    (58, "text", "yusuf", "Mein Akku lädt nicht mehr, LED blinkt rot. Garantie läuft noch bis Juni.", {}),
    (98, "text", "karl", "Es ist eine 8-fach Schaltung, falls wichtig.", {}),
    (163, "text", "yusuf", "Kaufbeleg habe ich noch, soll ich den schicken?", {}),
    (199, "text", "nina", "Danke! Und kann ich dort auch ein Kinderrad zur Probe ausleihen?", {}),
    (234, "text", "karl", "Super, dann bestelle ich die Kette online. Schönen Feierabend!", {}),
]
TULP_WHATSAPP: list[Line] = [
    (10, "text", "sanne_v", "Hoi, mijn internet thuis via de 5G-router valt steeds weg sinds gisteren.", {}),
    (21, "button", "sanne_v", "Storing melden", {"button": "menu_storing"}),
    (
        39,
        "text",
        "ahmed",
        "Goedemiddag, ik wil mijn abonnement verlengen maar de app geeft een foutmelding.",
        {},
    ),
    (
        55,
        "text",
        "eva",
        "Mijn telefoon is gestolen, kunnen jullie mijn simkaart blokkeren? Nummer eindigt op 4471.",
        {},
    ),
    (77, "text", "tom", "Hi, I'm moving to Rotterdam, do I need to change anything in my contract?", {}),
    (91, "button", "ahmed", "Abonnement", {"button": "menu_abonnement"}),
    (120, "text", "sanne_v", "Router opnieuw opgestart, lampje blijft oranje.", {}),
    (175, "text", "eva", "Dank jullie! Ik heb een nieuwe telefoon, hoe krijg ik een nieuwe sim?", {}),
    (220, "text", "tom", "And can I take my number with me if I switch to a business plan later?", {}),
    (141, "button", "sanne_v", "Monteur inplannen", {"button": "storing_monteur"}),
    (200, "text", "ahmed", "De verlenging is gelukt, dank jullie wel!", {}),
]
TULP_BLUESKY: list[Line] = [
    (
        16,
        "mention",
        "joost",
        "@tulpmobiel.bsky.social is er een storing in Amersfoort? Geen data sinds 9 uur.",
        {},
    ),
    (
        86,
        "mention",
        "mirte",
        "@tulpmobiel.bsky.social Kan ik mijn esim overzetten naar een nieuwe telefoon "
        "zonder naar de winkel te gaan?",
        {},
    ),
    (188, "mention", "joost", "@tulpmobiel.bsky.social Werkt weer, dank voor de snelle update!", {}),
    (226, "mention", "mirte", "@tulpmobiel.bsky.social Top, het overzetten via de app werkte meteen.", {}),
]
TULP_MASTODON: list[Line] = [
    (
        30,
        "mention",
        "hanneke",
        "@tulpmobiel Bestaat er een abonnement zonder data, alleen bellen en sms?",
        {},
    ),
    (
        134,
        "mention",
        "pieter",
        "@tulpmobiel Mijn factuur van maart is twee keer afgeschreven, wie kan helpen?",
        {},
    ),
    (
        212,
        "mention",
        "hanneke",
        "@tulpmobiel Dank voor de uitleg, ik stap over naar het belbundel-abonnement.",
        {},
    ),
]

SCRIPT: dict[str, list[Line]] = {
    "radhaus_x": RADHAUS_X,
    "tulp_x": TULP_X,
    "radhaus_facebook": RADHAUS_FACEBOOK,
    "radhaus_messenger": RADHAUS_MESSENGER,
    "radhaus_instagram": RADHAUS_INSTAGRAM,
    "radhaus_telegram": RADHAUS_TELEGRAM,
    "tulp_whatsapp": TULP_WHATSAPP,
    "tulp_bluesky": TULP_BLUESKY,
    "tulp_mastodon": TULP_MASTODON,
}
PEOPLE = {
    "x": X_PEOPLE,
    "facebook": FB_PEOPLE,
    "messenger": FB_PEOPLE,
    "instagram": IG_PEOPLE,
    "telegram": TG_PEOPLE,
    "whatsapp": WA_PEOPLE,
    "bluesky": BSKY_PEOPLE,
    "mastodon": MASTO_PEOPLE,
}
BRAND_POSTS = {"spring": f"{RADHAUS_PAGE_ID}_1209001", "gravel": "18022000000555001"}


@dataclass(frozen=True)
class ScriptItem:
    """One event of the demo. ``payload`` is the delivery body in the platform's own shape.

    ``channel``: ``webhook`` (signed POST to /hooks/<kind>/<id>), ``stream`` (a public X post published into
    the X emulator's filtered stream; ``payload`` is the ``post.create`` envelope the listening app stores
    for it) or ``relay`` (Bluesky/Mastodon: performed on the emulator, pushed through the signed relay;
    ``payload`` is the notification list the relay sends).
    """

    at: float
    account: str
    kind: str
    payload: dict[str, Any] | list[Any]
    channel: str = "webhook"
    post: dict[str, Any] = field(default_factory=dict)


class _Ids:
    """Platform ids for one run (``run`` keeps ids of a new demo run apart from an earlier one's)."""

    def __init__(self, run: int) -> None:
        self.run = run
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n

    def x_post(self, n: int) -> str:
        return str(1_870_000_000_000_000_000 + self.run * 1000 + n)

    def x_dm(self, n: int) -> str:
        return str(1_880_000_000_000_000_000 + self.run * 1000 + n)


def platform_script(
    seed: int = 7, *, start: datetime | None = None, run: int = 0, time_scale: float = 1.0
) -> list[ScriptItem]:
    """The demo's platform traffic, sorted by time. ``start`` is when it begins (timestamps in the payloads
    are ``start + at``), ``time_scale`` stretches or shrinks the timing (1/speedup)."""
    start = start or datetime.now(UTC)
    rng = random.Random(seed)
    ids = _Ids(run)
    refs: dict[str, dict[str, Any]] = {}
    items: list[ScriptItem] = []
    for account, lines in SCRIPT.items():
        spec = ACCOUNTS[account]
        for at, op, who, text, opts in lines:
            moment = max(0.0, (at + rng.uniform(-1.0, 1.0)) * time_scale)
            when = start + timedelta(seconds=moment)
            person = PEOPLE[spec["kind"]][who]
            built = _BUILDERS[spec["kind"]](account, op, person, text, opts, when, ids, refs)
            channel = (
                "stream"
                if op == "stream"
                else "relay"
                if spec["kind"] in ("bluesky", "mastodon")
                else "webhook"
            )
            payload, post = built if isinstance(built, tuple) else (built, {})
            items.append(
                ScriptItem(
                    at=round(moment, 2),
                    account=account,
                    kind=spec["kind"],
                    payload=payload,
                    channel=channel,
                    post=post,
                )
            )
    items.sort(key=lambda item: item.at)
    return items


# --- X ----------------------------------------------------------------------------------------------


def _x(
    account: str,
    op: str,
    person: Person,
    text: str,
    opts: dict[str, str],
    when: datetime,
    ids: _Ids,
    refs: dict[str, dict[str, Any]],
) -> Any:
    brand_id = ACCOUNTS[account]["external_id"]
    brand_handle = ACCOUNTS[account]["handle"]
    n = ids.next()
    if op == "dm":
        users = {
            person.id: v1_dm_user(person.id, person.handle, person.name, person.followers, person.verified),
            brand_id: v1_dm_user(brand_id, brand_handle, brand_handle.title(), 25_000, True),
        }
        event = v1_dm_event(
            event_id=ids.x_dm(n), sender_id=person.id, recipient_id=brand_id, text=text, created_at=when
        )
        return account_activity(brand_id, direct_message_events=[event], users=users)
    post_id = ids.x_post(n)
    if op == "stream":
        post = v2_post(
            post_id=post_id,
            text=text,
            author_id=person.id,
            created_at=when,
            lang=opts.get("lang", person.lang),
        )
        user = v2_user(person.id, person.handle, person.name, person.followers, person.verified)
        envelope = {"data": {"event_type": "post.create", "payload": post, "includes": {"users": [user]}}}
        return envelope, {"post": post, "user": user}
    parent = refs.get(opts.get("to", ""), {})
    user = v1_user(person.id, person.handle, person.name, person.followers, person.verified)
    tweet = v1_tweet(
        tweet_id=post_id,
        text=text,
        user=user,
        created_at=when,
        in_reply_to_status_id=parent.get("id", ""),
        in_reply_to_user_id=parent.get("author_id", ""),
        in_reply_to_screen_name=parent.get("handle", ""),
    )
    if opts.get("ref"):
        refs[opts["ref"]] = {"id": post_id, "author_id": person.id, "handle": person.handle}
    return account_activity(brand_id, tweet_create_events=[tweet])


# --- Meta ---------------------------------------------------------------------------------------------


def _facebook(
    account: str,
    op: str,
    person: Person,
    text: str,
    opts: dict[str, str],
    when: datetime,
    ids: _Ids,
    refs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    page_id = ACCOUNTS[account]["external_id"]
    n = ids.next()
    stamp = int(when.timestamp())
    author = {"id": person.id, "name": person.name}
    post_id = BRAND_POSTS.get(opts.get("post", ""), "")
    short = post_id.split("_")[-1]
    value: dict[str, Any]
    if op == "visitor_post":
        value = {
            "item": "status",
            "verb": "add",
            "post_id": f"{page_id}_{ids.run}{n:04d}",
            "from": author,
            "message": text,
            "created_time": stamp,
            "published": 1,
        }
    elif op == "reaction":
        target = refs[opts["to"]]["id"]
        value = {
            "item": "reaction",
            "verb": "add",
            "post_id": post_id,
            "comment_id": target,
            "parent_id": post_id,
            "reaction_type": opts.get("reaction", "like"),
            "from": author,
            "created_time": stamp,
        }
    elif op == "edit":
        target = refs[opts["to"]]
        value = {
            "item": "comment",
            "verb": "edited",
            "post_id": post_id,
            "comment_id": target["id"],
            "parent_id": target["parent"],
            "from": author,
            "message": text,
            "created_time": stamp,
        }
    else:  # comment / reply_comment
        comment_id = f"{short}_{ids.run}{n:04d}"
        parent = refs[opts["to"]]["id"] if op == "reply_comment" else post_id
        value = {
            "item": "comment",
            "verb": "add",
            "post_id": post_id,
            "comment_id": comment_id,
            "parent_id": parent,
            "from": author,
            "message": text,
            "created_time": stamp,
            "post": {"id": post_id, "status_type": "added_photos", "is_published": True},
        }
        if opts.get("ref"):
            refs[opts["ref"]] = {"id": comment_id, "parent": parent}
    return {
        "object": "page",
        "entry": [{"id": page_id, "time": stamp, "changes": [{"field": "feed", "value": value}]}],
    }


def _messaging(sender: str, recipient: str, when: datetime, message: dict[str, Any]) -> dict[str, Any]:
    ms = int(when.timestamp() * 1000)
    return {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": ms, "message": message}


def _messenger(
    account: str,
    op: str,
    person: Person,
    text: str,
    opts: dict[str, str],
    when: datetime,
    ids: _Ids,
    refs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    page_id = ACCOUNTS[account]["external_id"]
    message: dict[str, Any] = {"mid": f"m_demo{ids.run}_{ids.next()}"}
    if op == "image":
        message["attachments"] = [{"type": "image", "payload": {"url": opts["url"]}}]
    else:
        message["text"] = text
    if op == "quick_reply":
        message["quick_reply"] = {"payload": opts["payload"]}
    return {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": int(when.timestamp() * 1000),
                "messaging": [_messaging(f"psid_{person.id}", page_id, when, message)],
            }
        ],
    }


def _instagram(
    account: str,
    op: str,
    person: Person,
    text: str,
    opts: dict[str, str],
    when: datetime,
    ids: _Ids,
    refs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    own_id = ACCOUNTS[account]["external_id"]
    n = ids.next()
    if op == "dm":
        message = {"mid": f"aWdfZGVtb{ids.run}_{n}", "text": text}
        return {
            "object": "instagram",
            "entry": [
                {
                    "id": own_id,
                    "time": int(when.timestamp() * 1000),
                    "messaging": [_messaging(f"igsid_{person.id}", own_id, when, message)],
                }
            ],
        }
    comment_id = str(17_900_000_000_000_000 + ids.run * 1000 + n)
    value: dict[str, Any] = {
        "from": {"id": person.id, "username": person.handle},
        "media": {"id": BRAND_POSTS[opts["media"]], "media_product_type": "FEED"},
        "id": comment_id,
        "text": text,
        "timestamp": int(when.timestamp()),
    }
    if op == "reply_comment":
        value["parent_id"] = refs[opts["to"]]["id"]
    if opts.get("ref"):
        refs[opts["ref"]] = {"id": comment_id}
    return {
        "object": "instagram",
        "entry": [
            {"id": own_id, "time": int(when.timestamp()), "changes": [{"field": "comments", "value": value}]}
        ],
    }


# --- WhatsApp and Telegram -------------------------------------------------------------------------------


def _whatsapp(
    account: str,
    op: str,
    person: Person,
    text: str,
    opts: dict[str, str],
    when: datetime,
    ids: _Ids,
    refs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    n = ids.next()
    contact: dict[str, Any] = {"profile": {"name": person.name}, "wa_id": person.id}
    message: dict[str, Any] = {
        "from": person.id,
        "id": f"wamid.DEMO{ids.run}x{n:04d}",
        "timestamp": str(int(when.timestamp())),
    }
    if person.handle:  # the business-scoped user id
        contact["user_id"] = person.handle
        message["from_user_id"] = person.handle
    if op == "button":
        message.update(
            type="interactive",
            context={"from": TULP_DISPLAY_NUMBER, "id": f"wamid.DEMOMENU{ids.run}x{n:04d}"},
            interactive={"type": "button_reply", "button_reply": {"id": opts["button"], "title": text}},
        )
    else:
        message.update(type="text", text={"body": text})
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": TULP_DISPLAY_NUMBER,
            "phone_number_id": ACCOUNTS[account]["external_id"],
        },
        "contacts": [contact],
        "messages": [message],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": TULP_WABA_ID, "changes": [{"field": "messages", "value": value}]}],
    }


def _telegram(
    account: str,
    op: str,
    person: Person,
    text: str,
    opts: dict[str, str],
    when: datetime,
    ids: _Ids,
    refs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    n = ids.next()
    sender = {
        "id": int(person.id),
        "is_bot": False,
        "first_name": person.name,
        "username": person.handle,
        "language_code": person.lang,
    }
    chat = {"id": int(person.id), "first_name": person.name, "username": person.handle, "type": "private"}
    update_id = 600_000_000 + (ids.run % 100_000) * 1000 + n
    if op == "edited":
        original = refs[opts["to"]]
        message = {
            "message_id": original["message_id"],
            "from": sender,
            "chat": chat,
            "date": original["date"],
            "edit_date": int(when.timestamp()),
            "text": text,
        }
        return {"update_id": update_id, "edited_message": message}
    message_id = (ids.run % 100_000) * 1000 + n
    message = {
        "message_id": message_id,
        "from": sender,
        "chat": chat,
        "date": int(when.timestamp()),
        "text": text,
    }
    if opts.get("ref"):
        refs[opts["ref"]] = {"message_id": message_id, "date": message["date"]}
    return {"update_id": update_id, "message": message}


# --- Bluesky and Mastodon (notification shapes; the emulator makes the real ones at delivery) -------------


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bluesky(
    account: str,
    op: str,
    person: Person,
    text: str,
    opts: dict[str, str],
    when: datetime,
    ids: _Ids,
    refs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    uri = f"at://{person.id}/app.bsky.feed.post/3ldemo{ids.run:09d}{ids.next():03d}"
    author = {"did": person.id, "handle": person.handle, "displayName": person.name, "labels": []}
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": _z(when), "langs": [person.lang]}
    return {
        "notifications": [
            {
                "uri": uri,
                "cid": "bafyreidemo" + uri[-12:],
                "author": author,
                "reason": "mention",
                "record": record,
                "isRead": False,
                "indexedAt": _z(when),
                "labels": [],
            }
        ]
    }


def _mastodon(
    account: str,
    op: str,
    person: Person,
    text: str,
    opts: dict[str, str],
    when: datetime,
    ids: _Ids,
    refs: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    n = ids.next()
    status_id = str(113_600_000_000_000_000 + ids.run * 1000 + n)
    author = {
        "id": str(113_700_000_000_000_000 + n),
        "username": person.handle,
        "acct": person.handle,
        "display_name": person.name,
        "url": f"https://social.example/@{person.handle}",
        "bot": False,
    }
    status: dict[str, Any] = {
        "id": status_id,
        "created_at": _z(when),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "visibility": "public",
        "language": person.lang,
        "spoiler_text": "",
        "sensitive": False,
        "url": f"https://social.example/@{person.handle}/{status_id}",
        "content": f"<p>{text}</p>",
        "account": author,
        "mentions": [],
        "tags": [],
        "media_attachments": [],
        "edited_at": None,
    }
    return [
        {
            "id": str(113_800_000_000_000_000 + ids.run * 1000 + n),
            "type": "mention",
            "created_at": _z(when),
            "account": author,
            "status": status,
        }
    ]


_BUILDERS: dict[str, Callable[..., Any]] = {
    "x": _x,
    "facebook": _facebook,
    "messenger": _messenger,
    "instagram": _instagram,
    "whatsapp": _whatsapp,
    "telegram": _telegram,
    "bluesky": _bluesky,
    "mastodon": _mastodon,
}

# --------------------------------------------------------------------------------------------------
# Emulators and delivery
# --------------------------------------------------------------------------------------------------


class DemoEmulators:
    """Every emulator of the demo, configured with the accounts' secrets, on the ports from ``port_base``
    (0 = any free port)."""

    def __init__(self, accounts: dict[str, ChannelAccount], *, port_base: int = DEFAULT_PORT_BASE) -> None:
        self.accounts = accounts

        def port(name: str) -> int:
            return port_base + PORT_OFFSETS[name] if port_base else 0

        self.x: dict[str, XEmulator] = {}
        for key, name in (("radhaus_x", "x_radhaus"), ("tulp_x", "x_tulp")):
            account = accounts[key]
            self.x[key] = XEmulator(
                consumer_secret=str(account.credentials["consumer_secret"]),
                access_token=str(account.credentials["access_token"]),
                brand_id=account.external_id,
                brand_username=account.handle,
                heartbeat_seconds=10.0,
                port=port(name),
            )
            for person in X_PEOPLE.values():
                self.x[key].add_user(
                    person.id,
                    person.handle,
                    name=person.name,
                    followers=person.followers,
                    verified=person.verified,
                )
        facebook = accounts["radhaus_facebook"]
        self.graph = GraphEmulator(access_token=str(facebook.credentials["access_token"]), port=port("graph"))
        whatsapp = accounts["tulp_whatsapp"]
        self.whatsapp = WhatsAppEmulator(
            phone_number_id=whatsapp.external_id,
            access_token=str(whatsapp.credentials["access_token"]),
            app_secret=whatsapp.webhook_secret,
            port=port("whatsapp"),
        )
        self.whatsapp.state.display_phone_number = TULP_DISPLAY_NUMBER
        self.whatsapp.state.waba_id = TULP_WABA_ID
        telegram = accounts["radhaus_telegram"]
        self.telegram = TelegramEmulator(token=str(telegram.credentials["bot_token"]), port=port("telegram"))
        self.telegram.state.bot_id = int(telegram.external_id)
        self.telegram.state.bot_username = telegram.handle
        bluesky = accounts["tulp_bluesky"]
        self.bluesky = BlueskyEmulator(
            did=bluesky.external_id,
            handle=bluesky.handle,
            password=str(bluesky.credentials["app_password"]),
            port=port("bluesky"),
        )
        mastodon = accounts["tulp_mastodon"]
        self.mastodon = MastodonEmulator(
            token=str(mastodon.credentials["access_token"]), port=port("mastodon")
        )
        with self.mastodon.state.lock:  # the emulator's brand account becomes Tulp Mobiel's
            brand = self.mastodon.state.accounts[self.mastodon.state.brand_id]
            brand.update(
                username=mastodon.handle,
                acct=mastodon.handle,
                display_name="Tulp Mobiel",
                url=f"https://social.example/@{mastodon.handle}",
            )
        self.all: list[Any] = [
            *self.x.values(),
            self.graph,
            self.whatsapp,
            self.telegram,
            self.bluesky,
            self.mastodon,
        ]

    def start(self) -> DemoEmulators:
        for emulator in self.all:
            emulator.start()
        return self

    def stop(self) -> None:
        for emulator in self.all:
            try:
                emulator.stop()
            except Exception:  # noqa: BLE001 - stopping the rest matters more
                logger.exception("demo.platforms.stop_failed")

    def __enter__(self) -> DemoEmulators:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def urls(self) -> dict[str, str]:
        by_name = {
            "x_radhaus": self.x["radhaus_x"].url,
            "x_tulp": self.x["tulp_x"].url,
            "graph": self.graph.url,
            "whatsapp": self.whatsapp.url,
            "telegram": self.telegram.url,
            "bluesky": self.bluesky.url,
            "mastodon": self.mastodon.url,
        }
        return {key: by_name[spec["emulator"]] for key, spec in ACCOUNTS.items()}

    # --- one item ---------------------------------------------------------------------------------------
    def request(self, item: ScriptItem) -> tuple[bytes, dict[str, str]] | None:
        """Perform ``item`` on its emulator and return the signed webhook (body, headers) to POST to
        Socialcare, or None when the item went into the X filtered stream instead."""
        account = self.accounts[item.account]
        if item.channel == "stream":
            emulator = self.x[item.account]
            user, post = item.post["user"], item.post["post"]
            emulator.add_user(
                user["id"],
                user["username"],
                name=user["name"],
                followers=user["public_metrics"]["followers_count"],
                verified=user["verified"],
            )
            emulator.publish(
                post["text"],
                author_id=post["author_id"],
                lang=post["lang"],
                post_id=post["id"],
                created_at=datetime.fromisoformat(post["created_at"].replace("Z", "+00:00")),
            )
            return None
        if item.kind == "x":
            return self.x[item.account].signed(item.payload)  # type: ignore[arg-type]
        if item.kind in ("facebook", "messenger", "instagram"):
            assert isinstance(item.payload, dict)
            self.graph.learn(item.payload)
            body = json.dumps(item.payload).encode()
            return body, {
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign_body(account.webhook_secret, body),
            }
        if item.kind == "whatsapp":
            assert isinstance(item.payload, dict)
            for entry in item.payload["entry"]:
                for change in entry["changes"]:
                    for message in change["value"].get("messages", []):
                        moment = datetime.fromtimestamp(int(message["timestamp"]), UTC)
                        for user in {message.get("from_user_id"), message.get("from")} - {None, ""}:
                            self.whatsapp.customer_wrote(str(user), moment)
            body = json.dumps(item.payload).encode()
            return body, {"Content-Type": "application/json", "X-Hub-Signature-256": self.whatsapp.sign(body)}
        if item.kind == "telegram":
            return json.dumps(item.payload).encode(), {
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": account.webhook_secret,
            }
        if item.kind == "bluesky":
            assert isinstance(item.payload, dict)
            note = item.payload["notifications"][0]
            author = note["author"]
            self.bluesky.notify(
                reason="mention",
                author_did=author["did"],
                text=note["record"]["text"],
                handle=author["handle"],
                name=author["displayName"],
            )
            with self.bluesky.state.lock:
                body = json.dumps({"notifications": self.bluesky.state.notifications[-1:]}).encode()
            return body, {
                "Content-Type": "application/json",
                BSKY_RELAY_HEADER: bsky_relay_sign(account.webhook_secret, body),
            }
        if item.kind == "mastodon":
            assert isinstance(item.payload, list)
            note = item.payload[0]
            author = note["account"]
            text = note["status"]["content"].removeprefix("<p>").removesuffix("</p>")
            self.mastodon.post(
                username=author["username"],
                text=text,
                name=author["display_name"],
                language=note["status"]["language"],
            )
            with self.mastodon.state.lock:
                state = self.mastodon.state
                status = max(state.statuses.values(), key=lambda s: int(s["id"]))
                if not state.notifications or state.notifications[-1]["status"]["id"] != status["id"]:
                    # the emulator only recognises mentions of "@acme"; this one names the brand's real handle
                    state.notifications.append(
                        {
                            "id": str(next(state.ids)),
                            "type": "mention",
                            "created_at": status["created_at"],
                            "account": status["account"],
                            "status": status,
                        }
                    )
                body = json.dumps(state.notifications[-1:]).encode()
            return body, {
                "Content-Type": "application/json",
                MASTO_RELAY_HEADER: masto_relay_sign(account.webhook_secret, body),
            }
        raise ValueError(f"no emulator for {item.kind}")


def demo_accounts() -> dict[str, ChannelAccount]:
    found = {
        a.settings.get("demo_key"): a
        for a in ChannelAccount.objects.filter(kind__in={s["kind"] for s in ACCOUNTS.values()})
        if a.settings.get("demo_key") in ACCOUNTS
    }
    missing = set(ACCOUNTS) - set(found)
    if missing:
        raise RuntimeError(
            f"demo accounts missing ({', '.join(sorted(missing))}): run `socialcare demo load` first"
        )
    return found


def point_accounts(urls: dict[str, str]) -> None:
    """Make every demo account's api_base_url point at its emulator."""
    for key, account in demo_accounts().items():
        if account.api_base_url != urls[key]:
            ChannelAccount.objects.filter(pk=account.pk).update(api_base_url=urls[key])


def _wait_for(base_url: str, stop: threading.Event, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        stop.wait(0.5)
    if not stop.is_set():
        raise TimeoutError(f"{base_url} did not come up within {timeout:.0f} s")


def _credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.json"


def _note_ports(urls: dict[str, str]) -> None:
    """Record the emulators' URLs in the credentials file (under "platforms"), keeping its other keys."""
    path = _credentials_file()
    try:
        doc = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        return
    platforms = doc.setdefault("platforms", {})
    for key, url in urls.items():
        platforms.setdefault(key, {})["api_base_url"] = url
    path.write_text(json.dumps(doc, indent=2))
    path.chmod(0o600)


def run_platforms(
    base_url: str,
    *,
    speedup: float = 1.0,
    port_base: int = DEFAULT_PORT_BASE,
    wait: bool = False,
    limit: int | None = None,
    stop: threading.Event | None = None,
    serve: bool = True,
    seed: int = 7,
) -> int:
    """Start the emulators, deliver the script to ``base_url``, then keep serving until SIGINT/SIGTERM (or
    ``stop`` is set). Returns the number of events delivered."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    base_url = base_url.rstrip("/")
    emulators = DemoEmulators(demo_accounts(), port_base=port_base).start()
    sent = 0
    try:
        urls = emulators.urls()
        point_accounts(urls)
        _note_ports(urls)
        logger.info("demo.platforms.emulators", extra={"urls": urls})
        if wait:
            _wait_for(base_url, stop)
        run = int(time.time()) % 10_000_000
        script = platform_script(seed, run=run, time_scale=1.0 / max(speedup, 0.01))
        if limit is not None:
            script = script[:limit]
        t0 = time.monotonic()
        with httpx.Client(timeout=10.0) as client:
            for item in script:
                if stop.wait(max(0.0, item.at - (time.monotonic() - t0))):
                    break
                try:
                    request = emulators.request(item)
                    if request is not None:
                        account = emulators.accounts[item.account]
                        body, headers = request
                        response = client.post(
                            f"{base_url}/hooks/{item.kind}/{account.pk}", content=body, headers=headers
                        )
                        if response.status_code >= 300:
                            logger.warning(
                                "demo.platforms.rejected %s %s: %s",
                                item.kind,
                                response.status_code,
                                response.text[:200],
                            )
                            continue
                    sent += 1
                except httpx.HTTPError as exc:
                    logger.warning("demo.platforms.delivery_failed %s: %s", item.kind, exc)
        logger.info("demo.platforms.delivered %s", sent)
        while serve and not stop.wait(1.0):
            pass
    finally:
        emulators.stop()
    return sent
