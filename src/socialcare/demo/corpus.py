"""Demo traffic for the sandbox network: a few hundred customer messages for two fictional brands.

``demo_script(seed, duration_seconds)`` returns a deterministic list of ``{"at", "account", "event"}``
items that the demo player delivers to the local sandbox network. ``at`` is seconds after the start;
the player stamps ``created_at`` itself. Traffic is front-loaded (the inbox fills within the first
half minute), contains multi-message threads and DM conversations, a few high-follower verified
authors, messages with personal data that belong in private, a short network-outage "crisis" burst
for Tulp Mobiel in Utrecht, likes, and a few texts with HTML in them (social text is untrusted input).

Every text below is hand-written for the demo. Slots such as ``{order}``, ``{product}``, ``{town}``
and ``{size}`` are filled per event. Leading tags steer how a text is used:

``[dm]`` always a direct message, ``[post]`` always public, ``[review]`` public post on the reviews
account, ``[pii]`` contains personal data (always public: it should be moved to private),
``[html]`` contains markup, ``[vip:key]`` written by a high-follower verified author,
``[reply]`` (crisis only) a reply from another user to an earlier crisis post.

``annotated_script`` returns the same events with a ``meta`` dict (language, category, ...) used by
the tests and handy for evaluating triage on demo data.
"""

from __future__ import annotations

import random
import re
from typing import Any

__all__ = ["ACCOUNTS", "BRANDS", "annotated_script", "demo_script"]

BRANDS: dict[str, dict[str, Any]] = {
    "radhaus": {"name": "Radhaus", "timezone": "Europe/Berlin", "country": "DE", "languages": ["de", "en"]},
    "tulp": {
        "name": "Tulp Mobiel",
        "timezone": "Europe/Amsterdam",
        "country": "NL",
        "languages": ["nl", "en"],
    },
}

ACCOUNTS: dict[str, dict[str, str]] = {
    "radhaus_social": {"brand": "radhaus", "display_name": "Radhaus · Social", "handle": "radhaus"},
    "radhaus_reviews": {
        "brand": "radhaus",
        "display_name": "Radhaus · Bewertungen",
        "handle": "radhaus_bewertungen",
    },
    "tulp_social": {"brand": "tulp", "display_name": "Tulp Mobiel · Social", "handle": "tulpmobiel"},
    "tulp_support_dm": {
        "brand": "tulp",
        "display_name": "Tulp Mobiel · Support",
        "handle": "tulpmobiel_support",
    },
}

# --------------------------------------------------------------------------------------------------
# Slot fills
# --------------------------------------------------------------------------------------------------

SLOTS: dict[str, dict[str, list[str]]] = {
    "radhaus": {
        "product": [
            "Radhaus Kiesel GR2",
            "Radhaus Alltag 28",
            "Radhaus Strom E5",
            "Radhaus Tempo SL",
            "Radhaus Kutsche Cargo",
            "Radhaus Flitzer 24",
        ],
        "size": ["S", "M", "L", "XL", "52 cm", "56 cm"],
        "town": [
            "Berlin-Friedrichshain",
            "Hamburg",
            "Köln",
            "München",
            "Leipzig",
            "Freiburg",
            "Münster",
            "Hannover",
            "Dresden",
            "Karlsruhe",
            "Bremen",
        ],
    },
    "tulp": {
        "product": ["Nova X2", "Kite 5 Pro", "Orbit S"],
        "size": ["128 GB", "256 GB"],
        "town": [
            "Amersfoort",
            "Zwolle",
            "Groningen",
            "Rotterdam",
            "Tilburg",
            "Eindhoven",
            "Haarlem",
            "Nijmegen",
            "Leiden",
            "Almere",
        ],
    },
}

# --------------------------------------------------------------------------------------------------
# Single messages: TEXTS[brand][lang][category]
# --------------------------------------------------------------------------------------------------

