"""Finding 13 (issue 10, "Security and robustness", item 13): pages work under a strict CSP.

The policy has no 'unsafe-inline'; the conftest fails any browser test whose pages log a CSP
violation. These tests prove that the watch catches one, and that the printable PGx report
(the one page with an inline stylesheet, allowed by its hash) is styled in chromium.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect
from scripts.make_pgx_vcf import diplotype_vcf

from painpath.pgx.genes import Gene
from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_chromium import sign_in
from tests.support.cohort import PASSWORD

pytestmark = pytest.mark.browser


def test_finding_13_an_injected_inline_script_is_refused_and_caught(
    page: Page, live_server: LiveServer, csp_violations: list[str]
) -> None:
    page.goto("/login")
    before = len(csp_violations)
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "document.body.dataset.injected = 'yes'";
                   document.head.appendChild(s); }"""
    )
    expect(page.locator("body")).not_to_have_attribute("data-injected", "yes")
    page.wait_for_function("() => true")
    refused = csp_violations[before:]
    assert refused, "chromium reported no CSP violation for an inline script"
    assert "script-src" in refused[0]
    del csp_violations[before:]  # expected here; any other test's violation fails it


def test_finding_13_the_printable_pgx_report_is_styled_under_the_policy(
    page: Page, live_server: LiveServer
) -> None:
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        token = client.post(
            "/api/auth/token", json={"username": "clinician", "password": PASSWORD}
        ).json()["access_token"]
        vcf = diplotype_vcf({Gene.CYP2D6: ("*1", "*4")})
        response = client.post(
            f"/api/patients/{live_server.cast.home_patient_id}/pgx/vcf",
            files={"file": ("csp.vcf", vcf.encode())},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code in (200, 201), response.text[:300]
        report_id = response.json()["id"]
    page.goto("/login")
    sign_in(page, "clinician")
    page.goto(f"/patients/{live_server.cast.home_patient_id}/pgx/reports/{report_id}")
    disclaimer = page.locator(".disclaimer").first
    expect(disclaimer).to_be_visible()
    # report.css gives the disclaimer a tinted background: the inline stylesheet applied.
    expect(disclaimer).to_have_css("background-color", "rgb(245, 247, 250)")
