from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from registry.dates import day_key, day_key_from_text, edtf_bounds, format_day_key, validate_edtf


@pytest.mark.parametrize(
    ("value", "lower", "upper"),
    [
        ("2015", "2015-01-01", "2015-12-31"),
        ("2015-08~", "2015-08-01", "2015-08-31"),
        ("2016-03-27?", "2016-03-27", "2016-03-27"),
        ("2015-08-27/2015-09-02", "2015-08-27", "2015-09-02"),
        ("-0099/-0001", "-0099-01-01", "-0001-12-31"),
        ("-00XX", "-0099-01-01", "0000-12-31"),
        ("2015/..", "2015-01-01", ""),
        ("../2015", "", "2015-12-31"),
        ("2015/", "2015-01-01", ""),
        ("201X", "2010-01-01", "2019-12-31"),
    ],
)
def test_bounds_of_uncertain_dates(value, lower, upper):
    bounds = edtf_bounds(value)

    assert format_day_key(bounds.lower) == lower
    assert format_day_key(bounds.upper) == upper


def test_bce_day_keys_sort_in_time_order():
    dates = ["-0099-12-31", "-0098-01-01", "-0001-06-15", "0001-01-01", "2015-08-27"]

    keys = [edtf_bounds(value).lower for value in dates]

    assert keys == sorted(keys)
    assert day_key(-1, 12, 31) < day_key(0, 1, 1) < day_key(1, 1, 1)


@pytest.mark.parametrize("value", ["last year", "2015-13", "27/03/2016", "2016-02-30", "2016/2015"])
def test_invalid_edtf_is_refused_with_examples(value):
    with pytest.raises(ValidationError) as error:
        validate_edtf(value)

    message = error.value.messages[0]
    assert value in message
    assert "2015-08-27/2015-09-02" in message or "ends before it starts" in message


def test_empty_date_has_no_bounds():
    assert edtf_bounds("").lower is None
    assert edtf_bounds("  ").upper is None


def test_filter_dates_take_first_or_last_day():
    assert day_key_from_text("2015") == day_key(2015, 1, 1)
    assert day_key_from_text("2015", upper=True) == day_key(2015, 12, 31)
    assert day_key_from_text("2016-02", upper=True) == day_key(2016, 2, 29)
    with pytest.raises(ValidationError):
        day_key_from_text("soon")