TEXTS: dict[str, dict[str, dict[str, list[str]]]] = {
    "radhaus": {
        "de": {
            "question": [
                "Hallo @radhaus, habt ihr am Samstag in {town} auch nachmittags offen?",
                "Wie lange dauert bei euch gerade eine Inspektion? Mein Termin wär nächste Woche",
                "Kann man bei euch in {town} ohne Termin einfach nen Platten flicken lassen?",
                "Was kostet bei euch so ein Wechsel von Kette und Ritzel ungefähr?",
                "Liefert ihr auch nach Österreich? Im Shop kann ich nur DE auswählen 🤔",
                "Wie lang ist die Lieferzeit fürs {product} gerade? Da steht nur 'bald verfügbar'",
                "Macht ihr auch Akku-Checks für E-Bikes von anderen Herstellern oder nur für eure eigenen?",
                "Gibt's bei euch Dienstrad-Leasing über den Arbeitgeber?",
                "Frage: kann ich online bestellen und in der Filiale {town} abholen?",
                "Habt ihr zwischen den Jahren geöffnet?",
                "Wie ist das mit der Garantie wenn ich das Rad gebraucht von privat gekauft hab?",
                "[dm] Hallo, ich würde gern einen Reparaturtermin für mein Hollandrad machen, die "
                "Gangschaltung springt ständig. Geht das diese Woche noch?",
                "[dm] Kann ich meinen Werkstatttermin am Donnerstag auf Freitag verschieben? Name steht in der Buchung",
                "Kann man bei euch Kinderräder auch mieten statt kaufen? Die wachsen ja so schnell raus 😅",
                "Nehmt ihr alte Räder in Zahlung?",
                "Was kostet bei euch ein Bremsen-Check? Hinten quietscht es furchtbar",
                "Ab welchem Betrag ist der Versand kostenlos?",
                "[dm] Hallo! Bietet ihr auch Fahrradkurse für Erwachsene an? Meine Mutter (68) will wieder anfangen",
                "Wie lange habt ihr heute in {town} auf? Google sagt 18 Uhr, auf eurer Seite steht 19 Uhr",
            ],
            "complaint": [
                "@radhaus seit 3 Wochen warte ich auf mein {product}. Bestellt, bezahlt, nix passiert. Echt enttäuschend.",
                "Rad zur Inspektion abgegeben, zurückbekommen mit schleifender Bremse. Und dafür 89 €?? 😡",
                "Lieferung kam heute, Schaltauge verbogen. Karton war komplett zerdrückt. Und jetzt?",
                "War heute in der Filiale {town}. Der Typ an der Kasse war so unfreundlich, hab mich gefühlt "
                "als würde ich stören.",
                "Ich häng jetzt seit 25 Minuten in eurer Hotline-Warteschleife. Das Gedudel macht mich fertig",
                "Neuer Sattel nach 2 Wochen eingerissen. Qualität ist echt nicht mehr das was sie mal war",
                "Versandbestätigung vor 6 Tagen bekommen, Sendungsverfolgung zeigt seitdem 'Sendung wurde "
                "angekündigt'. Toll.",
                "Reparatur sollte 3 Tage dauern, jetzt sind es 2 Wochen und keiner ruft zurück 👎",
                "Ihr habt mir die Rechnung doppelt abgebucht!! Bitte sofort korrigieren",
                "Online steht 'in der Filiale verfügbar', vor Ort hieß es 'haben wir seit Wochen nich'. "
                "Warum fahr ich dann 40 min hin?",
                "Akku von meinem E-Bike schafft nach 8 Monaten nur noch 20 km. Garantie abgelehnt?? Ernsthaft?",
                "Der Gutschein aus eurem Newsletter geht an der Kasse nicht, 'Code ungültig'",
                "[dm] Mein Retourenlabel funktioniert nicht, im Paketshop sagen sie der Code ist abgelaufen.",
                "Kette nach der Inspektion falsch montiert, bin fast gestürzt. Das ist gefährlich, Leute.",
                "nie wieder radhaus. punkt.",
                "Hab per Mail 3x nachgefragt, 0 Antworten. Ist bei euch überhaupt jemand da?",
                "Die Pedale waren beim Neurad nicht mal richtig festgeschraubt... 🙄",
                "[vip:tim] Liebe @radhaus, Rad zur Inspektion gebracht, zurück mit verstellter Schaltung. Bei "
                "den Preisen erwarte ich mehr. Meine Community fragt schon, was los ist 👀",
                "[html] <b>WICHTIG</b> Meine Bestellung ist beschädigt angekommen!!! Rahmen hat nen Kratzer",
            ],
            "praise": [
                "Danke an das Team in {town}! Platten in 10 Minuten geflickt, während ich nen Kaffee getrunken hab ☕🚲",
                "Mein neues {product} ist da und ich bin verliebt 😍",
                "Ehrlich super Beratung heute, keiner wollte mir das teuerste Rad aufschwatzen. Gerne wieder!",
                "Schnelle Lieferung, alles top verpackt. So muss das 👍",
                "Shoutout an den Mechaniker in {town}, der mir die Schaltung erklärt hat statt nur zu reparieren 🙌",
                "Inspektion gemacht, Rad fährt wie neu. Preis war auch fair.",
                "Top Service 👍",
                "[vip:tim] Seit 4 Monaten mit dem {product} unterwegs, 3.000 km, null Probleme. Klare "
                "Empfehlung an alle Pendler 🚴‍♀️",
                "Beste Werkstatt der Stadt, sag ich einfach mal so",
                "Kurz vor Ladenschluss noch reingehuscht und trotzdem mega freundlich bedient worden. Danke!",
                "[vip:velo] Wir haben das {product} vier Wochen im Alltag getestet. Spoiler: sehr solide. "
                "Den ganzen Test gibt's im neuen Heft.",
            ],
            "purchase": [
                "Habt ihr das {product} in Größe {size} noch da? Würde es heute noch holen",
                "Will mir nen Gravelbike zulegen, Budget so 1.500 €. Was würdet ihr empfehlen?",
                "Gibt's das {product} auch in Schwarz matt?",
                "Könnt ihr mir in {town} ein Kinderrad 20 Zoll zurücklegen? Ich komm morgen vorbei",
                "Wann kommen die neuen Lastenräder rein? Ich will eins!! 😄",
                "Ich möchte das {product} kaufen, gibts gerade Rabatt oder lohnt es sich bis Black Friday zu warten?",
                "[dm] Kann ich ein E-Bike bei euch probefahren bevor ich bestelle? Am liebsten in {town}",
                "Ist der Helm 'Urban Pro' in M wieder lieferbar?",
                "Habt ihr Winterreifen für 28 Zoll auf Lager?",
                "Kann man bei euch auch in Raten zahlen? Hätte Interesse am {product}",
            ],
            "order": [
                "Wo bleibt meine Bestellung {order}? Sollte gestern kommen",
                "[dm] Hallo, Bestellnummer {order}, Status steht seit Tagen auf 'in Bearbeitung'. Kommt das noch?",
                "[dm] Moin, wann wird {order} verschickt? Brauch die Teile fürs Wochenende",
                "Bestellung {order} ist laut Tracking zugestellt, hier ist aber nix angekommen 🤷",
                "[dm] Kann ich bei {order} noch die Lieferadresse ändern? Bin umgezogen",
                "Teillieferung bekommen, der Rest von {order} fehlt. Kommt der noch separat?",
                "[dm] Ich will {order} stornieren, geht das noch?",
                "Ist mein Rad schon fertig? Montag in {town} abgegeben, Auftrag {order}",
            ],
            "account": [
                "[dm] Ich komm nicht mehr in mein Kundenkonto, die Passwort-Reset-Mail kommt nie an (auch nicht im Spam)",
                "Eure App loggt mich ständig aus 😤",
                "[dm] Hab mich mit der falschen E-Mail registriert, könnt ihr das ändern?",
                "Login in der App geht seit dem Update nicht mehr, Fehlermeldung 'Unbekannter Fehler'. Super hilfreich.",
                "[dm] Wie lösche ich mein Kundenkonto komplett?",
                "Meine Bonuspunkte sind aus dem Konto verschwunden?!",
            ],
            "feedback": [
                "Vorschlag: macht doch ne Warteliste für ausverkaufte Räder, statt dass man jeden Tag nachschauen muss",
                "Wäre cool wenn man Werkstatttermine online buchen könnte, telefonisch kommt man nie durch",
                "Eure neue Website ist hübsch, aber der Filter nach Rahmenhöhe ist total versteckt",
                "Wünsche mir längere Öffnungszeiten am Donnerstag, nach der Arbeit wirds immer knapp",
                "Bitte mehr Lastenräder zum Probefahren in {town}!",
                "Kleines Feedback: eine SMS wenn das Rad abholbereit ist wäre super",
            ],
            "offtopic": [
                "Endlich wieder 20 Grad, das Rad darf raus ☀️🚲",
                "Wer fährt Freitag bei der Critical Mass in {town} mit?",
                "Warum ist Gegenwind eigentlich immer von vorne? 🤔😂",
                "Regen, Regen, Regen. Ich glaub ich nehm heute die Bahn",
                "Kennt jemand eine schöne Tour rund um {town}? So 50 km, nicht zu bergig",
                "Hab heute 3 Eichhörnchen auf dem Radweg gesehen. Das war mein Highlight",
                "Wie das Spiel gestern ausgegangen ist will ich gar nicht wissen 😭⚽",
                "Montag. Radweg zugeparkt. Wie immer.",
                "Mein Hund hasst Fahrräder. Ich liebe Fahrräder. Schwierig.",
                "Was ist der Unterschied zwischen Radfahrer und Autofahrer im Stau? Der Radfahrer ist schon zu Hause 😎",
            ],
            "spam": [
                "🔥 Verdiene 5.000 € pro Woche mit Krypto! Kein Risiko!! Infos im Profil 👉 bit.ly/gewinn-jetzt",
                "Echte Follower kaufen 💯 1000 Follower nur 4,99 € ➡️ follow-boost-shop.example",
                "Glückwunsch! Du hast ein E-Bike gewonnen 🎉 Klick hier um deinen Preis zu sichern: "
                "radhaus-gewinn.example/claim",
                "[dm] Hallo Schatz, hab dein Profil gesehen und finde dich interessant. Schreib mir privat 😘",
                "Investiere jetzt in BTC mit Experte Markus, 300% Gewinn garantiert, DM für Details 📈",
                "[html] <script>alert(1)</script> GRATIS E-BIKE für die ersten 100!!",
            ],
            "pii": [
                "[pii] @radhaus ruft mich bitte zurück wegen Auftrag {order}, meine Nummer ist +49 151 23456789",
                "[pii] Die Erstattung ist immer noch nicht da!! Meine IBAN ist DE89 3704 0044 0532 0130 00, "
                "hab ich euch doch schon 2x geschickt",
                "[pii] Bitte schickt die Rechnung an jonas.becker@example.org, hab keine bekommen. Bestellung {order}",
            ],
            "review": [
                "[review] ★★★★★ Super Beratung, faire Preise, Rad nach 2 Tagen fertig.",
                "[review] ★★☆☆☆ Rad okay, aber die Lieferung hat 3 Wochen statt 5 Tagen gedauert.",
                "[review] ★☆☆☆☆ Reparatur teuer und trotzdem nicht behoben. Leider nicht zu empfehlen.",
                "[review] 5 Sterne für die Werkstatt in {town}! Ehrlich, schnell, nett.",
                "[review] Preis-Leistung passt, Auswahl könnte größer sein. 4/5",
                "[review] Bestellung lief problemlos, nur die Rechnung kam erst Wochen später. 3 Sterne",
                "[review] Schlechteste Erfahrung ever. Termin vergessen, keine Entschuldigung. 1 Stern",
                "[review] ★★★★☆ Gute Räder, aber die Hotline ist schwer erreichbar.",
                "[review] Sehr kompetent, der Mechaniker hat sich richtig Zeit genommen. Komme wieder 👍",
                "[review] ★★★☆☆ Das {product} ist klasse, die Abholung in {town} war chaotisch.",
            ],
        },
        "en": {
            "question": [
                "Hi @radhaus, do you ship to the Netherlands? Checkout only shows Germany",
                "Just moved to {town}, is there an English speaking mechanic at your shop? My German is... not great 😅",
                "[dm] Hi, can I book a repair appointment online or do I have to call?",
                "What are your opening hours on Sundays? Google says open but I'm not sure",
                "Do you rent bikes to tourists? Visiting {town} for a week",
                "Is there a student discount?",
            ],
            "complaint": [
                "Bought a lock from you last month and the key already broke off inside it. Not impressed.",
                "Waited 40 min in the shop for someone to help me. Left without buying anything.",
                "[dm] Hey, I was charged twice for order {order}. Can you check?",
            ],
            "purchase": [
                "Is the {product} available in size {size}? Would love to pick it up this weekend",
                "Love the new cargo bikes! when are they in stock?",
            ],
            "order": ["Ordered 2 weeks ago, order {order}, still nothing. Any update?"],
            "account": [
                "[dm] I can't log into the app, it keeps saying my password is wrong even after a reset"
            ],
            "praise": ["Your staff in {town} were super helpful today, thank you!!"],
            "offtopic": ["gm ☀️ riding to work today, who's with me"],
            "spam": [
                "Free crypto airdrop 🚀🚀 claim yours before it's gone: airdrop-now.example",
                "Get 10k real followers in 24h 🔥 DM me",
            ],
            "review": [
                "[review] ★★★★★ Great shop, staff switched to English without any fuss. Bike runs perfectly.",
                "[review] ★★☆☆☆ Nice bikes but delivery to Munich took ages and nobody answered my emails.",
            ],
        },
    },
    "tulp": {
        "nl": {
            "question": [
                "Hoi @tulpmobiel, werkt mijn bundel ook in Zwitserland? Valt dat onder EU roaming of niet?",
                "Kan ik bij jullie een eSIM krijgen? En hoe werkt dat dan met een nieuwe telefoon?",
                "Hoe lang duurt nummerbehoud als ik overstap? Ik wil niet dagen zonder nummer zitten",
                "Wat kost een extra simkaart voor mijn dochter?",
                "Is er een winkel van jullie in {town}? Kan het nergens vinden",
                "Kan ik mijn abonnement tussentijds verhogen naar onbeperkt data?",
                "[dm] Mijn contract loopt in maart af, wat zijn mijn opties om te verlengen?",
                "Hoe zet ik voicemail uit? Heb alles in de app al geprobeerd",
                "Werkt wifi bellen ook bij jullie? Op zolder heb ik echt 0 bereik",
                "[dm] Ik ga 3 weken naar Turkije, wat kost bellen en internetten daar?",
                "Vanaf wanneer hebben jullie 5G in {town}?",
                "Kun je bij jullie ook een telefoon los kopen, zonder abonnement?",
                "[dm] Hoe kan ik mijn pukcode opvragen? Sim geblokkeerd 😬",
                "Tot hoe laat is de klantenservice vandaag bereikbaar?",
            ],
            "complaint": [
                "Al 3 dagen geen bereik in huis in {town}. Betaal ik hier gewoon voor niks?",
                "Jullie hebben 2x de maandfactuur afgeschreven!! Wie gaat dat terugstorten?",
                "Meer dan 45 minuten in de wacht gestaan en toen werd de verbinding verbroken. Echt belachelijk",
                "Medewerker in de winkel in {town} was ronduit onbeschoft. Zo ga je toch niet met klanten om.",
                "Mijn nieuwe telefoon zou gisteren bezorgd worden, nog niks gehoord. Hallo??",
                "€86 roamingkosten op mijn factuur terwijl ik gewoon in Frankrijk was. EU dus. Leg uit.",
                "Internet is al de hele week super traag, paginas laden gewoon niet",
                "Mijn overstap is mislukt en nu heb ik géén nummer meer. Fijn als er een noodgeval is",
                "Beloofd dat ik teruggebeld zou worden. Drie keer. Nooit gebeurd.",
                "Waarom is mijn abonnement ineens €4 duurder?? Niks over gehoord",
                "Toestel na 2 maanden kapot en nu moet ik 4 weken wachten op reparatie? Echt niet oké",
                "Sms'jes komen sinds gisteren uren te laat binnen",
                "[dm] Ik heb al 5x mijn verhaal moeten doen aan verschillende medewerkers. Kan iemand dit nou "
                "eens gewoon oplossen?",
                "[html] Waarom werkt <i>niks</i> bij jullie?? <img src=x onerror=alert('xss')>",
            ],
            "praise": [
                "Dikke pluim voor de medewerker aan de telefoon vanochtend, binnen 5 min geregeld 👏",
                "Overgestapt naar Tulp en ik heb eindelijk bereik in de trein 😍",
                "eSIM binnen 10 minuten geactiveerd, had ik eerlijk gezegd niet verwacht",
                "Goede service in de winkel in {town}, ze namen echt de tijd voor me",
                "Prijs-kwaliteit gewoon top, al 6 jaar klant 💚",
                "[vip:tess] Voor mijn review van de Nova X2 een week op het Tulp netwerk gezeten: snel, stabiel, "
                "nul klachten. Video staat online 📱",
            ],
            "purchase": [
                "Ik wil de {product} met een abonnement, is die al leverbaar?",
                "Hebben jullie de Kite 5 Pro in het groen op voorraad?",
                "Ik wil graag overstappen, kan ik mijn nummer meenemen?",
                "Is de sim only aanbieding van 20GB voor €12 nog geldig?",
                "[dm] Ik zoek een abonnement voor mijn zoon van 12, hebben jullie iets met limieten?",
                "Komt de Orbit S ook naar jullie? Ik wil hem zó graag",
                "Is de {product} {size} nog op voorraad in {town}? Wil hem vandaag ophalen",
            ],
            "order": [
                "Waar blijft mijn bestelling {order}? Zou vandaag binnen zijn",
                "[dm] Hoi, bestelling {order} staat al 4 dagen op 'verwerkt'. Wanneer wordt hij verstuurd?",
                "[dm] Mijn nieuwe simkaart is nog steeds niet binnen, bestelnummer {order}",
                "Track & trace zegt bezorgd, maar ik heb niks ontvangen. Bestelling {order}",
                "[dm] Kan ik bestelling {order} nog annuleren? Toch voor een ander toestel gekozen",
            ],
            "account": [
                "[dm] Ik kan niet inloggen in Mijn Tulp, wachtwoord resetten werkt niet, de link is 'verlopen'",
                "De app blijft hangen op het laadscherm sinds de update 😤",
                "[dm] Hoe wijzig ik het e-mailadres van mijn account? Oude adres bestaat niet meer",
                "[dm] Ik krijg de sms met verificatiecode niet binnen, dus ik kom mijn account niet in",
                "Waarom moet ik elke week opnieuw inloggen in de app?",
            ],
            "feedback": [
                "Tip: laat in de app gewoon zien hoeveel data ik nog heb zonder dat ik 3 menu's door moet",
                "Zou fijn zijn als je een terugbelverzoek kon doen ipv in de wacht te hangen",
                "Jullie nieuwe tarieven zijn een stuk duidelijker, chapeau",
                "Graag een dark mode in de app, mijn ogen om 23:00 🙏",
            ],
            "offtopic": [
                "Wat een weer vandaag zeg, fiets bijna weggewaaid 🌬️",
                "Oranje wint vanavond, ik voel het 🧡⚽",
                "Wie heeft er nog een goede podcast tip voor in de trein?",
                "Mijn oma belt nog steeds met haar telefoon uit 2009 en ze is de gelukkigste mens die ik ken",
                "Maandagochtend, koffie, regen. Nederland op z'n best ☕🌧️",
                "Waarom heet het eigenlijk een mobiele telefoon als hij altijd op de bank ligt 😂",
                "Iemand nog tips voor goedkope oortjes?",
                "Die reclame met die dansende tulp zit al de hele dag in mijn hoofd 😅",
            ],
            "spam": [
                "💰 Verdien €3000 per week met crypto trading! Link in bio 🚀",
                "Koop nu echte volgers! 1000 volgers voor €5 👉 volgers-snel.example",
                "Gefeliciteerd! Je hebt een gratis telefoon gewonnen 🎉 Claim via tulp-prijs.example",
                "[dm] Hallo lieverd, ik zag je profiel en je lijkt me leuk, stuur me een berichtje 😘",
            ],
            "pii": [
                "[pii] Bel me alsjeblieft terug, ik zit al een week zonder internet. Mijn nummer is 06-12345678",
                "[pii] Jullie incasso gaat van de verkeerde rekening!! Het moet NL91 ABNA 0417 1643 00 zijn, "
                "niet die oude",
                "[pii] Stuur de factuur maar naar sanne.devries@example.com, ik kan hem nergens vinden. "
                "Bestelling {order}",
            ],
        },
        "en": {
            "question": [
                "Hi @tulpmobiel, does your prepaid SIM work for tourists? Staying in Amsterdam for 2 weeks",
                "Can I get an eSIM without visiting a store?",
                "[dm] I just moved to NL for work, can I get a contract before I have my BSN?",
            ],
            "complaint": [
                "Been on hold for 50 minutes. Fifty. Is anyone actually working today?",
                "Roaming in the UK is not included?? Nobody told me that when I signed up",
                "Data speed in {town} is terrible since last week",
                "[dm] I was billed for phone insurance I never asked for. Please remove it",
            ],
            "order": ["[dm] Where's my order {order}? It says dispatched 5 days ago"],
            "purchase": ["Is the {product} available with a 2-year plan?"],
            "account": ["[dm] Hi, password reset email never arrives, checked spam too"],
            "praise": [
                "Your English customer service line is great, sorted my issue in 5 minutes 👍",
                "Honestly the best value plan I've found in the Netherlands",
            ],
            "feedback": ["Suggestion: let us pick English invoices in the app"],
            "offtopic": ["who else is watching the match tonight ⚽"],
            "spam": [
                "🚀 Turn $100 into $10,000 with our AI trading bot!! limited spots → aibot-profit.example"
            ],
            "pii": ["[pii] call me back please, I'm on +31 6 12345678, been trying for days"],
        },
    },
}

