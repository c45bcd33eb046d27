"""Platform: what every service needs from the process (read-model engine, settings, Temporal client).

Built once by the composition root (app.main) and by the worker; passed to services, never global.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from core.config import Settings
from services.temporal import TemporalConnection


@dataclass
class Platform:
    engine: Engine
    settings: Settings
    temporal: TemporalConnection
