"""Fixtures shared by the tests of the partner API (tests/test_api_*.py).

Imported by name into each test module, as pytest finds fixtures there.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from rest_framework.test import APIClient

from registry import services
from registry.models import PartnerInstitution
from tests.factories import PartnerInstitutionFactory


@dataclass
class Partner:
    institution: PartnerInstitution
    key: str
    client: APIClient


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in the cache; each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def make_partner(name: str) -> Partner:
    institution = PartnerInstitutionFactory(name=name)
    _key, raw = services.api_key_create(institution=institution, label="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return Partner(institution, raw, client)


@pytest.fixture
def partner_a(db) -> Partner:
    return make_partner("Museum of the North")


@pytest.fixture
def partner_b(db) -> Partner:
    return make_partner("Heritage Watch")


@pytest.fixture
def curator(db) -> APIClient:
    user = User.objects.create_user("curator-jo", password="pw-curator-jo", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="curator")[0])
    client = APIClient()
    client.force_authenticate(user)
    return client