# How many single (non-thread, non-crisis) messages each bucket contributes. Buckets larger than their
# list reuse texts with slots or spam (with fresh slot fills and authors).
SINGLE_TARGETS: dict[tuple[str, str], int] = {
    ("radhaus", "de"): 128,
    ("radhaus", "en"): 26,
    ("tulp", "nl"): 94,
    ("tulp", "en"): 22,
}

# --------------------------------------------------------------------------------------------------
# Threads: a customer following up on their own post, or a DM conversation (customer side only).
# (brand, lang, kind, category, [texts]); kind "post" | "dm" | "review"
# --------------------------------------------------------------------------------------------------

THREADS: list[tuple[str, str, str, str, list[str]]] = [
    (
        "radhaus",
        "de",
        "post",
        "complaint",
        [
            "@radhaus mein Rad ist seit 10 Tagen zur Reparatur in {town} und keiner meldet sich",
            "Update: hab angerufen, angeblich fehlt ein Ersatzteil. Hätte man mir auch sagen können 🙄",
            "Und jetzt heißt es nochmal 2 Wochen. Ich brauch das Rad für die Arbeit!!",
        ],
    ),
    (
        "radhaus",
        "de",
        "post",
        "order",
        [
            "Bestellung {order} sollte Dienstag kommen. Heute ist Freitag.",
            "Immer noch nix. Tracking sagt 'Zustellung verzögert sich'",
        ],
    ),
    (
        "radhaus",
        "de",
        "post",
        "question",
        [
            "Kurze Frage: macht ihr auch Tubeless-Umrüstung?",
            "Ah und was würde das ungefähr kosten bei 29er Reifen?",
        ],
    ),
    (
        "radhaus",
        "de",
        "post",
        "praise",
        [
            "Heute mein erstes E-Bike bei euch abgeholt 🎉",
            "Erste Tour gemacht, 45 km und ich grinse immer noch 😁",
        ],
    ),
    (
        "radhaus",
        "de",
        "post",
        "complaint",
        [
            "Bremshebel am neuen {product} nach einer Woche abgebrochen. Einfach so. 😠",
            "Fotos hab ich, wohin soll ich die schicken?",
        ],
    ),
    (
        "radhaus",
        "de",
        "post",
        "purchase",
        [
            "Gibt es das {product} noch in Größe {size}? Online steht ausverkauft",
            "Oder kommt da noch Nachschub? Würde auch 2-3 Wochen warten",
        ],
    ),
    (
        "radhaus",
        "de",
        "review",
        "feedback",
        [
            "★★☆☆☆ Inspektion okay, aber 3 Tage zu spät fertig.",
            "Nachtrag: der Filialleiter hat sich gemeldet und entschuldigt, Gutschein bekommen. Mach 4 Sterne "
            "draus ★★★★☆",
        ],
    ),
    (
        "radhaus",
        "de",
        "dm",
        "complaint",
        [
            "Hallo, ich hab eine Frage zu meiner Rechnung",
            "Mir wurden 129 € für die Inspektion berechnet, im Angebot standen 79 €",
            "Auftragsnummer ist {order}. Bitte um Prüfung",
        ],
    ),
    (
        "radhaus",
        "de",
        "dm",
        "question",
        [
            "Moin! Ich würde gern ein Kinderrad zurückgeben, ist zu klein",
            "Nicht gefahren, Etiketten sind noch dran",
            "Geht das auch in der Filiale oder nur per Post?",
        ],
    ),
    (
        "radhaus",
        "de",
        "dm",
        "account",
        [
            "Servus, mein Passwort-Reset klappt nicht",
            "Die Mail kommt an, aber der Link führt auf eine Fehlerseite 'Token ungültig'",
        ],
    ),
    (
        "radhaus",
        "de",
        "dm",
        "order",
        [
            "Hi, ich hab beim Kauf vom {product} das Zubehörpaket mitbestellt, aber nur das Rad bekommen",
            "Fehlt: Schloss, Klingel und Schutzbleche",
            "Hallo?? Noch jemand da?",
            "Bestellung war übrigens {order}",
        ],
    ),
    (
        "radhaus",
        "de",
        "dm",
        "question",
        [
            "Hallo, habt ihr nächste Woche noch nen Termin für eine Inspektion in {town}?",
            "Am besten Dienstag oder Mittwoch vormittags",
        ],
    ),
    (
        "radhaus",
        "en",
        "post",
        "complaint",
        [
            "Hey @radhaus my rear wheel is wobbling after your service yesterday",
            "Took it back, they fixed it in 10 min. Thanks I guess 😅",
        ],
    ),
    (
        "radhaus",
        "en",
        "dm",
        "order",
        [
            "Hi, I'd like to return a helmet I ordered",
            "Order {order}, it's too small",
            "Do I have to pay for the return shipping?",
        ],
    ),
    (
        "tulp",
        "nl",
        "post",
        "complaint",
        [
            "@tulpmobiel mijn factuur is deze maand €112 ipv €25. Hoe dan??",
            "Blijkt dat er 'extra data' is gerekend terwijl ik onbeperkt heb",
            "Nog steeds geen reactie. Ik overweeg echt over te stappen",
        ],
    ),
    (
        "tulp",
        "nl",
        "post",
        "complaint",
        [
            "Al de hele dag geen 4G in {town}, alleen E",
            "Nu ook helemaal geen bereik meer 😩",
        ],
    ),
    (
        "tulp",
        "nl",
        "post",
        "praise",
        [
            "Nieuwe telefoon besteld bij mijn verlenging, ben benieuwd!",
            "Binnen! Alles werkte meteen, top geregeld 💚",
        ],
    ),
    (
        "tulp",
        "nl",
        "post",
        "question",
        [
            "Vraagje: kan ik mijn ongebruikte data meenemen naar volgende maand?",
            "En zo ja, geldt dat ook voor sim only?",
        ],
    ),
    (
        "tulp",
        "nl",
        "dm",
        "question",
        [
            "Hoi, ik wil graag mijn abonnement opzeggen",
            "Ik ga verhuizen naar het buitenland",
            "Moet ik dan de rest van het contract nog betalen?",
        ],
    ),
    (
        "tulp",
        "nl",
        "dm",
        "account",
        [
            "Goedemiddag, mijn eSIM activeert niet",
            "Ik heb de QR-code gescand maar hij blijft op 'activeren' staan",
            "Nu zegt hij 'profiel kan niet worden gedownload'",
            "Ik zit nu zonder mobiel internet op mijn werk, graag snel hulp 🙏",
        ],
    ),
    (
        "tulp",
        "nl",
        "dm",
        "question",
        [
            "Hallo, ik ben mijn telefoon kwijt, kan mijn simkaart geblokkeerd worden?",
            "Het gaat om mijn zakelijke nummer, dus het is best dringend",
        ],
    ),
    (
        "tulp",
        "nl",
        "dm",
        "complaint",
        [
            "Ik heb een vraag over mijn rekening van oktober",
            "Er staan 3 betaalde sms-diensten op die ik nooit heb aangevraagd",
            "Kunnen jullie die blokkeren en het geld terugstorten?",
        ],
    ),
    (
        "tulp",
        "nl",
        "dm",
        "order",
        [
            "Hey! Wanneer krijg ik mijn nieuwe toestel bij de verlenging?",
            "Bestelnummer is {order}",
        ],
    ),
    (
        "tulp",
        "en",
        "post",
        "complaint",
        [
            "@tulpmobiel roaming doesn't work in Spain, no data at all",
            "Tried restarting, toggling roaming, nothing. Stuck at the airport 😩",
            "Ok switching to manual network selection worked. Maybe put that in the FAQ?",
        ],
    ),
    (
        "tulp",
        "en",
        "dm",
        "question",
        [
            "Hi, I'm moving out of the Netherlands next month",
            "How do I cancel, and can I keep my number somehow?",
        ],
    ),
]

