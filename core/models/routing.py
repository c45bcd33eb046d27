"""Routing memory: texts a dispatcher confirmed for a catalog item, so later proposals learn from them.

Written by core.routing.learn only; read when the routing index is built.
"""

import hashlib
from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


def text_digest(text: str) -> str:
    """What a confirmation is looked up by: a text may be longer than a PostgreSQL index entry can hold."""
    return hashlib.sha256(text.encode()).hexdigest()


# One grievance text a dispatcher confirmed as belonging to a catalog item.
class RoutingExample(SQLModel, table=True):
    __tablename__ = "routing_examples"
    # "Was this text confirmed for this item already?" on every dispatch (migration 0016): an item's own rows
    # grow with the city's dispatches, and reading each one's text grew with them.
    __table_args__ = (Index("ix_routing_examples_item_digest", "item_code", "text_digest"),)

    id: int | None = Field(default=None, primary_key=True)
    item_code: str = Field(index=True, max_length=32)
    text: str = Field(sa_column=Column(Text))
    text_digest: str = Field(default="", max_length=64)
    created_at: datetime
