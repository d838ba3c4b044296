"""Verify the JWT a CDS client (an EHR) sends: allowed issuer, signature by a key from the
issuer's JWKS, audience, expiry and a `jti` (CDS Hooks 2.0, "Trusting CDS Clients")."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512")
JWKS_TTL_SECONDS = 300.0


class ClientNotAuthenticated(Exception):
    """The call does not come from a trusted CDS client; the message says why."""


@dataclass(frozen=True, slots=True)
class CdsClient:
    """A verified CDS client: who signed (iss), the token id and its subject (client id)."""

    issuer: str
    jti: str
    subject: str | None


@dataclass
class JwksCache:
    """JWKS documents per issuer, fetched through `transport` (the seam tests replace) and kept
    for `ttl` seconds; an unknown `kid` refreshes once (key rotation)."""

    allowed_issuers: dict[str, str]
    transport: httpx.BaseTransport | None = None
    timeout: float = 5.0
    ttl: float = JWKS_TTL_SECONDS
    _cache: dict[str, tuple[float, jwt.PyJWKSet]] = field(default_factory=dict)

    def _fetch(self, issuer: str) -> jwt.PyJWKSet:
        where = self.allowed_issuers[issuer]
        if where.lstrip().startswith("{"):
            document: Any = json.loads(where)
        else:
            try:
                with httpx.Client(transport=self.transport, timeout=self.timeout) as client:
                    response = client.get(where, headers={"Accept": "application/json"})
                    response.raise_for_status()
                    document = response.json()
            except (httpx.HTTPError, ValueError) as error:
                raise ClientNotAuthenticated(
                    f"could not fetch the JWKS of issuer {issuer}: {error}"
                ) from error
        try:
            return jwt.PyJWKSet.from_dict(document)
        except jwt.PyJWTError as error:
            raise ClientNotAuthenticated(f"the JWKS of issuer {issuer} is unusable") from error

    def keys(self, issuer: str, *, refresh: bool = False) -> jwt.PyJWKSet:
        cached = self._cache.get(issuer)
        if cached and not refresh and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        keys = self._fetch(issuer)
        self._cache[issuer] = (time.monotonic(), keys)
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
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
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
    subject = verified.get("sub")
    return CdsClient(issuer, str(verified["jti"]), subject if isinstance(subject, str) else None)
