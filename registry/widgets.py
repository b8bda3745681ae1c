"""Form widgets of the public pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def _attributes(attrs: dict[str, Any]) -> str:
    """HTML attributes as Django's ``attrs.html`` writes them: ``True`` bare, ``False`` left out."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A ``<select>`` written out in Python, as Django's own templates write it.

    Django renders each option through two templates of its own; the 250 countries
    of a list page's filter form took a fifth of the time of the whole page.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], mark_safe(_attributes(widget["attrs"])))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(format_html(
                    # Django's option template ends with a line break of its own.
                    '\n  <option value="{}"{}>{}</option>\n',
                    str(option["value"]), mark_safe(_attributes(option["attrs"])), option["label"],
                ))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class QuickTextInput(forms.TextInput):
    """A text ``<input>`` written out in Python, as Django's three templates for it write it."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = format_html('<input type="{}" name="{}"', widget["type"], widget["name"])
        if widget["value"] is not None:
            html += format_html(' value="{}"', str(widget["value"]))
        return mark_safe(html + _attributes(widget["attrs"]) + ">")


class QuickLabels:
    """A form's ``render`` that writes labels in Python, as Django's ``label.html`` writes them.

    ``BoundField.label_tag`` still decides the label's text, suffix and attributes; only
    the template it then renders is skipped. Everything else goes to the form's own ``render``.
    """

    def __init__(self, form: forms.BaseForm):
        self.render = form.render
        self.label_template = form.template_name_label

    def __call__(self, template_name: str | None = None, context: dict[str, Any] | None = None,
                 renderer: Any = None) -> SafeString:
        if template_name != self.label_template or context is None or renderer is not None:
            return self.render(template_name, context, renderer)
        label = conditional_escape(context["label"])
        if not context["use_tag"]:
            return mark_safe(label)
        tag = conditional_escape(context["tag"])
        return mark_safe(f"<{tag}{_attributes(context['attrs'] or {})}>{label}</{tag}>")


def quicken(form: forms.BaseForm) -> forms.BaseForm:
    """Have ``form`` write its selects, text inputs and labels without templates; the HTML is the same."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget.__class__ = QuickSelect
        elif type(field.widget) is forms.TextInput:
            field.widget.__class__ = QuickTextInput
    form.render = QuickLabels(form)  # type: ignore[method-assign]
    return form
