"""The Celery application that runs background jobs (spreadsheet imports).

Start a worker beside the web servers with::

    celery -A heritage worker --loglevel=INFO

Settings prefixed ``CELERY_`` in ``heritage/settings.py`` configure it.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heritage.settings")

app = Celery("heritage")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
