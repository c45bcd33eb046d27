"""One-shot setup against an external cluster (docker-compose's `migrate` service, or by hand):
creates the read-model schema, seeds the calendar / demo catalog / demo accounts once, and registers
the search attributes on the Temporal namespace.

    TEMPORAL_ADDRESS=... DATABASE_URL=... python -m scripts.setup_cluster
"""

from __future__ import annotations

import asyncio
import sys

from core.config import get_settings
from core.db import DatabaseConfigError
from core.files import make_private
from core.temporal import TemporalUnreachable, exit_now
from scripts.stack import StackError, ensure_search_attributes, prepare_database


def main() -> int:
    settings = get_settings()
    make_private(settings.data_dir, settings.effective_database_url)
    try:
        report = prepare_database(settings)
        asyncio.run(ensure_search_attributes(settings))
    except (StackError, DatabaseConfigError, TemporalUnreachable) as exc:
        print(f"setup: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    print(f"setup: schema ready, seeded {report}, search attributes registered")  # noqa: T201
    return 0


if __name__ == "__main__":
    exit_now(main())
