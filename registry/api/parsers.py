"""The API reads JSON bodies only, and refuses what no record could hold before it is used.

Any other content type is answered 415. A body nested deeper than
``MAX_DEPTH`` (no record needs more than a few levels), or a string or key
holding a NUL character or an unpaired surrogate (which no database text
column can store), is a 400
naming where in the body it is, instead of a RecursionError or a database
error further on.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser

MAX_DEPTH = 32


def _where(path: list) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "non_field_errors"


def _check_text(text: str, path: list) -> None:
    if "\x00" in text:
        raise ValidationError({_where(path): [_("Null characters are not allowed.")]})
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800": no text at all
        raise ValidationError(
            {
                _where(path): [
                    _("The text contains an unpaired surrogate (not a Unicode character).")
                ]
            }
        ) from None


def check_body(data) -> None:
    """Walk the parsed body without recursion; raise on depth or NUL characters."""
    stack = [(data, [], 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(
                _("The JSON body is nested more than %(depth)d levels deep.") % {"depth": MAX_DEPTH}
            )
        if isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, path)
                stack.append((item, [*path, key], depth + 1))
        elif isinstance(value, list):
            stack.extend((item, [*path, index], depth + 1) for index, item in enumerate(value))


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError as error:
            raise ParseError(
                _("The body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from error
        if not text.strip():
            return {}
        try:
            data = json.loads(text, parse_constant=self._refuse_constant)
        except RecursionError as error:
            raise ParseError(_("The JSON body is nested too deeply.")) from error
        except ValueError as error:
            raise ParseError(_("JSON parse error: %(error)s") % {"error": error}) from error
        check_body(data)
        return data

    @staticmethod
    def _refuse_constant(name: str):
        raise ValueError(_("%(name)s is not a JSON value") % {"name": name})


class StrictMultiPartParser(MultiPartParser):
    """Multipart forms (image uploads), with their text fields checked as JSON bodies are."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        check_body({key: result.data.getlist(key) for key in result.data})
        return result
