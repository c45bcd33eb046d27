"""Platform: what every service needs from the process (read-model engine, settings, Temporal client).

Built once by the composition root (app.main) and by the worker; passed to services, never global.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from core.config import Settings
from services.rate_limits import RateLimits
from services.temporal import TemporalConnection


@dataclass
class Platform:
    engine: Engine
    settings: Settings
    temporal: TemporalConnection
    rate_limits: RateLimits = field(init=False)  # counted in the read model, shared by every process

    def __post_init__(self) -> None:
        self.rate_limits = RateLimits(self.engine, self.settings)
