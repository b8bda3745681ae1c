"""Template helpers for the public pages: readable EDTF dates, safe coordinates,
labels in the reader's language and query strings for filtered lists."""

from __future__ import annotations

import copy
import re
from decimal import Decimal

from babel import Locale
from django import template
from django.utils.dates import MONTHS
from django.utils.translation import get_language, gettext as _, to_locale

from registry.selectors import visibility

register = template.Library()

_DATE = re.compile(r"^(?P<year>-?[0-9X]{4,})(?:-(?P<month>[0-9X]{2}))?(?:-(?P<day>[0-9X]{2}))?(?P<qual>[?~%]?)$")


def _year_text(year: int) -> str:
    # EDTF follows ISO 8601's astronomical numbering: year 0000 is 1 BC.
    if year <= 0:
        return _("%(year)s BC") % {"year": 1 - year}
    return str(year)


def _unspecified_year(text: str) -> str:
    """"19XX" → "1900–1999"; "-00XX" → the matching BC span."""
    low, high = int(text.replace("X", "0")), int(text.replace("X", "9"))
    if low < 0:
        low, high = -int(text[1:].replace("X", "9")), -int(text[1:].replace("X", "0"))
    return _("%(start)s to %(end)s") % {"start": _year_text(low), "end": _year_text(high)}


def _single_date(text: str) -> str:
    match = _DATE.match(text)
    if not match:
        return text
    year_text, month, day = match["year"], match["month"], match["day"]
    if "X" in year_text:
        reading = _unspecified_year(year_text)
    else:
        year = _year_text(int(year_text))
        if month and "X" not in month and 1 <= int(month) <= 12:
            month_name = str(MONTHS[int(month)])
            if day and "X" not in day:
                reading = f"{int(day)} {month_name} {year}"
            else:
                reading = f"{month_name} {year}"
        elif month and month.isdigit() and 21 <= int(month) <= 24:
            seasons = {21: _("spring"), 22: _("summer"), 23: _("autumn"), 24: _("winter")}
            reading = f"{seasons[int(month)]} {year}"
        else:
            reading = year
    qualifier = match["qual"]
    if qualifier == "~":
        return _("about %(date)s") % {"date": reading}
    if qualifier == "?":
        return _("possibly %(date)s") % {"date": reading}
    if qualifier == "%":
        return _("possibly about %(date)s") % {"date": reading}
    return reading


@register.filter
def edtf_human(value: str | None) -> str:
    """A reading of an EDTF string in the reader's language.

    The EDTF string itself is always shown next to it: the reading is a help,
    not a replacement, so an odd form we do not know is passed through as is.
    """
    value = (value or "").strip()
    if not value:
        return _("date unknown")
    if "/" in value:
        start, end = value.split("/", 1)
        if end == "..":
            return _("%(date)s or later") % {"date": _single_date(start)}
        if start == "..":
            return _("%(date)s or earlier") % {"date": _single_date(end)}
        if not end:
            return _("from %(date)s, end unknown") % {"date": _single_date(start)}
        if not start:
            return _("until %(date)s, start unknown") % {"date": _single_date(end)}
        return _("between %(start)s and %(end)s") % {"start": _single_date(start), "end": _single_date(end)}
    return _single_date(value)


@register.filter
def visible(record) -> bool:
    """Whether the public may see ``record``: pages name or link a related record only then."""
    return visibility.may_see(record, visibility.PUBLIC)


@register.filter
def term_label(term) -> str:
    """A vocabulary term in the reader's language, falling back to English."""
    if term is None:
        return ""
    if (get_language() or "").startswith("ar") and term.label_ar:
        return term.label_ar
    return term.label


@register.simple_tag
def public_coordinates(site) -> str:
    """"lat, lon" as published: rounded for sensitive sites, never the stored values."""
    coordinates = site.public_coordinates()
    if coordinates is None:
        return ""
    return f"{coordinates[0]}, {coordinates[1]}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None drops one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def local_name(record) -> str:
    """The record's name in the reader's language if one is recorded, else its main name.

    Reads the prefetched ``names`` so that a list shows every row without a query each.
    """
    language = (get_language() or "en").split("-")[0]
    if language != "en":
        for name in record.names.all():
            if name.language == language:
                return name.name
    return record.name


@register.filter
def money(amount, currency: str) -> str:
    """An amount with the currency's symbol and grouping of the reader's language.

    "€100,000,000" in English, "100 000 000 €" in French; cents only when there
    are any. Babel's CLDR data decides; an unknown code is printed as it is.
    """
    if amount is None or amount == "":
        return ""
    locale = Locale.parse(to_locale(get_language() or "en"))
    pattern = copy.copy(locale.currency_formats["standard"])
    if Decimal(amount) == Decimal(amount).to_integral_value():
        pattern.frac_prec = (0, 0)
    return pattern.apply(Decimal(amount), locale, currency=currency or "XXX", currency_digits=False)
