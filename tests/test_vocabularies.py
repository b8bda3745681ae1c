from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from registry.models import Term
from registry.vocabularies import load_terms, read_terms

pytestmark = pytest.mark.django_db


def test_starting_vocabularies_are_loaded_by_migration():
    loaded = {(t.vocabulary, t.slug) for t in Term.objects.all()}

    for vocabulary, entries in read_terms().items():
        for entry in entries:
            assert (vocabulary, entry["slug"]) in loaded
    assert Term.objects.get(vocabulary="cause_type", slug="explosion-heavy-weaponry").broader.slug == (
        "military-armed-conflict"
    )


def test_every_vocabulary_has_eamena_terms_with_arabic_labels():
    for vocabulary in Term.Vocabulary.values:
        terms = Term.objects.of(vocabulary)
        assert terms.exists(), vocabulary
        assert not terms.filter(label_ar="").exists(), vocabulary


def test_reloading_is_idempotent_and_keeps_curator_terms():
    Term.objects.create(vocabulary="material", slug="basalt", label="Basalt")

    assert load_terms(Term) == 0
    call_command("load_vocabularies", verbosity=0)

    assert Term.objects.filter(vocabulary="material", slug="basalt").exists()


def test_reloading_restores_changed_labels():
    term = Term.objects.get(vocabulary="effect_type", slug="burning")
    term.label = "Burnt"
    term.save()

    assert load_terms(Term) == 1
    term.refresh_from_db()
    assert term.label == "Burning"


def test_aat_uri_format_is_checked():
    term = Term(vocabulary="material", slug="tufa", label="Tufa", aat_uri="http://vocab.getty.edu/aat/tufa")

    with pytest.raises(ValidationError) as error:
        term.full_clean()

    assert "aat_uri" in error.value.message_dict
    assert Term.objects.get(vocabulary="artefact_kind", slug="temple").aat_uri == "http://vocab.getty.edu/aat/300007595"
