"""Settings from environment variables. Unset means the embedded default (dev server, SQLite file).

Built on demand by `get_settings()`, never at import time, so tests and processes can differ.
"""

from __future__ import annotations

from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.payload_keys import configured_older_keys

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
    # Extensions a unit may ask for (the only lengths offered), how many it may be granted per case, and
    # the local time after which no request is taken that day (Xining: 17:00; empty: none).
    extension_choices: str = "1wd,2wd,3wd,5wd,10wd"
    extension_max_count: int = Field(2, ge=0)
    extension_cutoff: str = "17:00"
    # A unit may bounce a case back (退单) within this time of its dispatch to it; its acceptance clock
    # waits while the bounce is ruled on.
    bounce_window: str = "1wd"
    # Every party a case waits for has a limit (data): the review of a result, the rulings on a bounce, an
    # extension or a consultation, and a unit's rework after its closure deadline passed. A reminder goes
    # out when this share of the limit has passed; at the limit the waiting is escalated.
    wait_limits: str = "review=1wd,bounce=1wd,extension=1wd,consultation=2wd,pause=1wd,rework=3wd"
    wait_reminder_share: float = Field(0.75, gt=0, lt=1)
    rating_window: str = "3d"
    rating_default: str = ""  # silence is not satisfaction: unrated unless a city decides otherwise
    # Return visits (回访): the centre calls back every dissatisfied, unrated or unconfirmed case and this
    # share of the rest, within this time; the complainant's answer is the rating.
    return_visit_window: str = "3wd"
    return_visit_share: float = 0.1
    suspect_fast_hours: float = 24.0  # a result within this many hours of acceptance, then reopened: suspect
    centre_unit_id: str = "centre"  # the city dispatch centre that receives every new case
    open311_jurisdiction: str = "qingchuan"  # the jurisdiction_id Open311 clients may send
    # Evaluation (评): weights of the rates in a unit's platform score, the smallest sample ranked, the
    # streets' share of a department's year-end assessment (Qiqihar: 30%), the CJK font of PDF reports.
    evaluation_rate_weights: str = "response=1,resolution=1,satisfaction=1,on_time=0"
    evaluation_min_sample: int = 5
    street_score_weight: float = Field(0.3, ge=0, le=1)
    report_font_path: str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    # Pages at scale (core.reports.stored): with an audit log of at least `count_below` events, live figures
    # (board, monthly report, dashboard) are shown as stored and recounted in the background once this old.
    live_figures_max_age: float = Field(60.0, ge=0)
    live_figures_count_below: int = Field(20_000, ge=0)
    data_dir: Path = DATA_DIR
    # How long a person waits for the case to confirm an action before a 503 says it may still happen.
    action_timeout_seconds: float = Field(15.0, gt=0)
    # Request bodies (bytes), capped before they are read (http_common.request_guard answers 413 past them).
    # Photo forms and file imports get their files' own limits (services.uploads, services.intake) on top.
    max_body_api: int = Field(64 * 1024, ge=1024)  # the JSON API and Open311 (without media)
    max_body_form: int = Field(256 * 1024, ge=1024)  # console forms (and the text beside photos)
    # Files and database under strain (services.uploads, core.db): a photo of more pixels is refused before
    # it is decoded; a web request waits this long for another writer's SQLite lock, then answers 503
    # (a user is waiting and every waiting request holds a thread; the worker keeps core.db's 30 s).
    upload_max_pixels: int = Field(40_000_000, ge=1)
    web_db_busy_timeout: float = Field(5.0, gt=0)
    # Rate limits (services.rate_limits) in `limits` notation, "N/minute;M/hour", counted in the read-model
    # database so they hold across web processes and restarts. Raise them for load tests; a shared address
    # (office or carrier NAT) shares its per-address limits.
    rate_limit_public_report: str = "10/minute;60/hour"  # per address, the citizens' web form
    rate_limit_whistle_account: str = "30/minute;300/hour"
    rate_limit_whistle_address: str = "120/minute"
    rate_limit_open311_key: str = "60/minute;1000/hour"
    rate_limit_open311_address: str = "60/minute"
    rate_limit_api_intake: str = "120/minute"  # per account, POST /api/v1/tickets
    rate_limit_anonymous_intake: str = "300/minute"  # public form and Open311 together, the whole city
    rate_limit_track: str = "30/minute"  # per address, tracking page and API
    rate_limit_login_address: str = "30/minute"
    rate_limit_login_account: str = "5/minute"  # per account and address
    # Case search and the hotline's caller history (services.search), per account: each query may scan the
    # read model, and a bound stops walking through phone numbers.
    rate_limit_search: str = "60/minute;1000/hour"
    # Lockout: this many failed log-ins for one user name, from any address, within the window lock it.
    login_lockout_failures: int = Field(10, ge=1)
    login_lockout_window_minutes: int = Field(15, ge=1)
    login_lockout_minutes: int = Field(15, ge=1)
    # Reverse proxies whose X-Forwarded-For is believed (IPs or networks, comma-separated); empty: none,
    # the TCP peer is the client. Only http_common.deps.client_address reads it.
    trusted_proxies: str = ""
    # Console sessions (server-side, services.sessions): ended by log-out, at most this long after
    # log-in whatever the activity, and after this long without a request.
    session_lifetime_hours: float = Field(12, gt=0)
    session_idle_minutes: float = Field(120, gt=0)
    # Maps (services.maps, web/static/map.js): a tile server's URL template, e.g. a city's internal one
    # ("https://tiles.example.gov.cn/{z}/{x}/{y}.png"); empty: no tiles, the shipped boundary layer on a
    # plain background. The boundary GeoJSON (districts and streets); empty: the demo city's schematic one.
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    map_tile_max_zoom: int = Field(18, ge=1, le=22)
    map_boundaries_path: str = ""
    # Workflow payload encryption (core.payload_codec): AES-256 keys in base64. Unset outside production
    # means a key file made once under data_dir; older keys (comma-separated) still decrypt after rotation.
    # The Temporal UI's origin may call the codec endpoint /codec/decode with the staff's session cookie.
    payload_key: str | None = None
    payload_old_keys: str = ""
    temporal_ui_origin: str | None = None  # unset: the embedded UI, http://127.0.0.1:<temporal_ui_port>
    # Unreasonable demands (不合理诉求) a supervisor may propose to leave out of the figures (a second person
    # approves): reason codes, comma-separated; default Linyi's eight (labels in core.evaluation.corrections).
    unreasonable_reasons: str = ("outside_jurisdiction,litigation_or_petition,unlawful,secrets,untrue,unreasonable,"
                                 "hearing_unreasonable,malicious")
    # Bulk hotline imports (services.import_jobs): at most this many rows per file, checked whole in the
    # request; the worker files them in batches of this size, this many calls of a batch at once.
    hotline_import_max_rows: int = Field(20_000, ge=1)
    hotline_import_batch: int = Field(100, ge=1, le=1000)
    hotline_import_concurrency: int = Field(8, ge=1, le=64)
    # The worker (core.temporal.workflow_runner): workflows run outside Temporal's sandbox, which re-imports
    # the workflow modules and re-reads their type hints for every case it starts or replays (a third of the
    # worker's CPU per case); the test suite runs every workflow inside it. True: the sandbox here too.
    workflow_sandbox: bool = False
    # The worker takes on new work while the machine's CPU is below this share (the SDK's resource-based tuner):
    # on a machine shared with the web process, a burst of intake is accepted first and the worker catches up
    # after it. 0: fixed task slots (a worker on a machine of its own).
    worker_target_cpu: float = Field(0.8, ge=0, le=1)
    # The dispatch console (services.work_lists): a routing proposal below ROUTING_CHECK_BELOW says "check";
    # at or above ROUTING_SURE_FROM it counts as the high band of the confidence filter; rows per page.
    routing_check_below: float = Field(0.5, ge=0, le=1)
    routing_sure_from: float = Field(0.8, ge=0, le=1)
    console_page_size: int = Field(25, ge=5, le=200)

    @field_validator("map_tile_url")
    @classmethod
    def _tile_url_is_a_template(cls, value: str) -> str:
        if value and not (value.startswith(("http://", "https://", "/")) and all(
                part in value for part in ("{z}", "{x}", "{y}"))):
            raise ValueError("MAP_TILE_URL must be an http(s) or site path URL with {z}, {x} and {y}")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip():
                ip_network(item.strip(), strict=False)  # ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("SECRET_KEY must be set in production")
        if self.environment == "production" and not self.payload_key:
            raise ValueError("PAYLOAD_KEY must be set in production (32 random bytes in base64)")
        configured_older_keys(self)
        return self

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_dev_port}"

    @property
    def effective_temporal_ui_origin(self) -> str:
        return (self.temporal_ui_origin or f"http://127.0.0.1:{self.temporal_ui_port}").rstrip("/")

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