# --------------------------------------------------------------------------------------------------
# Crisis: Tulp Mobiel network outage in Utrecht, delivered within ~40 seconds on tulp_social.
# --------------------------------------------------------------------------------------------------

CRISIS: list[tuple[str, str]] = [
    ("nl", "@tulpmobiel storing in Utrecht?? Geen bereik meer sinds een kwartier"),
    ("en", "Is @tulpmobiel down in Utrecht? No signal at all"),
    ("nl", "Hele Utrecht centrum plat bij Tulp? Geen internet, niet bellen, niks"),
    ("nl", "Is er een storing? Ik zit in Leidsche Rijn en heb 0 streepjes"),
    ("nl", "[reply] Hier ook, Lombok. Niks."),
    ("nl", "STORING. Kan mijn klanten niet bereiken, ik verlies hier geld mee @tulpmobiel 😡😡"),
    ("en", "No service in Utrecht for 20 min now, can't even order a taxi. Come on"),
    (
        "nl",
        "[vip:stadsnieuws] Meerdere meldingen van een grote storing bij Tulp Mobiel in Utrecht. Bellen en "
        "mobiel internet liggen eruit. We houden jullie op de hoogte.",
    ),
    ("nl", "Ook geen bereik in Overvecht. Graag een update!"),
    ("nl", "Waarom staat er niks op jullie storingspagina?? Hier in Utrecht doet niks het"),
    (
        "en",
        "[vip:mobilematters] Whole Tulp Mobiel network down in Utrecht right now. Calls, data, nothing. "
        "Customers deserve an explanation 👀",
    ),
    ("nl", "Ik dacht dat mijn telefoon kapot was 😅 blijkt dat heel Utrecht geen Tulp heeft"),
    ("nl", "[reply] Zelfde in Zuilen. Al een half uur."),
    ("nl", "Zit op Utrecht Centraal, geen bereik. Kan mijn treinkaartje in de app niet openen. Top."),
    ("en", "Tulp outage in Utrecht? My phone just says 'SOS only'"),
    ("nl", "Als er nu iets gebeurt kan ik niet eens bellen. Schandalig @tulpmobiel"),
    ("nl", "Hoe lang gaat dit nog duren? Ik moet om 3 uur een belangrijk telefoontje doen"),
    ("nl", "Jullie klantenservice is ook onbereikbaar. Logisch, met welke telefoon moet ik bellen 🙃"),
    ("en", "Absolutely ridiculous. Third outage this year. I'm switching providers @tulpmobiel"),
    ("nl", "Een vergoeding voor deze storing zou wel netjes zijn @tulpmobiel"),
]

