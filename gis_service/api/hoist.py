"""Dispatch for the hottest GET routes without FastAPI's per-request machinery.

A FastAPI route pays for its dependency solver and its response handling on each request: ~145 µs
against ~22 µs for a plain Starlette route, of a ~1.2 ms small page (an in-process ASGI loop).
A route whose only inputs are the request, its path parameters and scalar query parameters needs
none of that, so it is also registered as a plain Starlette route ahead of the rest. The FastAPI
route stays the one declaration: OpenAPI is generated from it, and its endpoint and parameter
fields are what the plain route calls and validates with (FastAPI's own function), so a bad
parameter gets the same 400."""
from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI, Request
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from starlette.routing import BaseRoute, Match, Route


def _eligible(route: APIRoute) -> None:
    d = route.dependant
    extra = d.dependencies or d.header_params or d.cookie_params or d.body_params
    if extra or d.request_param_name is None or route.response_model is not None:
        raise ValueError(f"route {route.name!r} has inputs besides the request, its path and its query: "
                         "it cannot be hoisted")


def _plain(route: APIRoute) -> Route:
    _eligible(route)
    d = route.dependant
    endpoint, path_fields, query_fields, request_name = route.endpoint, d.path_params, d.query_params, \
        d.request_param_name

    async def dispatch(request: Request):
        values, errors = request_params_to_args(path_fields, request.path_params)
        if query_fields:
            query, query_errors = request_params_to_args(query_fields, request.query_params)
            values.update(query)
            errors += query_errors
        if errors:
            raise RequestValidationError(errors)
        return await endpoint(**{request_name: request}, **values)
    # Starlette adds HEAD to a GET route: the hoisted reads answer HEAD, as their OPTIONS says.
    return Route(route.path, dispatch, methods=sorted(route.methods), name=f"{route.name}_hoisted",
                 include_in_schema=False)


def _in_order(routes: Iterable[BaseRoute]) -> Iterable[BaseRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's wrapper of an included router
        yield from (_in_order(included.routes) if included is not None else (route,))


def _shadowed(app: FastAPI, plain: Route) -> bool:
    """True when a route registered earlier would take this route's requests."""
    path = plain.path.replace("{", "").replace("}", "")  # a sample path: each parameter its own name
    method = next(m for m in sorted(plain.methods or ()) if m != "HEAD")
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for earlier in _in_order(app.router.routes):
        match, _ = earlier.matches(scope)
        if match == Match.FULL:
            return getattr(earlier, "path", None) != plain.path
    return False


def hoist(app: FastAPI, routers: Iterable[APIRouter], names: Iterable[str]) -> None:
    """Put plain dispatchers for the named routes first in the app's routing."""
    wanted = set(names)
    found = [r for router in routers for r in router.routes if isinstance(r, APIRoute) and r.name in wanted]
    missing = wanted - {r.name for r in found}
    if missing:
        raise ValueError(f"no routes named {sorted(missing)} to hoist")
    for route in found:
        plain = _plain(route)
        if _shadowed(app, plain):
            raise ValueError(f"route {route.name!r} is shadowed by an earlier route: hoisting would change dispatch")
        app.router.routes.insert(0, plain)
