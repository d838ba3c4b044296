"""Login throttling: a slot per password check, taken atomically in the database.

Three counters gate each check (the key is stored, the password never):
- `pair:` (username, address): `free_pair` attempts, then each further one waits
  BASE_DELAY_SECONDS × 2^k, capped — a typo-prone person waits seconds, a guesser days.
- `account:` the username from any address: a looser ceiling (`free_account`), so a botnet
  cannot guess one password from many addresses; addresses that signed this account in
  successfully within KNOWN_ADDRESS_DAYS are exempt, so an attacker cannot lock its owner out.
- `address:` one address over any usernames (password spraying): a looser ceiling too.

A slot is taken *before* the password is checked (pessimistically, as a failure) in a short
transaction of its own, by compare-and-swap on the row's version: parallel requests and several
server processes each see a distinct count, so 30 parallel guesses get exactly `free_pair`
checks. A success gives the slot back (in the request's own transaction). Counters forget
after a quiet `window_seconds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from painpath.kit.clock import utcnow
from painpath.models.credentials import LoginThrottle
from painpath.models.user import LoginAttempt

BASE_DELAY_SECONDS = 30
KNOWN_ADDRESS_DAYS = 90
_CAS_TRIES = 20


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    free_pair: int
    free_account: int
    free_address: int
    window_seconds: int
    max_delay_seconds: int

    def delay(self, failures: int, free: int) -> timedelta | None:
        """How long the next attempt must wait after `failures` counted ones (None: no wait)."""
        if failures < free:
            return None
        seconds = BASE_DELAY_SECONDS * 2 ** min(failures - free, 30)
        return timedelta(seconds=min(seconds, self.max_delay_seconds))


@dataclass(frozen=True, slots=True)
class Refusal:
    """The attempt was not allowed; try again after `retry_after_seconds`."""

    retry_after_seconds: int
    scope: str


def _keys(username: str, address: str) -> tuple[str, str, str]:
    # PostgreSQL text cannot hold NUL; a name typed with one still gets its own counter.
    username, address = username.replace("\x00", "\\0"), address.replace("\x00", "\\0")
    return (
        f"pair:{address}|{username}"[:200],
        f"account:{username}"[:200],
        f"address:{address}"[:200],
    )


def take_slot(
    engine: Engine, policy: ThrottlePolicy, *, username: str, address: str
) -> Refusal | None:
    """Reserve one password check for (username, address); a Refusal when it must wait."""
    pair, account, by_address = _keys(username, address)
    with Session(engine) as session, session.begin():
        now = utcnow()
        if refusal := _take(session, pair, policy.free_pair, policy, now):
            return refusal
        if refusal := _take(session, by_address, policy.free_address, policy, now):
            return refusal
        if not _known_address(session, username, address, now) and (
            refusal := _take(session, account, policy.free_account, policy, now)
        ):
            return refusal
    return None


def give_back(session: Session, *, username: str, address: str, slots: int = 1) -> None:
    """The sign-in succeeded: clear the pair, and do not count its `slots` against the rest.

    Runs in the caller's transaction, after its last `take_slot`: on SQLite a request that has
    written holds the write lock, which a later `take_slot` (another connection) would wait for.
    """
    pair, account, by_address = _keys(username, address)
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == pair)
        .values(failures=0, blocked_until=None, version=LoginThrottle.version + 1)
    )
    for key in (account, by_address):
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key, LoginThrottle.failures >= slots)
            .values(failures=LoginThrottle.failures - slots, version=LoginThrottle.version + 1)
        )


def _known_address(session: Session, username: str, address: str, now: datetime) -> bool:
    since = now - timedelta(days=KNOWN_ADDRESS_DAYS)
    query = select(LoginAttempt.id).where(
        LoginAttempt.username == username,
        LoginAttempt.client_address == address,
        LoginAttempt.succeeded.is_(True),
        LoginAttempt.attempted_at >= since,
    )
    return session.scalar(query.limit(1)) is not None


def _take(
    session: Session, key: str, free: int, policy: ThrottlePolicy, now: datetime
) -> Refusal | None:
    scope = key.split(":", 1)[0]
    for _ in range(_CAS_TRIES):
        row = session.execute(
            select(
                LoginThrottle.failures,
                LoginThrottle.last_attempt_at,
                LoginThrottle.blocked_until,
                LoginThrottle.version,
            ).where(LoginThrottle.key == key)
        ).first()
        if row is None:
            if _insert(session, key, free, policy, now):
                return None
            continue  # another request created it first: read theirs
        failures, last_attempt_at, blocked_until, version = row
        if blocked_until is not None and blocked_until > now:
            wait = (blocked_until - now).total_seconds()
            return Refusal(retry_after_seconds=max(int(wait + 0.999), 1), scope=scope)
        quiet_since = max(last_attempt_at, blocked_until or last_attempt_at)
        if now - quiet_since >= timedelta(seconds=policy.window_seconds):
            failures = 0
        failures += 1
        delay = policy.delay(failures, free)
        swapped = session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key, LoginThrottle.version == version)
            .values(
                failures=failures,
                last_attempt_at=now,
                blocked_until=now + delay if delay else None,
                version=version + 1,
            )
        )
        if swapped.rowcount == 1:  # type: ignore[attr-defined]
            return None
    return Refusal(retry_after_seconds=1, scope=scope)  # heavy contention: ask to retry


def _insert(session: Session, key: str, free: int, policy: ThrottlePolicy, now: datetime) -> bool:
    """Create the counter with this attempt as its first; False when someone else did."""
    dialect = session.get_bind().dialect.name
    make_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    delay = policy.delay(1, free)
    statement = (
        make_insert(LoginThrottle)
        .values(
            key=key,
            failures=1,
            last_attempt_at=now,
            blocked_until=now + delay if delay else None,
            version=0,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(LoginThrottle.key)
    )
    # RETURNING, not rowcount: drivers do not all report rowcount for INSERT … ON CONFLICT.
    return session.execute(statement).first() is not None