# --------------------------------------------------------------------------------------------------
# Authors
# --------------------------------------------------------------------------------------------------

VIPS: dict[str, dict[str, Any]] = {
    "tim": {
        "id": "u90000001",
        "handle": "tim_radelt",
        "name": "Tim Radelt 🚴",
        "followers": 128_400,
        "verified": True,
    },
    "velo": {
        "id": "u90000002",
        "handle": "velonord_mag",
        "name": "Velo Nord Magazin",
        "followers": 46_200,
        "verified": True,
    },
    "tess": {
        "id": "u90000003",
        "handle": "tesstecht",
        "name": "Tess Techt",
        "followers": 212_000,
        "verified": True,
    },
    "stadsnieuws": {
        "id": "u90000004",
        "handle": "stadsnieuws_utr",
        "name": "Stadsnieuws Utrecht",
        "followers": 86_300,
        "verified": True,
    },
    "mobilematters": {
        "id": "u90000005",
        "handle": "mobilemattersEU",
        "name": "Mobile Matters",
        "followers": 481_000,
        "verified": True,
    },
}

FIRST_NAMES = {
    "de": [
        "Lena",
        "Jonas",
        "Marie",
        "Felix",
        "Sophie",
        "Lukas",
        "Anna",
        "Paul",
        "Laura",
        "Tim",
        "Julia",
        "Max",
        "Hannah",
        "Niklas",
        "Lea",
        "Jan",
        "Sarah",
        "Moritz",
        "Katrin",
        "Stefan",
        "Sabine",
        "Thomas",
        "Birgit",
        "Uwe",
        "Mehmet",
        "Ayşe",
        "Dennis",
        "Jana",
        "Tobias",
        "Franziska",
        "Heike",
        "Jörg",
    ],
    "nl": [
        "Sanne",
        "Daan",
        "Lotte",
        "Sem",
        "Emma",
        "Lucas",
        "Fleur",
        "Jesse",
        "Anouk",
        "Thijs",
        "Iris",
        "Bram",
        "Noor",
        "Ruben",
        "Femke",
        "Joost",
        "Marloes",
        "Kees",
        "Ingrid",
        "Mohammed",
        "Fatima",
        "Bas",
        "Eva",
        "Wouter",
        "Lieke",
        "Gerrit",
    ],
    "en": [
        "Emily",
        "James",
        "Olivia",
        "Liam",
        "Priya",
        "Chloe",
        "Ryan",
        "Aisha",
        "Tom",
        "Grace",
        "Ethan",
        "Mia",
        "Sean",
        "Hannah",
    ],
}
LAST_NAMES = {
    "de": [
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Hoffmann",
        "Schulz",
        "Koch",
        "Richter",
        "Klein",
        "Wolf",
        "Neumann",
        "Schwarz",
        "Braun",
        "Zimmermann",
        "Krüger",
        "Hartmann",
        "Yılmaz",
        "Kaya",
        "Lange",
        "Vogel",
    ],
    "nl": [
        "de Jong",
        "Jansen",
        "de Vries",
        "van den Berg",
        "Bakker",
        "Visser",
        "Smit",
        "Meijer",
        "de Boer",
        "Mulder",
        "de Groot",
        "Bos",
        "Vos",
        "Peters",
        "Hendriks",
        "van Dijk",
        "Kok",
        "Dekker",
        "El Amrani",
        "Verhoeven",
    ],
    "en": [
        "Walker",
        "Patel",
        "O'Brien",
        "Nguyen",
        "Thompson",
        "Murphy",
        "Kowalski",
        "Hughes",
        "Evans",
        "Garcia",
    ],
}
HANDLE_FLAVOURS = {
    "de": ["radlerin", "velo", "pendler", "bikefan", "kette_rechts"],
    "nl": ["fietsend", "gewoon", "echte", "team", "vanhier"],
    "en": ["its", "the_real", "just", "hey", "mr"],
}
SPAMMERS: list[tuple[str, str]] = [
    ("crypto_king_7781", "💰 Crypto King 💰"),
    ("followers4you_official", "Followers 4 You"),
    ("win_big_daily", "WIN BIG DAILY 🎁"),
    ("btc.mentor.markus", "Markus | BTC Mentor 📈"),
    ("gratis_deals_24", "Gratis Deals 24/7"),
    ("volgers_kopen_nl", "Volgers Kopen NL"),
    ("ai_trader_pro_x", "AI Trader PRO"),
    ("sweet_anna_1999", "Anna 💋"),
    ("lucky.prize.center", "Prize Center"),
]

