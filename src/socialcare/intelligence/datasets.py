"""Readers for the public datasets in ``../shared/data`` (training and benchmarks only).

Nothing here is used at enrichment time. Every reader returns plain lists so that training stays
independent of pandas. The data are read in place and never copied into the repository.
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

SENTIMENTS = ("negative", "neutral", "positive")
UMSAB_LANGUAGES = {
    "arabic": "ar",
    "english": "en",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "italian": "it",
    "portuguese": "pt",
    "spanish": "es",
}
COMPLAINT_DOMAINS = (
    "apparel",
    "cars",
    "electronics",
    "food",
    "other",
    "retail",
    "services",
    "software",
    "transport",
)


def project_root() -> Path:
    # src/socialcare/intelligence/datasets.py -> project root is three levels above src/
    return Path(__file__).resolve().parents[3]


def default_data_dir() -> Path:
    env = os.environ.get("SOCIALCARE_DATA_DIR")
    if env:
        return Path(env)
    return project_root().parent / "shared" / "data"


@dataclass(frozen=True)
class Doc:
    text: str
    label: str
    group: str = ""  # source, domain or language, depending on the dataset
    id: str = ""


def germeval(data_dir: Path, split: str) -> list[Doc]:
    """GermEval 2017 flat TSV; ``label`` is ``relevance|sentiment``, ``group`` the source."""
    path = data_dir / "germeval2017" / "tsv" / f"{split}-2017-09-15.flat.tsv"
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            out.append(
                Doc(
                    text=row["text"],
                    label=f"{row['relevance']}|{row['sentiment']}",
                    group=row["source"],
                    id=row["id"],
                )
            )
    return out


def complaints(data_dir: Path) -> list[Doc]:
    path = data_dir / "complaints_preotiuc2019" / "complaints-data.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [Doc(text=r[1], label=r[2], group=r[3], id=r[0]) for r in csv.reader(fh)]


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _clean_semeval(text: str) -> str:
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if len(text) > 1 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    return text.replace('""', '"')


def semeval_pool(data_dir: Path) -> list[Doc]:
    """SemEval 2013-2016 subtask A pool, deduplicated by tweet id and by normalised text."""
    folder = data_dir / "semeval2017_task4a_english"
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    out = []
    for path in sorted(folder.glob("twitter-201[3-6]*-A.tsv")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 3 or parts[1] not in SENTIMENTS:
                    continue
                text = _clean_semeval(parts[2])
                key = _text_key(text)
                if parts[0] in seen_ids or key in seen_texts:
                    continue
                seen_ids.add(parts[0])
                seen_texts.add(key)
                out.append(Doc(text=text, label=parts[1], group=path.stem, id=parts[0]))
    return out


def semeval_test(data_dir: Path) -> list[Doc]:
    path = data_dir / "semeval2017_task4a_english" / "SemEval2017-task4-test.subtask-A.english.gold_with_text.txt"
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                out.append(Doc(text=_clean_semeval(parts[2]), label=parts[1], id=parts[0]))
    return out


_KEY_STRIP = re.compile(r"https?://\S+|@\w+|[^\w]+")


def _text_key(text: str) -> str:
    return _KEY_STRIP.sub("", text.lower())


def without_texts(docs: list[Doc], banned: list[Doc]) -> list[Doc]:
    """Drop every doc whose normalised text also occurs in ``banned`` (leakage guard)."""
    keys = {_text_key(d.text) for d in banned}
    return [d for d in docs if _text_key(d.text) not in keys]


def umsab(data_dir: Path, split: str, languages: list[str] | None = None) -> list[Doc]:
    folder = data_dir / "umsab_xlmt_multilingual_sentiment"
    out = []
    for name, code in UMSAB_LANGUAGES.items():
        if languages and code not in languages:
            continue
        texts = (folder / name / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
        labels = (folder / name / f"{split}_labels.txt").read_text(encoding="utf-8").split("\n")
        for t, y in zip(texts, labels, strict=False):
            if t.strip() and y.strip():
                out.append(Doc(text=t.strip(), label=SENTIMENTS[int(y)], group=code))
    return out


def bitext(data_dir: Path) -> list[Doc]:
    path = data_dir / "bitext_customer_support_intents" / "bitext_customer_support_20k_utterances.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [Doc(text=r["utterance"], label=r["intent"], group=r["category"]) for r in csv.DictReader(fh)]


def twcs_inbound(data_dir: Path) -> list[Doc]:
    """Inbound customer tweets from the twcs fragments (head 5k and the SpotifyCares file)."""
    folder = data_dir / "twcs_customer_support_on_twitter"
    out = []
    seen: set[str] = set()
    for name in ("twcs_head_5000.csv", "twcs_spotifycares_inbound_15096.csv"):
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                if r["inbound"] != "True" or r["tweet_id"] in seen:
                    continue
                seen.add(r["tweet_id"])
                first = "first" if not r["in_response_to_tweet_id"] else "reply"
                out.append(Doc(text=r["text"], label=first, group=name.split("_")[1], id=r["tweet_id"]))
    return out


def ibm_client_turns(data_dir: Path) -> list[Doc]:
    """Customer turns from the IBM customer-care conversations (dev.json)."""
    path = data_dir / "ibm_twitter_customer_care_cdp" / "dev.json"
    out = []
    for conv in json.loads(path.read_text(encoding="utf-8")):
        company = conv["dialogHeader"]["company"]
        for i, turn in enumerate(conv["dialogContent"]):
            if "client" in turn:
                out.append(
                    Doc(text=turn["message"], label="first" if i == 0 else "reply", group=company, id=turn["tweet_ID"])
                )
    return out


def tweeteval_offensive(data_dir: Path, split: str) -> list[Doc]:
    folder = data_dir / "tweeteval" / "offensive"
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split("\n")
    return [Doc(text=t.strip(), label=y.strip()) for t, y in zip(texts, labels, strict=False) if t.strip()]
