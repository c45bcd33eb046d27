"""Settings from environment variables. Unset means the embedded default (dev server, SQLite file).

Built on demand by `get_settings()`, never at import time, so tests and processes can differ.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    environment: str = Field("dev", description="dev | test | production")
    # Temporal: unset TEMPORAL_ADDRESS means `make run` starts the embedded dev server on this port.
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_task_queue: str = "grievances"
    temporal_dev_port: int = 7233
    temporal_ui_port: int = 8233
    # Read model: unset DATABASE_URL means a SQLite file under data/.
    database_url: str | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    secret_key: str = DEV_SECRET
    timezone: str = "Asia/Shanghai"
    # Grievance rules (data, not code): tiers as JSON (see core.clock_plans), the rating window and
    # what a silent complainant counts as ("satisfied", "basically_satisfied", "dissatisfied" or "").
    clock_plans: str | None = None
    rating_window: str = "3d"
    rating_default: str = "satisfied"
    centre_unit_id: str = "centre"  # the city dispatch centre that receives every new case
    open311_jurisdiction: str = "qingchuan"  # the jurisdiction_id Open311 clients may send
    # Evaluation (评): weights of the rates in a unit's platform score, the smallest sample ranked, the
    # streets' share of a department's year-end assessment (Qiqihar: 30%), the CJK font of PDF reports.
    evaluation_rate_weights: str = "response=1,resolution=1,satisfaction=1,on_time=0"
    evaluation_min_sample: int = 5
    street_score_weight: float = Field(0.3, ge=0, le=1)
    report_font_path: str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    data_dir: Path = DATA_DIR

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("SECRET_KEY must be set in production")
        return self

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_dev_port}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'grievances.db'}"

    @property
    def embedded_temporal(self) -> bool:
        return not self.temporal_address


@lru_cache
def get_settings() -> Settings:
    return Settings()


def defaults() -> Settings:
    """The declared defaults, environment ignored: what a function given no settings reads, so that every
    default lives only in the fields above."""
    return Settings.model_construct()
