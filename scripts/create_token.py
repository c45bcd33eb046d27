"""Create an API token for an account (for Open311 `api_key` or `Authorization: Bearer`).

    python -m scripts.create_token <username> [name]
"""

from __future__ import annotations

import sys

from sqlmodel import Session

from core.config import get_settings
from core.db import get_engine
from services.accounts import issue_token


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)  # noqa: T201
        return 2
    with Session(get_engine(get_settings().effective_database_url)) as session:
        try:
            token = issue_token(session, argv[0], " ".join(argv[1:]) or "api client")
        except ValueError as exc:
            print(f"create_token: {exc}", file=sys.stderr)  # noqa: T201
            return 1
    print(token)  # noqa: T201  (shown once; only its hash is kept)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
