"""manage.py create_curator."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_creates_staff_curator_who_is_not_superuser():
    out = StringIO()
    call_command("create_curator", "hala", email="hala@example.org", password="tower-tombs-of-the-valley", stdout=out)
    user = get_user_model().objects.get(username="hala")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["curator"]
    assert user.check_password("tower-tombs-of-the-valley")
    assert user.has_perm("registry.change_heritagesite")
    assert "hala" in out.getvalue()


def test_password_from_environment(monkeypatch):
    monkeypatch.setenv("CURATOR_PASSWORD", "colonnade-and-tetrapylon")
    call_command("create_curator", "samir", stdout=StringIO())
    assert get_user_model().objects.get(username="samir").check_password("colonnade-and-tetrapylon")


def test_refuses_weak_password_and_existing_user(monkeypatch):
    monkeypatch.delenv("CURATOR_PASSWORD", raising=False)
    with pytest.raises(CommandError):
        call_command("create_curator", "weak", password="123", stdout=StringIO())
    assert not get_user_model().objects.filter(username="weak").exists()
    call_command("create_curator", "hala", password="tower-tombs-of-the-valley", stdout=StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_curator", "hala", password="another-long-passphrase", stdout=StringIO())


def test_without_password_or_terminal_it_refuses(monkeypatch):
    monkeypatch.delenv("CURATOR_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", StringIO())
    with pytest.raises(CommandError, match="No password"):
        call_command("create_curator", "nobody", stdout=StringIO())
    assert not get_user_model().objects.filter(username="nobody").exists()