_FOLD = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ş": "s", "é": "e", "'": "", " ": ""}
)
_TAG = re.compile(r"^\[(\w+)(?::(\w+))?\]\s*")
_DM_SHARE = {
    "question": 0.35,
    "complaint": 0.25,
    "order": 0.5,
    "account": 0.6,
    "purchase": 0.25,
    "praise": 0.05,
    "feedback": 0.15,
    "spam": 0.15,
    "offtopic": 0.0,
    "pii": 0.0,
    "review": 0.0,
}


def _split_tags(text: str) -> tuple[dict[str, str], str]:
    tags: dict[str, str] = {}
    while m := _TAG.match(text):
        tags[m.group(1)] = m.group(2) or ""
        text = text[m.end() :]
    return tags, text


class _Authors:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids: set[str] = {v["id"] for v in VIPS.values()}
        self.handles: set[str] = {v["handle"] for v in VIPS.values()}

    def _unique_id(self) -> str:
        while True:
            uid = f"u{self.rng.randint(10_000_000, 89_999_999)}"
            if uid not in self.ids:
                self.ids.add(uid)
                return uid

    def _unique_handle(self, handle: str) -> str:
        handle = handle[:24]
        base, n = handle, 1
        while handle in self.handles:
            n += 1
            handle = f"{base}{n}"
        self.handles.add(handle)
        return handle

    def person(self, lang: str) -> dict[str, Any]:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES[lang]), rng.choice(LAST_NAMES[lang])
        f, lname = first.lower().translate(_FOLD), last.lower().translate(_FOLD)
        style = rng.randrange(6)
        if style == 0:
            handle, name = f"{f}{lname}", f"{first} {last}"
        elif style == 1:
            handle, name = f"{f}_{lname[0]}", f"{first} {last[0] if lang != 'nl' else last.split()[-1][0]}."
        elif style == 2:
            handle, name = f"{f}{rng.randint(78, 99)}", first
        elif style == 3:
            handle, name = f"{f}.{lname}", f"{first} {last}"
        elif style == 4:
            handle, name = (
                f"{rng.choice(HANDLE_FLAVOURS[lang])}_{f}",
                f"{first} {rng.choice(['🚲', '✨', '🌷', '☕', ''])}".strip(),
            )
        else:
            handle, name = f"{lname}{rng.randint(1, 999)}", f"{first[0]}. {last}"
        if rng.random() < 0.04:
            followers = rng.randint(10_000, 60_000)
        else:
            followers = min(int(rng.lognormvariate(5.0, 1.3)), 9_000)
        return {
            "id": self._unique_id(),
            "handle": self._unique_handle(handle),
            "name": name,
            "followers": followers,
            "verified": False,
        }

    def spammer(self) -> dict[str, Any]:
        handle, name = self.rng.choice(SPAMMERS)
        return {
            "id": self._unique_id(),
            "handle": self._unique_handle(handle),
            "name": name,
            "followers": self.rng.choice([3, 12, 48, 2_310, 15_400]),
            "verified": False,
        }


