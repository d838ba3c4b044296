"""Verify the JWT a CDS client (an EHR) sends: allowed issuer, signature by a key from the
issuer's JWKS, audience, expiry and a `jti` (CDS Hooks 2.0, "Trusting CDS Clients")."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt

from painpath.cds.bounded_json import read_bounded_json
from painpath.config import CdsIssuer

ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512")
JWKS_TTL_SECONDS = 300.0
#: An unknown `kid` (or a failed fetch) refetches an issuer's JWKS at most this often, so a
#: stream of made-up kids cannot turn painpath into a request amplifier against the EHR.
JWKS_REFETCH_SECONDS = 60.0
#: Largest JWKS document read (a few keys are a few kilobytes).
MAX_JWKS_BYTES = 256_000
#: Longest `jti` remembered against replay.
MAX_JTI_LENGTH = 255
#: Tokens valid for longer are refused: CDS Hooks 2.0 asks for `exp` at most 5 minutes ahead,
#: and every jti is remembered until its token expires.
MAX_TOKEN_LIFETIME_SECONDS = 3600

logger = logging.getLogger(__name__)


class ClientNotAuthenticated(Exception):
    """The call does not come from a trusted CDS client; the message says why."""


@dataclass(frozen=True, slots=True)
class CdsClient:
    """A verified CDS client: who signed (iss), the token id, its expiry and subject."""

    issuer: str
    jti: str
    subject: str | None
    expires_at: datetime


@dataclass
class _Fetched:
    keys: jwt.PyJWKSet | None
    at: float


@dataclass
class JwksCache:
    """JWKS documents per issuer, fetched through `transport` (the seam tests replace).

    Keys are kept `ttl` seconds. An unknown `kid` refetches (key rotation), but an issuer's
    JWKS is fetched at most once per `refetch_interval`, failures included; concurrent
    callers wait for one fetch instead of each starting their own.
    """

    allowed_issuers: Mapping[str, CdsIssuer]
    transport: httpx.BaseTransport | None = None
    timeout: float = 5.0
    ttl: float = JWKS_TTL_SECONDS
    refetch_interval: float = JWKS_REFETCH_SECONDS
    clock: Callable[[], float] = time.monotonic
    _cache: dict[str, _Fetched] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _fetch(self, issuer: str) -> jwt.PyJWKSet:
        where = self.allowed_issuers[issuer].jwks
        try:
            if where.lstrip().startswith("{"):
                document: Any = json.loads(where)
            else:
                with (
                    httpx.Client(transport=self.transport, timeout=self.timeout) as client,
                    client.stream("GET", where, headers={"Accept": "application/json"}) as got,
                ):
                    got.raise_for_status()
                    document = read_bounded_json(got, MAX_JWKS_BYTES)
            return jwt.PyJWKSet.from_dict(document)
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as error:
            # The reason goes to the log, not to the caller: it may describe the network.
            logger.warning("CDS: the JWKS of issuer %s could not be read: %r", issuer, error)
            raise ClientNotAuthenticated(f"could not fetch the JWKS of issuer {issuer}") from error

    def keys(self, issuer: str, *, refresh: bool = False) -> jwt.PyJWKSet:
        """The issuer's keys; `refresh` asks for a refetch, granted once per interval."""
        with self._lock:
            now = self.clock()
            cached = self._cache.get(issuer)
            if cached is not None:
                fresh = now - cached.at < self.ttl and not refresh
                throttled = now - cached.at < self.refetch_interval
                if cached.keys is not None and (fresh or throttled):
                    return cached.keys
                if cached.keys is None and throttled:
                    raise ClientNotAuthenticated(f"could not fetch the JWKS of issuer {issuer}")
            try:
                keys = self._fetch(issuer)
            except ClientNotAuthenticated:
                self._cache[issuer] = _Fetched(None, now)
                raise
            self._cache[issuer] = _Fetched(keys, now)
            return keys

    def key_for(self, issuer: str, kid: str | None) -> jwt.PyJWK:
        for refresh in (False, True):
            keys = self.keys(issuer, refresh=refresh).keys
            if kid is None and len(keys) == 1:
                return keys[0]
            found = next((k for k in keys if k.key_id == kid), None)
            if found is not None:
                return found
        raise ClientNotAuthenticated(f"no key {kid!r} in the JWKS of issuer {issuer}")


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ClientNotAuthenticated("a CDS client JWT is required (Authorization: Bearer …)")
    return token.strip()


def verify_client_jwt(token: str, *, audiences: list[str], jwks: JwksCache) -> CdsClient:
    """The verified client, or ClientNotAuthenticated naming what is wrong."""
    try:  # header and claims from one parse (the token is parsed again, verified, below)
        unverified = jwt.decode_complete(token, options={"verify_signature": False})
        header, claims = unverified["header"], unverified["payload"]
    except jwt.PyJWTError as error:
        raise ClientNotAuthenticated(f"the CDS client JWT is malformed: {error}") from error
    algorithm = str(header.get("alg", "none"))
    if algorithm not in ALGORITHMS:
        raise ClientNotAuthenticated(
            f"the CDS client JWT must be signed with an asymmetric key (alg {algorithm!r})"
        )
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or issuer not in jwks.allowed_issuers:
        raise ClientNotAuthenticated(f"issuer {issuer!r} is not an allowed CDS client")
    key = jwks.key_for(issuer, header.get("kid"))
    try:
        verified = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=audiences,
            issuer=issuer,
            options={"require": ["iss", "aud", "exp", "jti"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise ClientNotAuthenticated("the CDS client JWT has expired") from error
    except jwt.InvalidAudienceError as error:
        raise ClientNotAuthenticated(
            f"the CDS client JWT is not for this service (aud must be {audiences[0]})"
        ) from error
    except jwt.InvalidSignatureError as error:
        raise ClientNotAuthenticated("the CDS client JWT signature does not verify") from error
    except jwt.PyJWTError as error:
        raise ClientNotAuthenticated(f"the CDS client JWT is not valid: {error}") from error
    jti = verified["jti"]
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise ClientNotAuthenticated(
            f"the CDS client JWT's jti must be a string of 1 to {MAX_JTI_LENGTH} characters"
        )
    expires = int(verified["exp"])
    if expires > time.time() + MAX_TOKEN_LIFETIME_SECONDS:
        raise ClientNotAuthenticated(
            "the CDS client JWT expires too late (exp at most"
            f" {MAX_TOKEN_LIFETIME_SECONDS // 60} minutes ahead)"
        )
    subject = verified.get("sub")
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    return CdsClient(issuer, jti, subject if isinstance(subject, str) else None, expires_at)
