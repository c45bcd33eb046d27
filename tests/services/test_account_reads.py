"""Who is behind a token or a session is read on every signed-in request (issue 19): with statements built
once and plain rows, not ORM objects; and still every check: a revoked token, a token of the other scope and an
inactive account open nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from core import catalog
from core.seed import seed_all
from services import accounts
from services.accounts import client_for_key, issue_open311_key, issue_token, load_user, revoke_token, user_for_token
from services.errors import ServiceError


@pytest.fixture
def tokens(engine) -> dict[str, str]:
    seed_all(engine)
    with Session(engine) as session:
        return {"api": issue_token(session, "h-market", "test"), "open311": issue_open311_key(session, "partner")}


def test_a_request_reads_its_account_without_building_a_statement_or_loading_objects(engine, tokens, monkeypatch):
    monkeypatch.setattr(accounts, "select", None)  # any statement built now would fail
    monkeypatch.setattr(catalog, "select", None)
    with Session(engine) as session:
        user = user_for_token(session, tokens["api"])
        assert load_user(session, user.id) == user
        assert client_for_key(session, tokens["open311"]) is not None
        assert not session.identity_map  # rows, not ORM objects with their change tracking
    assert user.username == "h-market" and user.unit_id


def test_revoked_other_scope_and_inactive_still_open_nothing(engine, tokens):
    with Session(engine) as session:
        with pytest.raises(ServiceError):
            user_for_token(session, tokens["open311"])  # a partner's key is not an account's token
        assert client_for_key(session, tokens["api"]) is None
        partner = client_for_key(session, tokens["open311"])
        assert revoke_token(session, partner.token_id)
        assert client_for_key(session, tokens["open311"]) is None
        user = user_for_token(session, tokens["api"])
        accounts.deactivate_user(session, user.id)
        assert load_user(session, user.id) is None
        with pytest.raises(ServiceError):
            user_for_token(session, tokens["api"])