# --------------------------------------------------------------------------------------------------
# Script assembly
# --------------------------------------------------------------------------------------------------


def _fill(text: str, brand: str, rng: random.Random) -> str:
    slots = SLOTS[brand]

    def order() -> str:
        if brand == "radhaus":
            return f"4711-{rng.randint(1000, 9999)}"
        return f"TM-{rng.randint(2_000_000, 2_999_999)}"

    values = {
        "order": order(),
        "product": rng.choice(slots["product"]),
        "size": rng.choice(slots["size"]),
        "town": rng.choice(slots["town"]),
    }
    return text.format(**values) if "{" in text else text


def _account(brand: str, kind: str, rng: random.Random) -> str:
    if brand == "radhaus":
        return "radhaus_reviews" if kind == "review" else "radhaus_social"
    if kind == "dm":
        return "tulp_support_dm" if rng.random() < 0.9 else "tulp_social"
    return "tulp_social" if rng.random() < 0.93 else "tulp_support_dm"


def _front_loaded(rng: random.Random, duration: float, latest: float | None = None) -> float:
    """A time in [0.4, latest] with more mass early on (about 18% in the first eighth)."""
    latest = duration - 0.5 if latest is None else latest
    return 0.4 + (max(latest, 0.5) - 0.4) * float(rng.random() ** 1.25)


