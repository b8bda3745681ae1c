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


def test_creates_a_reviewer_who_views_and_changes_nothing():
    out = StringIO()
    call_command("create_curator", "lina", "--reviewer", password="citadel-gate-and-bridge", stdout=out)
    user = get_user_model().objects.get(username="lina")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["reviewer"]
    assert user.has_perm("registry.view_damagereport") and user.has_perm("registry.view_historicaldamagereport")
    assert not user.has_perm("registry.change_damagereport") and not user.has_perm("registry.add_source")
    assert "Reviewer lina created" in out.getvalue()


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


class TerminalInput(StringIO):
    """Standard input that says it is a terminal, with what the user would type."""

    def isatty(self) -> bool:
        return True


def test_piped_password_is_refused_naming_the_environment_variable(monkeypatch):
    monkeypatch.delenv("CURATOR_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", StringIO("piped-passphrase-here\n"))
    with pytest.raises(CommandError, match="CURATOR_PASSWORD") as error:
        call_command("create_curator", "piped", stdout=StringIO())
    assert "pipe" in str(error.value)
    assert not get_user_model().objects.filter(username="piped").exists()


def test_without_username_it_asks_for_one_in_a_terminal(monkeypatch):
    monkeypatch.delenv("CURATOR_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", TerminalInput("amal\n"))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "the-great-colonnade-of-apamea")
    call_command("create_curator", stdout=StringIO())
    user = get_user_model().objects.get(username="amal")
    assert user.is_staff and user.check_password("the-great-colonnade-of-apamea")


def test_without_username_or_terminal_it_says_how_to_give_one(monkeypatch):
    monkeypatch.setenv("CURATOR_PASSWORD", "colonnade-and-tetrapylon")
    monkeypatch.setattr("sys.stdin", StringIO())
    with pytest.raises(CommandError, match="No username.*CURATOR=alice"):
        call_command("create_curator", stdout=StringIO())
    assert not get_user_model().objects.exclude(username="").filter(is_staff=True).exists()
