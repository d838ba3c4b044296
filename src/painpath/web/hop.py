"""One worker-thread hop per request on the hot API routes (issue 15).

FastAPI runs each plain `def` dependency and endpoint in a worker thread of its own, and the
request's transaction (`web.deps.get_session`) ends in another: a patient's sync POST or record
read took three hops (the access gate, the endpoint, the commit), each a thread handoff and a
turn of the event loop; a panel load three too (the caller's token, the endpoint, the commit).
Here an `async def` endpoint runs, in one hop, the gate or the token check (deferred to it:
`Deferred`), the plain endpoint and the end of its transaction.

The gate still decides before anything about the request's parameters is answered: when
FastAPI refuses a parameter or the body (422), `end_failed` first runs what was deferred and
never ran, and its refusal (401, 403, 404) is the answer, audited as before; a gate that
admits leaves its access audited as a failure of the 422, as when it ran in its own hop.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Generic, ParamSpec, TypeVar

from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from painpath.services import transaction

P = ParamSpec("P")
T = TypeVar("T")

#: `session.info` key: set once the endpoint's own hop has ended the transaction.
ENDED = "painpath_transaction_ended"
#: `session.info` key: the request's deferred dependencies that have not run yet, in order.
_PENDING = "painpath_deferred"


class Deferred(Generic[T]):
    """A dependency's database work (an access gate, the caller's token), left for the
    endpoint's hop; registered with the request's session until it runs."""

    __slots__ = ("_open",)

    def __init__(self, session: Session, open_now: Callable[[], T]) -> None:
        self._open = open_now
        session.info.setdefault(_PENDING, []).append(self)

    def open(self, session: Session) -> T:
        session.info[_PENDING].remove(self)
        return self._open()


def one_hop(endpoint: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """Run a plain endpoint, its deferred gates first and the end of its transaction last,
    in one worker-thread hop, from an `async def` with its signature.

    FastAPI validates an `async` endpoint's return value against the response model on the
    event loop (microseconds for a model the endpoint built), not in a hop of its own. The
    transaction (the `session` argument) is committed, or rolled back and audited, right after
    the endpoint returns or raises: still before the response is sent, now also before that
    validation.
    """

    def run_and_end(*args: P.args, **kwargs: P.kwargs) -> T:
        session = kwargs.get("session")
        if not isinstance(session, Session):
            return endpoint(*args, **kwargs)
        try:
            for name, value in kwargs.items():
                if isinstance(value, Deferred):
                    kwargs[name] = value.open(session)
            result = endpoint(*args, **kwargs)
        except BaseException as error:
            session.info[ENDED] = True
            transaction.fail(session, error)
            raise
        session.info[ENDED] = True
        transaction.commit(session)  # on failure: rolled back and audited there, then raised
        return result

    @functools.wraps(endpoint)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return await run_in_threadpool(run_and_end, *args, **kwargs)

    return run


def end_failed(session: Session, error: BaseException) -> None:
    """Roll back and audit a request that failed before its endpoint's hop; a deferred gate
    that never ran decides first, and its refusal replaces a 422 (see the module's docstring).
    """
    if isinstance(error, RequestValidationError):
        for deferred in list(session.info.get(_PENDING, ())):
            try:
                deferred.open(session)
            except Exception as refusal:
                transaction.fail(session, refusal)
                raise
    transaction.fail(session, error)
