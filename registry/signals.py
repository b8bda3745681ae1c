"""The login log: every successful and failed login, admin and API alike.

Entries go to the ``registry.auth`` logger; passwords are never logged, user
names only as typed. django-axes keeps the failures in the database as well
(admin › Access attempts), which is what its lockout counts.
"""

from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

logger = logging.getLogger("registry.auth")


def client_address(request) -> str:
    if request is None:
        return "-"
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "-"


@receiver(user_logged_in, dispatch_uid="registry-login-succeeded")
def log_login(sender, request, user, **kwargs):
    logger.info("login succeeded: user=%r address=%s path=%s", user.get_username(), client_address(request),
                getattr(request, "path", "-"))


@receiver(user_login_failed, dispatch_uid="registry-login-failed")
def log_login_failure(sender, credentials, request=None, **kwargs):
    logger.warning("login failed: user=%r address=%s path=%s", credentials.get("username", ""),
                   client_address(request), getattr(request, "path", "-"))
