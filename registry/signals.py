"""The login log: every successful and failed login, admin and API alike.

Entries go to the ``registry.auth`` logger; passwords are never logged, user
names only as typed. django-axes keeps the failures in the database as well
(admin › Access attempts), which is what its lockout counts.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

logger = logging.getLogger("registry.auth")


def client_ip(request) -> str | None:
    """The client's address: the connection's, or the one the proxies in front vouch for.

    Each proxy appends the address it was reached from to X-Forwarded-For, so
    with ``REGISTRY_PROXY_COUNT`` proxies the client is that many entries from
    the right; anything further left was written by the client itself.
    """
    meta = getattr(request, "META", {})
    count = settings.REGISTRY_PROXY_COUNT
    if count:
        forwarded = [
            entry.strip()
            for entry in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if entry.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return meta.get("REMOTE_ADDR")


def client_address(request) -> str:
    return (client_ip(request) if request is not None else None) or "-"


@receiver(user_logged_in, dispatch_uid="registry-login-succeeded")
def log_login(sender, request, user, **kwargs):
    logger.info(
        "login succeeded: user=%r address=%s path=%s",
        user.get_username(),
        client_address(request),
        getattr(request, "path", "-"),
    )


@receiver(user_login_failed, dispatch_uid="registry-login-failed")
def log_login_failure(sender, credentials, request=None, **kwargs):
    logger.warning(
        "login failed: user=%r address=%s path=%s",
        credentials.get("username", ""),
        client_address(request),
        getattr(request, "path", "-"),
    )
