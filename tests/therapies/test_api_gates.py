"""The gated steps over the API, on SQLite and PostgreSQL: a biologic start refused while
screening is incomplete, an implant refused without a successful trial while the clinic requires
one, an injection refused before the evidence status is acknowledged. Each refusal is a 409
naming what is missing and writes nothing but its audit event."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from painpath.models import AuditEvent, AuditOutcome
from tests.support.cohort import Cast
from tests.support.walk import BOOKKEEPING_TABLES, database_snapshot
from tests.therapies.helpers import CANDIDACY, PRP_REVIEW, TNF_SCREENING, Api, days_ago


def clinician_api(client: TestClient, cast: Cast) -> Api:
    return Api(client, cast.headers(client, "clinician"), cast.home_patient_id)


def test_biologic_start_is_refused_naming_each_missing_screening_item_and_writes_nothing(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    api = clinician_api(client, cast)
    course = api.course("tnf_inhibitor", product="adalimumab")
    partial = dict(TNF_SCREENING)
    del partial["latent_tb_test"]
    partial["heart_failure"] = "nyha_iii_iv"
    api.checks(course, partial, days_ago(3))
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)

    refused = api.post(f"/{course}/start", {"started_on": days_ago(1)}, expect=409)

    detail = refused.json()["detail"]
    assert "screening incomplete" in detail
    assert "Latent tuberculosis test" in detail
    assert "no result recorded" in detail
    assert "nyha_iii_iv does not allow the step" in detail
    assert "Hepatitis C" not in detail  # acceptable items are not named
    assert refused.json()["errors"][0]["field"] == "screening"
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before
    assert api.get(f"/{course}")["course"]["state"] == "screening"
    with Session(engine) as session:
        event = session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.resource_type == "TherapyCourse",
                AuditEvent.resource_id == str(course),
                AuditEvent.action == "create",
            )
            .order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None
    assert event.outcome == AuditOutcome.failure
    assert event.detail == "Conflict 409"


def test_biologic_starts_once_screening_is_complete_and_a_monitoring_schedule_follows(
    client: TestClient, cast: Cast
) -> None:
    api = clinician_api(client, cast)
    course = api.course("tnf_inhibitor", product="adalimumab")
    api.checks(course, TNF_SCREENING, days_ago(10))

    started = api.post(f"/{course}/start", {"started_on": days_ago(2)}, expect=200).json()

    assert started["course"]["state"] == "active"
    assert started["course"]["started_on"] == days_ago(2)
    assert {m["what"] for m in started["monitoring"]} >= {"Infection review"}
    assert all(m["due"] > days_ago(0) for m in started["monitoring"])


def test_a_screening_result_older_than_its_validity_window_does_not_count(
    client: TestClient, cast: Cast
) -> None:
    """Infection tests hold 90 days (clinic convention, screening.json)."""
    api = clinician_api(client, cast)
    course = api.course("tnf_inhibitor", product="etanercept")
    api.checks(course, TNF_SCREENING, days_ago(120))
    api.checks(
        course, {"live_vaccines": "none_within_4_weeks", "active_infection": "none"}, days_ago(1)
    )

    refused = api.post(f"/{course}/start", {"started_on": days_ago(0)}, expect=409)

    assert "Latent tuberculosis test" in refused.json()["detail"]
    assert "expired" in refused.json()["detail"]


def test_cgrp_antibodies_ask_pregnancy_and_cardiovascular_checks_not_tuberculosis(
    client: TestClient, cast: Cast
) -> None:
    """CGRP antibodies do not suppress immunity (labels; AHS 2021); erenumab adds blood pressure."""
    api = clinician_api(client, cast)
    erenumab = api.course("cgrp_monoclonal_antibody", product="erenumab")
    items = [i["item"] for i in api.get(f"/{erenumab}")["gate"]["items"]]
    assert items == ["pregnancy", "cardiovascular_disease", "hypertension"]
    api.post(f"/{erenumab}/end", {"ended_on": days_ago(0), "reason": "patient_choice"}, expect=200)
    fremanezumab = api.course("cgrp_monoclonal_antibody", product="fremanezumab")
    items = [i["item"] for i in api.get(f"/{fremanezumab}")["gate"]["items"]]
    assert items == ["pregnancy", "cardiovascular_disease"]
    api.checks(
        fremanezumab,
        {"pregnancy": "not_pregnant_not_planning", "cardiovascular_disease": "none"},
        days_ago(1),
    )
    api.post(f"/{fremanezumab}/start", {"started_on": days_ago(0)}, expect=200)


def test_implant_is_refused_without_a_successful_trial_and_writes_nothing(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    api = clinician_api(client, cast)
    course = api.course("spinal_cord_stimulation", site="lumbar radicular leg pain")
    api.checks(course, CANDIDACY, days_ago(9))
    implant = {
        "implanted_on": days_ago(1),
        "device": "Synthetic IPG 1",
        "mr_labelling": "mr_conditional_full_body",
        "lead_location": "T9-T10",
    }
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)

    refused = api.post(f"/{course}/implant", implant, expect=409)

    assert "requires a successful trial" in refused.json()["detail"]
    assert "no trial has been recorded" in refused.json()["detail"]
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before

    api.post(f"/{course}/trial", {"started_on": days_ago(8)}, expect=200)
    for n, relief in ((8, 20), (7, 30), (6, 35)):
        api.post(
            f"/{course}/trial/days",
            {"day": days_ago(n), "relief_percent": relief, "function": "same"},
            expect=201,
        )
    failed = api.post(
        f"/{course}/trial/evaluation", {"evaluated_on": days_ago(5)}, expect=200
    ).json()
    assert failed["course"]["state"] == "trial_failed"
    refused = api.post(f"/{course}/implant", implant, expect=409)
    assert "the trial failed" in refused.json()["detail"]


def test_a_successful_trial_allows_the_implant_and_programs_report_their_relief(
    client: TestClient, cast: Cast
) -> None:
    """Success at >= 50 % mean relief over >= 3 daily entries (NACC 2014)."""
    api = clinician_api(client, cast)
    course = api.course("spinal_cord_stimulation")
    refused = api.post(f"/{course}/trial", {"started_on": days_ago(9)}, expect=409)
    assert "candidacy checklist incomplete" in refused.json()["detail"]
    api.checks(course, CANDIDACY, days_ago(12))
    api.post(
        f"/{course}/assessments",
        {
            "assessed_on": days_ago(12),
            "instrument": "scs_relief",
            "timepoint": "baseline",
            "values": {"pain": 8},
        },
        expect=201,
    )
    api.post(f"/{course}/trial", {"started_on": days_ago(9)}, expect=200)
    for n, relief in ((9, 40), (8, 55), (7, 60), (6, 65)):
        api.post(
            f"/{course}/trial/days",
            {"day": days_ago(n), "relief_percent": relief, "function": "better"},
            expect=201,
        )
    duplicate = api.post(
        f"/{course}/trial/days",
        {"day": days_ago(6), "relief_percent": 10, "function": "same"},
        expect=409,
    )
    assert "already has an entry" in duplicate.json()["detail"]
    passed = api.post(
        f"/{course}/trial/evaluation", {"evaluated_on": days_ago(5)}, expect=200
    ).json()
    assert passed["course"]["state"] == "trial_succeeded"
    assert passed["trial"]["mean_relief_percent"] == 55.0

    implanted = api.post(
        f"/{course}/implant",
        {
            "implanted_on": days_ago(3),
            "device": "Synthetic IPG 1",
            "mr_labelling": "mr_conditional_full_body",
            "lead_location": "T9-T10",
        },
        expect=200,
    ).json()
    assert implanted["course"]["state"] == "implanted"
    program = {
        "programmed_on": days_ago(2),
        "name": "P1",
        "waveform": "high_frequency_10khz",
        "frequency_hz": 10000,
        "pulse_width_us": 30,
        "amplitude_ma": 2.5,
        "contacts": "E2+ E3-",
        "pain_after": 3,
    }
    api.post(f"/{course}/programs", program, expect=201)
    bad = api.post(f"/{course}/programs", program | {"waveform": "sawtooth"}, expect=422)
    assert "waveform must be one of" in bad.text
    detail = api.get(f"/{course}")
    assert detail["programs"][0]["relief_percent"] == 62.5
    assert detail["implant"]["lead_location"] == "T9-T10"


def test_switching_the_trial_requirement_is_an_audited_administrator_action(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    clinician = cast.headers(client, "clinician")
    admin = cast.headers(client, "admin")
    body = {"require_neurostimulation_trial": False}
    assert client.put("/api/clinic/settings", json=body, headers=clinician).status_code == 403
    assert (
        client.get("/api/clinic/settings", headers=clinician).json()[
            "require_neurostimulation_trial"
        ]
        is True
    )

    changed = client.put("/api/clinic/settings", json=body, headers=admin)

    assert changed.status_code == 200
    assert changed.json()["require_neurostimulation_trial"] is False
    api = clinician_api(client, cast)
    course = api.course("drg_stimulation")
    api.checks(course, CANDIDACY, days_ago(4))
    implant = {
        "implanted_on": days_ago(1),
        "device": "Synthetic DRG",
        "mr_labelling": "mr_conditional_head_only",
        "lead_location": "L4 DRG",
    }
    assert (
        api.post(f"/{course}/implant", implant, expect=200).json()["course"]["state"] == "implanted"
    )
    client.put("/api/clinic/settings", json={"require_neurostimulation_trial": True}, headers=admin)
    with Session(engine) as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.resource_type == "ClinicSetting", AuditEvent.action == "update")
            .order_by(AuditEvent.id)
        ).all()
    assert [(e.outcome, e.detail) for e in events] == [
        (AuditOutcome.denied, "clinic_settings:manage refused"),
        (AuditOutcome.success, "neurostimulation trial requirement on -> off"),
        (AuditOutcome.success, "neurostimulation trial requirement off -> on"),
    ]


def test_prp_injection_waits_for_the_acknowledged_status_and_a_clean_review(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    """ACR/AF 2019 strongly against; NICE IPG637 special arrangements: acknowledged first."""
    api = clinician_api(client, cast)
    course = api.course(
        "prp_injection",
        product="prp_leukocyte_poor",
        condition="knee_osteoarthritis",
        site="left knee",
    )
    shown = api.get(f"/{course}")["status"]
    assert shown["status"] == "not_recommended"
    assert shown["acknowledged_at"] is None
    assert any("strongly recommended against" in line for line in shown["guidelines"])
    injection = {
        "injected_on": days_ago(20),
        "product": "prp_leukocyte_poor",
        "volume_ml": 4,
        "activation": "none",
        "site": "left knee",
        "guidance": "ultrasound",
    }
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    refused = api.post(f"/{course}/injections", injection, expect=409)
    assert "acknowledge the evidence status" in refused.json()["detail"]
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before

    api.post(f"/{course}/status-acknowledgement", {"acknowledged": True}, expect=200)
    refused = api.post(f"/{course}/injections", injection, expect=409)
    assert "contraindication review incomplete" in refused.json()["detail"]
    api.checks(course, PRP_REVIEW | {"septicaemia_or_site_infection": "present"}, days_ago(21))
    refused = api.post(f"/{course}/injections", injection, expect=409)
    assert "Septicaemia" in refused.json()["detail"]
    api.checks(course, {"septicaemia_or_site_infection": "absent"}, days_ago(21))

    for n in (20, 13, 6):
        api.post(f"/{course}/injections", injection | {"injected_on": days_ago(n)}, expect=201)
    detail = api.get(f"/{course}")
    assert detail["course"]["state"] == "injections"
    assert detail["course"]["started_on"] == days_ago(20)
    assert len(detail["injections"]) == 3
    assert detail["status"]["acknowledged_at"] is not None
    nsaid = next(c for c in detail["contraindications"] if c["id"] == "nsaid_use")
    assert nsaid["present"] is True
    assert nsaid["absolute"] is False
