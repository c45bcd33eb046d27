"""FastAPI dependencies shared by api/ and web/: the Platform the composition root put on app.state.

A SessionDep belongs in `def` endpoints only (FastAPI runs them in its thread pool); async endpoints
call services, which open their own short sessions in worker threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
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
    """The client's IP address for limits and logs: the TCP peer, unless the peer is one of TRUSTED_PROXIES;
    then the nearest X-Forwarded-For hop that is not a trusted proxy. The one place proxy headers are read
    (uvicorn runs with --no-proxy-headers, so request.client is always the peer)."""
    peer = request.client.host if request.client else "unknown"
    proxies = _networks(request.app.state.platform.settings.trusted_proxies)
    if not proxies or not _within(peer, proxies):
        return peer
    client = peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):  # the right end was appended by our own proxy; the left end by anyone
        if not _within(hop, proxies):
            return hop if _address(hop) is not None else client
        client = hop
    return client


@lru_cache(maxsize=8)
def _networks(setting: str) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(item.strip(), strict=False) for item in setting.split(",") if item.strip())


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text)
    except ValueError:
        return None


def _within(text: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


PlatformDep = Annotated[Platform, Depends(get_platform)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
