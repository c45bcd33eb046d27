"""Routing memory: texts a dispatcher confirmed for a catalog item, so later proposals learn from them.

Written by core.routing.learn only; read when the routing index is built.
"""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


# One grievance text a dispatcher confirmed as belonging to a catalog item.
class RoutingExample(SQLModel, table=True):
    __tablename__ = "routing_examples"

    id: int | None = Field(default=None, primary_key=True)
    item_code: str = Field(index=True, max_length=32)
    text: str = Field(sa_column=Column(Text))
    created_at: datetime
