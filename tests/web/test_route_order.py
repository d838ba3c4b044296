"""The API's routers are matched hot ones first (issue 15); that order must not change which
route answers a request."""

from __future__ import annotations

import re

from starlette.routing import compile_path

from painpath.web.api import HOT_ROUTERS, api_router


def _routes() -> list[tuple[str, set[str], str]]:
    """(path format, methods, module) of every API route, in matching order."""
    found = []
    for included in api_router.routes:
        for context in included.effective_route_contexts():  # type: ignore[attr-defined]
            route = context.original_route
            found.append((context.path_format, set(route.methods), route.endpoint.__module__))
    return found


def _example(path_format: str) -> str:
    return re.sub(r"\{[^}]+\}", "123", path_format)


def test_no_route_of_one_router_matches_a_path_of_another() -> None:
    routes = _routes()
    ambiguous = [
        (path, other_path)
        for path, methods, module in routes
        for other_path, other_methods, other_module in routes
        if module != other_module
        and methods & other_methods
        and compile_path(path)[0].match(_example(other_path))
    ]
    assert ambiguous == []


def test_the_hot_routers_come_first() -> None:
    modules = list(dict.fromkeys(module for _, _, module in _routes()))
    assert modules[: len(HOT_ROUTERS)] == [module.__name__ for module in HOT_ROUTERS]
