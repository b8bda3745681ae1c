"""The registry's starting vocabularies and how they are loaded."""

from __future__ import annotations

from pathlib import Path

import yaml

TERMS_FILE = Path(__file__).with_name("terms.yaml")
AAT_BASE = "http://vocab.getty.edu/aat/"


def read_terms(path: Path = TERMS_FILE) -> dict[str, list[dict]]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_terms(term_model, terms: dict[str, list[dict]] | None = None) -> int:
    """Create or update the listed terms; returns how many rows changed.

    ``term_model`` is passed in so that a data migration can hand over its
    historical model. Terms curators added, and fields absent from the file,
    are left alone.
    """
    terms = read_terms() if terms is None else terms
    changed = 0
    for vocabulary, entries in terms.items():
        for entry in entries:
            values = {"label": entry["label"], "label_ar": entry.get("label_ar", "")}
            if entry.get("aat"):
                values["aat_uri"] = AAT_BASE + str(entry["aat"])
            if entry.get("broader"):
                values["broader"] = term_model.objects.get(vocabulary=_broader_vocabulary(vocabulary), slug=entry["broader"])
            term, created = term_model.objects.get_or_create(vocabulary=vocabulary, slug=entry["slug"], defaults=values)
            if not created and any(getattr(term, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(term, key, value)
                term.save()
                changed += 1
            changed += created
    return changed


def _broader_vocabulary(vocabulary: str) -> str:
    return {"cause_type": "cause_category"}.get(vocabulary, vocabulary)
