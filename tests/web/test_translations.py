"""The agent UI ships complete German and Dutch catalogs, and an agent's ``ui_language`` picks them."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

from socialcare.inbox.models import Ticket
from tests.channels.sandbox_helpers import deliver, post_event
from tests.factories import AgentFactory

LOCALE = Path(__file__).resolve().parents[2] / "src" / "socialcare" / "locale"
LANGUAGES = ("de", "nl")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|%[sd]|\{\{\s*\w*\s*\}\}")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    obsolete: bool = False


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for Django's catalogs (context, plurals, flags, continuation lines)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None

    def flush() -> None:
        nonlocal current
        if current.msgid or current.msgstr:
            entries.append(current)
        current = Entry()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            target = None
            continue
        if line.startswith("#~"):
            current.obsolete = True
            continue
        if line.startswith("#,"):
            current.fuzzy = current.fuzzy or "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            keyword, index, literal = match.groups()
            value = ast.literal_eval(literal)
            if keyword == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", 0)
            elif keyword == "msgid":
                current.msgid, target = value, ("msgid", 0)
            elif keyword == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                n = int(index or 0)
                current.msgstr[n], target = value, ("msgstr", n)
            continue
        assert line.startswith('"') and target is not None, f"{path}: cannot read {raw!r}"
        value = ast.literal_eval(line)
        kind, n = target
        if kind == "msgstr":
            current.msgstr[n] += value
        else:
            setattr(current, kind, (getattr(current, kind) or "") + value)
    flush()
    return entries


def catalog(language: str) -> list[Entry]:
    return [e for e in parse_po(LOCALE / language / "LC_MESSAGES" / "django.po") if e.msgid and not e.obsolete]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_keeps_placeholders(language: str) -> None:
    entries = catalog(language)
    assert len(entries) > 300
    header = parse_po(LOCALE / language / "LC_MESSAGES" / "django.po")[0]
    assert header.msgid == "" and not header.fuzzy, "the catalog header is still marked fuzzy"
    assert f"Language: {language}" in header.msgstr[0]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    untranslated = [e.msgid for e in entries if not all(e.msgstr.get(n) for n in range(2 if e.msgid_plural else 1))]
    assert not fuzzy, f"fuzzy entries in {language}: {fuzzy}"
    assert not untranslated, f"untranslated entries in {language}: {untranslated}"
    for e in entries:
        sources = [e.msgid] + ([e.msgid_plural] if e.msgid_plural else [])
        expected = [sorted(PLACEHOLDER.findall(s)) for s in sources]
        for translated in e.msgstr.values():
            assert sorted(PLACEHOLDER.findall(translated)) in expected, (language, e.msgid, translated)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_po_file(language: str) -> None:
    """The committed .mo (what Django loads) says what the .po says: compilemessages was run."""
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for e in catalog(language):
        if e.msgid_plural and e.msgctxt:
            assert compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 1) == e.msgstr[0], e.msgid
            assert compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 2) == e.msgstr[1], e.msgid
        elif e.msgid_plural:
            assert compiled.ngettext(e.msgid, e.msgid_plural, 1) == e.msgstr[0], e.msgid
            assert compiled.ngettext(e.msgid, e.msgid_plural, 2) == e.msgstr[1], e.msgid
        elif e.msgctxt:
            assert compiled.pgettext(e.msgctxt, e.msgid) == e.msgstr[0], e.msgid
        else:
            assert compiled.gettext(e.msgid) == e.msgstr[0], e.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_the_catalog(language: str) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if os.environ.get("CI") == "true":
            pytest.fail("msgfmt (GNU gettext) is required on CI")
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", os.devnull, str(LOCALE / language / "LC_MESSAGES" / "django.po")],
        capture_output=True, text=True, check=False, env={**os.environ, "LC_ALL": "C"},
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


# --- rendering --------------------------------------------------------------------------------------------

EXPECTED = {
    "de": {
        "inbox": ["Posteingang", "Nachrichten durchsuchen", "Alle Marken", "Alle Kanäle", "Nicht zugewiesen", "Filtern",
                  "Kunde", "Letzte Nachricht", "Neu"],
        "ticket": ["Antwort schreiben", "Öffentliche Antwort", "Interne Notiz (nur für dein Team sichtbar)",
                   "Notiz hinzufügen", "Senden", "Zugewiesen an", "Identitäten"],
        "empty_reply": "Die Antwort ist leer.",
    },
    "nl": {
        "inbox": ["Inbox", "Berichten doorzoeken", "Alle merken", "Alle kanalen", "Niet toegewezen", "Filteren",
                  "Klant", "Laatste bericht", "Nieuw"],
        "ticket": ["Schrijf een antwoord", "Openbaar antwoord", "Interne notitie (alleen zichtbaar voor je team)",
                   "Notitie toevoegen", "Versturen", "Toegewezen aan", "Identiteiten"],
        "empty_reply": "Het antwoord is leeg.",
    },
}


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """The UI-language middleware activates the agent's language for the thread; later tests expect English."""
    yield
    translation.deactivate()


@pytest.fixture
def ticket(client, sandbox_account) -> Ticket:  # type: ignore[no-untyped-def]
    deliver(client, sandbox_account, [post_event("p1", "my order 4711 is late", author="u1")])
    return Ticket.objects.get()


def login_as(client, agent, language: str):  # type: ignore[no-untyped-def]
    profile = AgentFactory(user__username=f"agent-{language}", ui_language=language)
    profile.teams.add(*agent.teams.all())
    client.force_login(profile.user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_inbox_and_ticket_render_in_the_agents_language(client, agent, ticket, language: str) -> None:  # type: ignore[no-untyped-def]
    login_as(client, agent, language)
    inbox = client.get("/")
    assert inbox.status_code == 200
    assert inbox["Content-Language"] == language
    body = inbox.content.decode()
    assert f'<html lang="{language}">' in body
    assert "my order 4711 is late" in body
    for text in EXPECTED[language]["inbox"]:
        assert text in body, (language, text)
    assert "Search messages" not in body and "All brands" not in body

    page = client.get(f"/tickets/{ticket.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in EXPECTED[language]["ticket"]:
        assert text in html, (language, text)
    assert 'placeholder="Write a reply"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_errors_from_services_are_translated(client, agent, ticket, language: str) -> None:  # type: ignore[no-untyped-def]
    login_as(client, agent, language)
    response = client.post(f"/tickets/{ticket.pk}/reply/", {"text": "   ", "visibility": "public", "confirm_public": "1"})
    assert response.status_code == 422
    assert EXPECTED[language]["empty_reply"] in response.content.decode()


@pytest.mark.django_db
def test_english_stays_the_default(client, agent, ticket) -> None:  # type: ignore[no-untyped-def]
    client.force_login(agent.user)
    body = client.get("/").content.decode()
    assert "Search messages" in body and "All brands" in body and "Nachrichten durchsuchen" not in body
