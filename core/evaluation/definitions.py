"""The figures' definitions (口径) as data: loaded once from definitions.toml next to this module.

The definitions page, the PDF and XLSX reports and the README table all read this one source; no
definition prose lives in Python. Reading the packaged file is the only I/O here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

DATA_FILE = "definitions.toml"


@dataclass(frozen=True)
class Definition:
    key: str
    name_zh: str
    name_en: str
    zh: str
    en: str

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en

    def text(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en


def load_definitions(text: str | None = None) -> tuple[str, tuple[Definition, ...]]:
    """(version, definitions in display order) from the TOML text, by default the packaged file."""
    if text is None:
        text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    # Definition(**figure) refuses a missing or misspelt field, so a broken file fails at import.
    definitions = tuple(Definition(**figure) for figure in data["figure"])
    keys = [d.key for d in definitions]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{DATA_FILE}: a figure key appears twice")
    return data["version"], definitions


DEFINITIONS_VERSION, DEFINITIONS = load_definitions()
DEFINITION_BY_KEY = {d.key: d for d in DEFINITIONS}


def definitions_markdown(definitions: tuple[Definition, ...] = DEFINITIONS) -> str:
    """The definitions as the README's table."""
    lines = ["| 指标 Figure | 口径 | Definition |", "|---|---|---|"]
    for d in definitions:
        lines.append(f"| {d.name_zh} {d.name_en} | {d.zh} | {d.en.replace('|', '/')} |")
    return "\n".join(lines)
