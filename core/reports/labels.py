"""Bilingual labels of the report's words: unit groups, flags, categories and a unit's rank.

Shared by the pages (web/routes/evaluation.py, the board) and the exports; pure data and lookups.
"""

from __future__ import annotations

from core import evaluation as ev
from core.catalog import CATEGORY_LABELS
from core.i18n import N_, translations

NOT_RANKED_BELOW_MINIMUM = N_("not ranked (n < %(min)s)")
NOT_RANKED_WITHOUT_SCORE = N_("not ranked (no score)")

GROUP_LABELS = {"department": ("部门", "Departments"), "street": ("街道乡镇", "Streets and townships"),
                "district": ("区", "Districts"), ev.OTHER: ("其他", "Other units")}
FLAG_LABELS = {ev.FIRST_RECEIVER: ("首接负责失职", "first-receiver failure"),
               ev.BELOW_MIN_SAMPLE: ("样本不足", "below minimum sample"), ev.NO_CASES: ("无案件", "no cases")}


def zh(locale: str) -> bool:
    return locale.startswith("zh")


def group_label(group: str, locale: str = "zh_Hans") -> str:
    zh_label, en_label = GROUP_LABELS.get(group, (group, group))
    return zh_label if zh(locale) else en_label


def flag_label(flag: str, locale: str = "zh_Hans") -> str:
    zh_label, en_label = FLAG_LABELS.get(flag, (flag, flag))
    return zh_label if zh(locale) else en_label


def category_label(slug: str, locale: str = "zh_Hans") -> str:
    labels = CATEGORY_LABELS.get(slug)
    if labels is None:
        return slug or ("未分类" if zh(locale) else "Uncategorised")
    return labels[0] if zh(locale) else labels[1]



def rank_label(row: ev.Ranked, locale: str = "zh_Hans") -> str:
    """The rank the ranking gave (never a position in a list), or why the unit is listed without one."""
    if row.rank is not None:
        return str(row.rank)
    if row.below_minimum:
        return translations(locale).gettext(NOT_RANKED_BELOW_MINIMUM) % {"min": row.minimum}
    return translations(locale).gettext(NOT_RANKED_WITHOUT_SCORE)
