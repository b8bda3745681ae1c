"""Fixtures shared by the whole test suite."""

import os
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium_path():
    """Path of the Chromium binary that browser tests drive.

    Uses CHROMIUM_PATH if set, else Debian's /usr/bin/chromium. Without one the
    test is skipped, unless REQUIRE_BROWSER=1 (as in CI), where it fails instead.
    """
    candidate = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    message = (
        f"Chromium not installed at {candidate}: apt-get install -y chromium to run browser tests"
    )
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def screenshot_dir():
    """Directory browser tests save screenshots into: SCREENSHOT_DIR, default
    artifacts/screenshots; relative paths are taken from the repository root."""
    path = Path(os.environ.get("SCREENSHOT_DIR") or "artifacts/screenshots")
    if not path.is_absolute():
        path = BASE_DIR / path
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """Each test starts with an empty cache, and with the caches of anonymous answers
    off (tests of caching turn them on): rows made by factories, not through the
    services, do not raise the cache generation, and SQLite reuses primary keys."""
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 0
    settings.REPRESENTATION_CACHE = False
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _imports_dir(settings, tmp_path_factory):
    """Uploaded import files go to a temporary folder, never into the checkout."""
    settings.IMPORTS_DIR = tmp_path_factory.mktemp("imports")


_TERM_COUNT: list[int] = []


@pytest.fixture(autouse=True)
def vocabularies_present(request):
    """The rows the migrations make (vocabulary terms, the curator and reviewer groups), back if gone.

    A transactional test (the browser tests, the query plans) empties the tables
    when it ends; a test that runs after it in the same pytest-xdist worker would
    otherwise find no terms. A transactional test gets them committed, a test in
    a transaction gets them inside it. Costs one query when they are all there.

    Django's serialized_rollback is not used for this: after a transactional
    test without it, the flush's post_migrate signal has already made the
    content types that the serialized copy then inserts again.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        transactional = bool(marker.kwargs.get("transaction"))
    elif "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        transactional = True
    elif "db" in request.fixturenames:
        # Asked for through another fixture, as the schema tests do, not by a marker.
        transactional = False
    else:
        return
    from django.contrib.contenttypes.models import ContentType

    request.getfixturevalue("transactional_db" if transactional else "db")
    from registry import services
    from registry.models import Term
    from registry.vocabularies import load_terms, read_terms

    if not _TERM_COUNT:
        _TERM_COUNT.append(sum(len(entries) for entries in read_terms().values()))
    if Term.objects.count() < _TERM_COUNT[0]:
        # The flush also renumbered the content types: forget the ones cached before it.
        ContentType.objects.clear_cache()
        load_terms(Term)
        services.curator_group_sync()
        services.reviewer_group_sync()