def annotated_script(seed: int = 7, duration_seconds: float = 240.0) -> list[dict[str, Any]]:
    """Like :func:`demo_script`, each item also carrying ``meta`` (lang, category, kind, flags)."""
    rng = random.Random(seed)
    duration = max(float(duration_seconds), 30.0)
    scale = min(1.0, duration / 240.0)
    authors = _Authors(rng)
    units: list[dict[str, Any]] = []  # pre-events: at, account, kind, author, text, meta, ref keys

    def author_for(lang: str, category: str, tags: dict[str, str]) -> dict[str, Any]:
        if "vip" in tags:
            return dict(VIPS[tags["vip"]])
        return authors.spammer() if category == "spam" else authors.person(lang)

    # Singles
    for (brand, lang), wanted in SINGLE_TARGETS.items():
        entries = [(cat, text) for cat, texts in TEXTS[brand][lang].items() for text in texts]
        chosen = list(entries)
        rng.shuffle(chosen)
        reusable = [
            e
            for e in entries
            if ("{" in e[1] or e[0] == "spam") and not _split_tags(e[1])[0].keys() & {"pii", "vip", "html"}
        ]
        while len(chosen) < wanted:
            chosen.append(rng.choice(reusable))
        for cat, raw in chosen[: max(wanted, 0)]:
            tags, text = _split_tags(raw)
            if "review" in tags:
                kind = "review"
            elif "dm" in tags:
                kind = "dm"
            elif tags.keys() & {"post", "pii", "html", "vip"} or "@" in text:
                kind = "post"
            else:
                kind = "dm" if rng.random() < _DM_SHARE.get(cat, 0.2) else "post"
            units.append(
                {
                    "at": _front_loaded(rng, duration),
                    "account": _account(brand, kind, rng),
                    "kind": "dm" if kind == "dm" else "post",
                    "author": author_for(lang, cat, tags),
                    "text": _fill(text, brand, rng),
                    "meta": {
                        "brand": brand,
                        "lang": lang,
                        "category": "complaint" if cat == "review" else cat,
                        "review": kind == "review",
                        "pii": "pii" in tags,
                        "html": "html" in tags,
                        "crisis": False,
                        "thread": False,
                    },
                }
            )

    # Threads
    for n, (brand, lang, kind, cat, texts) in enumerate(THREADS):
        author = authors.person(lang)
        account = _account(brand, kind, rng)
        gaps = [rng.uniform(7.0, 38.0) * scale for _ in texts[1:]]
        at = _front_loaded(rng, duration, latest=duration - 0.5 - sum(gaps))
        fills = {
            "order": _fill("{order}", brand, rng),
            "product": _fill("{product}", brand, rng),
            "size": _fill("{size}", brand, rng),
            "town": _fill("{town}", brand, rng),
        }
        root_key = f"thread-{n}-0"
        for i, text in enumerate(texts):
            if i:
                at += gaps[i - 1]
            units.append(
                {
                    "at": at,
                    "account": account,
                    "kind": "dm" if kind == "dm" else "post",
                    "author": author,
                    "text": text.format(**fills) if "{" in text else text,
                    "key": f"thread-{n}-{i}",
                    "reply_to": f"thread-{n}-{i - 1}" if i and kind != "dm" else None,
                    "root": root_key if i and kind != "dm" else None,
                    "meta": {
                        "brand": brand,
                        "lang": lang,
                        "category": cat,
                        "review": kind == "review",
                        "pii": False,
                        "html": False,
                        "crisis": False,
                        "thread": True,
                    },
                }
            )

    # Crisis burst on tulp_social
    window = min(40.0, duration * 0.16)
    start = duration * 0.35
    times = sorted(start + rng.uniform(0.0, window) for _ in CRISIS)
    roots: list[int] = []
    for i, ((lang, raw), at) in enumerate(zip(CRISIS, times, strict=True)):
        tags, text = _split_tags(raw)
        unit: dict[str, Any] = {
            "at": at,
            "account": "tulp_social",
            "kind": "post",
            "author": author_for(lang, "complaint", tags),
            "text": text,
            "key": f"crisis-{i}",
            "meta": {
                "brand": "tulp",
                "lang": lang,
                "category": "complaint",
                "review": False,
                "pii": False,
                "html": False,
                "crisis": True,
                "thread": False,
            },
        }
        if "reply" in tags and roots:
            parent = rng.choice(roots)
            unit["reply_to"] = unit["root"] = f"crisis-{parent}"
        else:
            roots.append(i)
        units.append(unit)

    # Likes on earlier public posts of the same account
    posts = [u for u in units if u["kind"] == "post" and u["meta"]["category"] not in ("spam",)]
    for i in range(7):
        target = rng.choice(posts)
        key = target.setdefault("key", f"liked-{i}")
        if target["at"] + 3.0 >= duration - 0.5:
            continue
        units.append(
            {
                "at": rng.uniform(target["at"] + 3.0, min(duration - 0.5, target["at"] + 60.0)),
                "account": target["account"],
                "kind": "like",
                "author": authors.person(target["meta"]["lang"]),
                "target": key,
                "meta": {
                    "brand": target["meta"]["brand"],
                    "lang": target["meta"]["lang"],
                    "category": "like",
                    "review": False,
                    "pii": False,
                    "html": False,
                    "crisis": False,
                    "thread": False,
                },
            }
        )

    # Order, then assign stable ids per brand.
    for u in units:
        u["at"] = round(u["at"], 3)
    units.sort(key=lambda u: u["at"])  # stable: thread follow-ups keep their order on ties
    counters: dict[str, int] = {}
    ids: dict[str, str] = {}
    for u in units:
        brand = ACCOUNTS[u["account"]]["brand"]
        counters[brand] = counters.get(brand, 0) + 1
        u["id"] = f"demo-{brand}-{counters[brand]:04d}"
        if "key" in u:
            ids[u["key"]] = u["id"]

    script: list[dict[str, Any]] = []
    for u in units:
        if u["kind"] == "like":
            event: dict[str, Any] = {
                "type": "like",
                "id": u["id"],
                "author": dict(u["author"]),
                "target_id": ids[u["target"]],
            }
        elif u["kind"] == "dm":
            event = {
                "type": "direct_message",
                "id": u["id"],
                "author": dict(u["author"]),
                "text": u["text"],
                "conversation_id": f"dm:{u['author']['id']}",
            }
        else:
            event = {"type": "post", "id": u["id"], "author": dict(u["author"]), "text": u["text"]}
            if u.get("reply_to"):
                event["in_reply_to"] = ids[u["reply_to"]]
                event["thread_id"] = ids[u["root"]]
        script.append({"at": u["at"], "account": u["account"], "event": event, "meta": dict(u["meta"])})
    return script


def demo_script(seed: int = 7, duration_seconds: float = 240.0) -> list[dict[str, Any]]:
    """About 350 sandbox events spread over ``duration_seconds``, front-loaded, deterministic per seed."""
    return [
        {"at": item["at"], "account": item["account"], "event": item["event"]}
        for item in annotated_script(seed, duration_seconds)
    ]
