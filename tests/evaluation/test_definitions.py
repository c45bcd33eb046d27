"""The definitions are data: definitions.toml is the one source, and the README's table must equal it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core import evaluation as ev
from core.evaluation.definitions import load_definitions

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_table() -> str:
    """The definitions table of the README's evaluation section (header to the last row)."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^\| 指标 Figure \|.*?(?=\n(?!\|))", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "README.md has no definitions table (a line starting with '| 指标 Figure |')"
    return match.group(0)


def test_the_readme_table_is_the_data_file():
    assert readme_table() == ev.definitions_markdown(), (
        "README.md and core/evaluation/definitions.toml disagree: paste "
        "`python -c 'from core import evaluation as ev; print(ev.definitions_markdown())'` into the README"
    )


def test_the_packaged_file_gives_every_figure_and_the_version():
    assert ev.DEFINITIONS_VERSION == "2026.2"  # frozen months store it: change it with the definitions
    assert [d.key for d in ev.DEFINITIONS][:4] == ["period", "dispatched", "response_rate", "resolution_rate"]
    assert ev.DEFINITION_BY_KEY["on_time_rate"].name("en") == "On-time closure rate"
    assert ev.DEFINITION_BY_KEY["on_time_rate"].name("zh_Hans") == "按时办结率"


def test_a_changed_definition_changes_the_table():
    text = '''version = "x"
[[figure]]
key = "sample"
name_zh = "样本量"
name_en = "Sample"
zh = "不同工单数。"
en = "Distinct cases | judged."
'''
    version, definitions = load_definitions(text)
    assert version == "x"
    last_row = ev.definitions_markdown(definitions).splitlines()[-1]
    assert last_row == "| 样本量 Sample | 不同工单数。 | Distinct cases / judged. |"  # "|" would split a cell
    assert ev.definitions_markdown(definitions) != readme_table()


@pytest.mark.parametrize("broken", [
    'version = "x"\n[[figure]]\nkey = "a"\nname_zh = "甲"\nname_en = "A"\nzh = "甲"\n',  # no English text
    'version = "x"\n' + '[[figure]]\nkey = "a"\nname_zh = "甲"\nname_en = "A"\nzh = "甲"\nen = "A"\n' * 2,
])
def test_a_broken_data_file_is_refused(broken):
    with pytest.raises((TypeError, ValueError)):
        load_definitions(broken)
