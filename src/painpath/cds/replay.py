"""Refuse a replayed CDS client JWT: each (issuer, jti) is accepted once until its token
expires (CDS Hooks 2.0: `jti` is "a nonce string value that uniquely identifies this
authentication JWT"; RFC 7519 §4.1.7 "can be used to prevent the JWT from being replayed").

The ids live in the database, so every worker process refuses the same replay; expired ones
are pruned on the way.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from painpath.cds.client_auth import CdsClient, ClientNotAuthenticated
from painpath.models.cds import CdsSeenToken


def accept_once(
    session_factory: sessionmaker[Session], client: CdsClient, *, now: datetime
) -> None:
    """Record the token's jti, or raise ClientNotAuthenticated when it was seen before."""
    with session_factory() as session:
        session.execute(delete(CdsSeenToken).where(CdsSeenToken.expires_at < now))
        session.add(
            CdsSeenToken(issuer=client.issuer, jti=client.jti, expires_at=client.expires_at)
        )
        try:
            session.commit()
        except IntegrityError as error:
            session.rollback()
            raise ClientNotAuthenticated(
                "this CDS client JWT was already used (its jti was seen before); send a new one"
            ) from error
