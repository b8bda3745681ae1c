"""Form widgets of the public pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html
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
