"""Project package of the heritage damage registry (settings, URLs, entry points)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
