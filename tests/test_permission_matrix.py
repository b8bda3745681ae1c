"""Every page and API endpoint, read by every kind of reader, over a registry full of secrets.

Readers: anonymous, partner A (which submitted some of the records in review),
partner B, a curator and a reviewer (who reads what curators read and edits nothing). Public pages show only
what the public may see, whoever reads them; the API shows each reader what
``tests/matrix_world.py`` says it is entitled to; the admin is for curators.
No response may carry an unpublished slug, name or quote, or a sensitive
site's exact coordinates, to a reader not entitled to it, and none is a 5xx.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.urls import reverse
from rest_framework.test import APIClient

from registry.api.urls import router
from tests import matrix_world
from tests.api_fixtures import fresh_throttles, make_partner  # noqa: F401

pytestmark = pytest.mark.django_db

PAGE_LISTS = ["site", "artefact", "event", "report", "pledge", "source", "actor", "intervention"]
GEOJSON_PAGES = {"site", "artefact", "event", "report", "pledge", "intervention"}
PAGE_DETAIL = {
    "HeritageSite": "site",
    "Artefact": "artefact",
    "DamageEvent": "event",
    "DamageReport": "report",
    "RestorationPledge": "pledge",
    "Source": "source",
    "Actor": "actor",
    "Intervention": "intervention",
}
JSONLD = {"sites", "artefacts", "damage-events", "pledges"}


def _curator_client(username: str, group: str = "curator") -> APIClient:
    user = User.objects.create_user(username, password=f"pw-{username}", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def readers(db) -> dict[str, APIClient]:
    a, b = make_partner("Museum of the North"), make_partner("Heritage Watch")
    clients = {
        "anonymous": APIClient(),
        "partner_a": a.client,
        "partner_b": b.client,
        "curator": _curator_client("curator-matrix"),
        "reviewer": _curator_client("reviewer-matrix", group="reviewer"),
    }
    clients["partner_a"].institution = a.institution
    return clients


def page_urls(world) -> list[str]:
    urls = [
        reverse("registry:home"),
        reverse("registry:map"),
        reverse("registry:pledge-tracker"),
        reverse("registry:report-feed"),
    ]
    for name in PAGE_LISTS:
        urls += [reverse(f"registry:{name}-list"), reverse(f"registry:{name}-export", args=["csv"])]
        if name in GEOJSON_PAGES:
            urls.append(reverse(f"registry:{name}-export", args=["geojson"]))
    for record in [*world.published, *world.hidden]:
        if type(record).__name__ in PAGE_DETAIL:
            urls.append(record.get_absolute_url())
    return urls


def api_urls(world) -> list[str]:
    urls = ["/api/v1/changes/?page_size=500", "/api/v1/vocabularies/?page_size=200", "/api/schema/"]
    for prefix, viewset, basename in router.registry:
        if basename == "term":
            continue
        urls += [f"/api/v1/{prefix}/?page_size=200", f"/api/v1/{prefix}/?page_size=200&format=csv"]
        if prefix == "sites":
            urls.append("/api/v1/sites/?page_size=200&format=geojson")
        for record in viewset.model.objects.all():
            urls.append(f"/api/v1/{prefix}/{record.slug}/")
            if prefix in JSONLD:
                urls.append(f"/api/v1/{prefix}/{record.slug}/?format=jsonld")
    return urls


def admin_urls() -> list[str]:
    return [
        reverse("admin:index"),
        *(
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            for model in admin.site._registry
        ),
    ]


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def read_all(client, urls) -> dict[str, str]:
    texts = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        # A 404 may repeat the address asked for; that is the reader's own input, not a leak.
        texts[url] = body(response).replace(url.split("?")[0], "")
    return texts


def leaks(
    texts: dict[str, str], secrets: dict[str, frozenset[str]], reader: str
) -> list[tuple[str, str]]:
    return [
        (url, word)
        for url, text in texts.items()
        for word, entitled in secrets.items()
        if reader not in entitled and word in text
    ]


def test_no_reader_sees_what_it_is_not_entitled_to(readers):
    world = matrix_world.build(readers["partner_a"].institution)
    pages, api, staff = page_urls(world), api_urls(world), admin_urls()
    assert len(pages) > 60 and len(api) > 150
    nobody = {word: frozenset() for word in world.secrets}
    seen_by = {}
    for name, client in readers.items():
        page_texts, api_texts = read_all(client, pages), read_all(client, api)
        found = leaks(page_texts, nobody, name) + leaks(api_texts, world.secrets, name)
        assert not found, "\n".join(f"{name}: {word!r} at {url}" for url, word in found)
        everything = " ".join([*page_texts.values(), *api_texts.values()])
        seen_by[name] = {word for word in world.secrets if word in everything}
        assert all(word in everything for word in world.controls), name
        admin_texts = read_all(client, staff)
        if name in matrix_world.CURATORS:
            seen_by[name] |= {
                word for word in world.secrets if word in " ".join(admin_texts.values())
            }
        else:
            assert leaks(admin_texts, nobody, name) == [], name
    # The checks bite: curators see every secret, partner A its own submissions, the others nothing.
    assert seen_by["curator"] == seen_by["reviewer"] == set(world.secrets)
    own = {word for word, entitled in world.secrets.items() if "partner_a" in entitled}
    assert own and seen_by["partner_a"] == own
    assert seen_by["anonymous"] == seen_by["partner_b"] == set()
