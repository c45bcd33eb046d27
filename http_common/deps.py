"""FastAPI dependencies shared by api/ and web/: the Platform the composition root put on app.state.

A SessionDep belongs in `def` endpoints only (FastAPI runs them in its thread pool); async endpoints
call services, which open their own short sessions in worker threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.config import Settings
from services.platform import Platform


def get_platform(request: Request) -> Platform:
    return request.app.state.platform


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.platform.settings


def get_engine_dep(request: Request) -> Engine:
    return request.app.state.platform.engine


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.platform.engine) as session:
        yield session


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


PlatformDep = Annotated[Platform, Depends(get_platform)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
