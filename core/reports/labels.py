"""Bilingual labels of the report's words: unit groups, flags and categories.

Shared by the pages (web/routes/evaluation.py) and the exports; pure data and lookups.
"""

from __future__ import annotations

from core import evaluation as ev
from core.catalog import CATEGORY_LABELS

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

