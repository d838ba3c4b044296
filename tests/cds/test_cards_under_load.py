"""Cards under concurrent load: many order-sign calls at once through a real server (threads,
keep-alive connections, the one-hand-off handler) give every caller the cards one call gives —
nothing mixed between requests, nothing lost, no error. Issue 15 asks this be checked, never a
time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi import FastAPI

from tests.cds.conftest import PUBLIC_BASE_URL
from tests.cds.fhir_data import (
    Signer,
    alprazolam,
    codeine_draft,
    full_prefetch,
    hook_request,
    morphine_er,
    oxycodone_draft,
)
from tests.support.live import serving

SERVICE = "painpath-order-sign"
CALLS = 60


def _card_keys(cards: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((card["summary"], card["indicator"]) for card in cards)


def test_concurrent_order_sign_calls_each_get_the_cards_of_a_single_call(
    cds_app: FastAPI, signer: Signer, painpath_patient: int
) -> None:
    audience = f"{PUBLIC_BASE_URL}/cds-services/{SERVICE}"
    bodies = [
        hook_request(
            "order-sign",
            drafts=[oxycodone_draft()],
            prefetch=full_prefetch(morphine_er(), alprazolam()),
        ),
        hook_request("order-sign", drafts=[codeine_draft()], prefetch=full_prefetch()),
    ]
    with (
        serving(cds_app) as (host, port),
        httpx.Client(base_url=f"http://{host}:{port}", timeout=120) as client,
    ):

        def call(index: int) -> tuple[int, int, list[tuple[str, str]]]:
            body = bodies[index % 2]
            answer = client.post(
                f"/cds-services/{SERVICE}",
                json=body,
                headers={"Authorization": f"Bearer {signer.token(audience)}"},
            )
            cards = answer.json()["cards"] if answer.status_code == 200 else []
            return index % 2, answer.status_code, _card_keys(cards)

        single = [call(0), call(1)]
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(call, range(CALLS)))

    expected = {kind: keys for kind, _, keys in single}
    assert all(status == 200 for _, status, _ in single)
    assert expected[0] != expected[1], "the two requests differ, so a mix-up would show"
    assert [status for _, status, _ in results] == [200] * CALLS
    assert all(keys == expected[kind] for kind, _, keys in results)
