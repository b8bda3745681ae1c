"""The quick select writes exactly the HTML of Django's own Select."""

from __future__ import annotations

import pytest
from django import forms
from django.test import RequestFactory
from django.utils import translation

from registry.filters import COUNTRY_CHOICES, DamageReportFilter, HeritageSiteFilter
from registry.models import DamageReport, HeritageSite
from registry.widgets import QuickSelect

CHOICES = [
    ("", "---------"), *list(COUNTRY_CHOICES)[:3], ("5", 'Five <"quoted"> & more'),
    ("Group & co", [("a", "A"), ("b", "B & b")]),
]


@pytest.mark.parametrize("value", ["", "AF", "b", "5", 5, None, "not a choice"])
@pytest.mark.parametrize("attrs", [{}, {"id": "id_country", "required": True, "disabled": False, "data-x": 'a"b'}])
def test_quick_select_writes_what_django_writes(value, attrs):
    django_html = forms.Select(choices=CHOICES, attrs=attrs).render("country", value)
    assert QuickSelect(choices=CHOICES, attrs=attrs).render("country", value) == django_html


@pytest.mark.django_db
@pytest.mark.parametrize(("filterset", "model", "query"), [
    (DamageReportFilter, DamageReport, {"country": "SY", "severity": "destroyed", "ordering": "-date"}),
    (HeritageSiteFilter, HeritageSite, {"country": "IQ", "kind": "nonsense"}),
])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_list_page_filter_form_is_the_same_html_with_quick_selects(filterset, model, query, language):
    request = RequestFactory().get("/", query)
    with translation.override(language):
        form = filterset(query, queryset=model.objects.all(), request=request).form
        selects = [field for field in form if type(field.field.widget) is forms.Select]
        assert len(selects) >= 3
        for field in selects:
            django_html = str(field)
            field.field.widget.__class__ = QuickSelect
            assert str(field) == django_html


@pytest.mark.django_db
def test_list_pages_render_their_selects_quickly(client):
    response = client.get("/reports/", {"country": "SY"})
    form = response.context["filter"].form
    assert {type(field.widget) for name, field in form.fields.items() if name in ("country", "severity")} == {QuickSelect}
    assert '<option value="SY" selected>Syria</option>' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("filterset", "model", "query"), [
    (DamageReportFilter, DamageReport, {"country": "SY", "q": 'Qal\'at "Ḥalab" <b>', "date_from": "not a date"}),
    (DamageReportFilter, DamageReport, {}),
    (HeritageSiteFilter, HeritageSite, {"country": "IQ", "kind": "nonsense", "parent": "a&b"}),
])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_quickened_filter_form_is_the_same_html(filterset, model, query, language):
    """Selects, text inputs and labels written in Python: the whole form, errors included, as Django writes it."""
    from django.template.loader import render_to_string

    from registry.widgets import QuickLabels, QuickTextInput, quicken

    request = RequestFactory().get("/", query)
    with translation.override(language):
        plain = filterset(query or None, queryset=model.objects.all(), request=request)
        quick = filterset(query or None, queryset=model.objects.all(), request=request)
        quicken(quick.form)
        assert isinstance(quick.form.render, QuickLabels)
        assert any(type(field.widget) is QuickTextInput for field in quick.form.fields.values())
        pages = [render_to_string("registry/includes/filter_form.html", {"filter": filters, "request": request})
                 for filters in (plain, quick)]
        assert pages[0] == pages[1]
        assert "<label" in pages[1] and "<input" in pages[1]
        assert all(str(quick.form[name].label_tag()) == str(plain.form[name].label_tag()) for name in plain.form.fields)
