"""Request-scoped dependencies, as Annotated aliases for thin routers."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from gis_service.settings import Settings


def _connection(request: Request) -> Iterator[Connection]:
    with request.app.state.engine.connect() as conn:
        yield conn


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


Conn = Annotated[Connection, Depends(_connection)]
AppSettings = Annotated[Settings, Depends(_settings)]
BaseUrl = Annotated[str, Depends(base_url)]
