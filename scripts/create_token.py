"""Create, list and revoke bearer tokens. The token is printed once; only its hash is kept.

    python -m scripts.create_token <username> [name]          an account's JSON API token (/api/v1)
    python -m scripts.create_token --open311 <client name>     an Open311 partner's api_key (Open311 only)
    python -m scripts.create_token --list
    python -m scripts.create_token --revoke <token id>
"""

from __future__ import annotations

import argparse
import sys

from sqlmodel import Session, select

from core.config import get_settings
from core.db import get_engine
from core.models.users import ApiToken, User
from services.accounts import issue_open311_key, issue_token, revoke_token


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scripts.create_token", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--open311", action="store_true", help="an Open311 client's api_key, not an account's token")
    action.add_argument("--list", action="store_true", help="list tokens (id, scope, owner, name, revoked)")
    action.add_argument("--revoke", type=int, metavar="ID", help="revoke the token with this id")
    parser.add_argument("words", nargs="*", help="<username> [name], or <client name> with --open311")
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    with Session(get_engine(get_settings().effective_database_url)) as session:
        if args.list:
            _print_tokens(session)
            return 0
        if args.revoke is not None:
            if not revoke_token(session, args.revoke):
                print(f"create_token: no token {args.revoke}", file=sys.stderr)  # noqa: T201
                return 1
            return 0
        if not args.words:
            _parser().print_usage(sys.stderr)
            return 2
        try:
            token = (issue_open311_key(session, " ".join(args.words)) if args.open311
                     else issue_token(session, args.words[0], " ".join(args.words[1:]) or "api client"))
        except ValueError as exc:
            print(f"create_token: {exc}", file=sys.stderr)  # noqa: T201
            return 1
    print(token)  # noqa: T201  (shown once; only its hash is kept)
    return 0


def _print_tokens(session: Session) -> None:
    owners = {u.id: u.username for u in session.exec(select(User))}
    for row in session.exec(select(ApiToken).order_by(ApiToken.id)):
        owner = owners.get(row.user_id, "-")
        print(f"{row.id}\t{row.scope}\t{owner}\t{row.name}\t{'revoked' if row.revoked else 'active'}")  # noqa: T201


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
