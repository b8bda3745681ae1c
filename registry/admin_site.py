"""The curators' admin site: password, then the authenticator's code for those who have one.

TOTP is optional per curator: once a curator has a confirmed TOTP device
(admin › TOTP devices), the login asks for its current code and the session is
let in only when verified. ``ADMIN_REQUIRE_OTP=1`` requires a device of every
account that opens the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm


def needs_second_factor(user) -> bool:
    return settings.ADMIN_REQUIRE_OTP or user_has_device(user, confirmed=True)


class CuratorLoginForm(OTPAdminAuthenticationForm):
    """The admin login form; the code is checked only for accounts that need one."""

    def clean(self):
        cleaned = super(OTPAdminAuthenticationForm, self).clean()
        user = self.get_user()
        if user is not None and needs_second_factor(user):
            self.clean_otp(user)
        return cleaned


class CuratorAdminSite(AdminSite):
    login_form = CuratorLoginForm
    login_template = "otp/admin111/login.html"

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        user = request.user
        return not needs_second_factor(user) or user.is_verified()
