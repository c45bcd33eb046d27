"""The workflow's own sentences (notices, the reasons of its clocks' events), translated when shown.

The workflow writes them in English once, into history and the notices outbox; each form below is matched
at display time and shown in the reader's language, old rows included. An unknown sentence shows as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.i18n import N_, _
from web import labels
from web.spans import local_time


def _when(value: str) -> str:
    try:
        return local_time(value)
    except ValueError:
        return value


def _keep(value: str) -> str:
    return value


# (stored form, msgid, how each named part is shown); the msgid names the same parts.
_FORMS: list[tuple[re.Pattern, str, dict[str, Callable[[str], str]]]] = [
    (re.compile(r"(?P<unit>.+) has not accepted in time"), N_("%(unit)s has not accepted in time"), {}),
    (re.compile(r"accept this ticket now: the acceptance limit has passed"),
     N_("Accept this case now: the acceptance time limit has passed."), {}),
    (re.compile(r"overdue: (?P<why>.+)"), N_("Overdue: %(why)s"), {"why": labels.checkpoint_note}),
    (re.compile(r"checkpoint (?P<index>\d+): (?P<why>.+)"), N_("Checkpoint %(index)s: %(why)s"),
     {"why": labels.checkpoint_note}),
    (re.compile(r"the complainant was not called back in time"),
     N_("The complainant was not called back in time."), {}),
    (re.compile(r"supervisor escalated: (?P<reason>.*)", re.S), N_("Reason: %(reason)s"), {}),
    (re.compile(r"(?P<count>\d+) complainants follow this case: (?P<tickets>.+) joined"),
     N_("%(count)s complainants follow this case: %(tickets)s joined."), {}),
    (re.compile(r"(?P<wait>\w+) is due by (?P<due>\S+)"), N_("Due by %(due)s: %(wait)s"),
     {"wait": labels.wait, "due": _when}),
    (re.compile(r"(?P<wait>\w+) not done by (?P<due>\S+)"), N_("Not done by %(due)s: %(wait)s"),
     {"wait": labels.wait, "due": _when}),
    (re.compile(r"(?P<wait>\w+) not done in time"), N_("Not done in time: %(wait)s"), {"wait": labels.wait}),
    (re.compile(r"not accepted within the time limit"), N_("Not accepted within the time limit"), {}),
    (re.compile(r"overdue at the closure deadline"), N_("Overdue at the closure deadline"), {}),
    (re.compile(r"no rating within the window"), N_("No rating within the window"), {}),
    (re.compile(r"no return visit within the window"), N_("No return visit within the time limit"), {}),
    (re.compile(r"the calendar was revised"), N_("The holiday calendar was revised"), {}),
]


def known(text: str) -> bool:
    """Whether the sentence has a translated form here (tests check every sentence the workflow writes)."""
    text = text.strip()
    return text in labels.CHECKPOINT_NOTES or any(pattern.fullmatch(text) for pattern, _m, _s in _FORMS)


def system_text(text: str | None, names=None) -> str:
    """A sentence the workflow wrote, in the page's language; a checkpoint's finding alone is a note. With the
    page's unit names (services.tickets.UnitNames), a unit the sentence names is shown in that language too."""
    text = (text or "").strip()
    if text in labels.CHECKPOINT_NOTES:
        return labels.checkpoint_note(text)
    for pattern, msgid, shown in _FORMS:
        match = pattern.fullmatch(text)
        if match:
            parts = {name: shown.get(name, _keep)(value) for name, value in match.groupdict().items()}
            if names is not None and "unit" in parts:
                parts["unit"] = names.named(parts["unit"])
            return _(msgid, **parts)
    return text
