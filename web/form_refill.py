"""Puts a refused form's values back into its fields, so a page shown again after an error keeps what was typed.

Works on the HTML our own templates render (the body of an action form): text inputs and textareas get their
text back, radios, checkboxes and select options their choice. Hidden fields (CSRF, keys) are left alone.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

TEXTAREA = re.compile(r'(<textarea\b[^>]*\bname="([^"]+)"[^>]*>)(.*?)(</textarea>)', re.S)
SELECT = re.compile(r'(<select\b[^>]*\bname="([^"]+)"[^>]*>)(.*?)(</select>)', re.S)
OPTION = re.compile(r'<option\b[^>]*>')
INPUT = re.compile(r'<input\b[^>]*>')
LEFT_ALONE = {"hidden", "submit", "button", "file", "password", "image", "reset"}


def _attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    return found.group(1) if found else None


def _chosen(values: dict, name: str) -> list[str]:
    value = values.get(name)
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _set_flag(tag: str, flag: str, on: bool) -> str:
    tag = re.sub(rf'\s{flag}(="[^"]*")?(?=[\s>/])', "", tag)
    return tag[:-1].rstrip() + f" {flag}>" if on else tag


def _input(tag: str, values: dict) -> str:
    name, kind = _attr(tag, "name"), (_attr(tag, "type") or "text").lower()
    if name is None or name not in values or kind in LEFT_ALONE:
        return tag
    if kind in ("radio", "checkbox"):
        return _set_flag(tag, "checked", (_attr(tag, "value") or "on") in _chosen(values, name))
    text = str(escape(_chosen(values, name)[0]))
    if _attr(tag, "value") is not None:
        return re.sub(r'\svalue="[^"]*"', lambda _m: f' value="{text}"', tag, count=1)
    return tag[:-1].rstrip() + f' value="{text}">'


def _select(match: re.Match, values: dict) -> str:
    if match[2] not in values:
        return match[0]
    chosen = _chosen(values, match[2])
    options = OPTION.sub(lambda m: _set_flag(m[0], "selected", _attr(m[0], "value") in chosen), match[3])
    return match[1] + options + match[4]


def refill(html: str, values: dict) -> Markup:
    """`html` with `values` (a form's fields: a string, or a list for a repeated field) put back in."""
    html = TEXTAREA.sub(lambda m: m[1] + str(escape(_chosen(values, m[2])[0])) + m[4] if m[2] in values else m[0],
                        str(html))
    html = SELECT.sub(lambda m: _select(m, values), html)
    return Markup(INPUT.sub(lambda m: _input(m[0], values), html))
