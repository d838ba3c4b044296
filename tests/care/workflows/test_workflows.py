"""Workflow states, checklists, trials and the knowledge files themselves."""

from __future__ import annotations

from datetime import date

import pytest

from painpath.care import knowledge
from painpath.care.workflows import (
    CourseState,
    Family,
    InvalidTransition,
    ItemState,
    RecordedResult,
    check_transition,
    family_of,
    states_of,
    workflow_knowledge,
)
from painpath.care.workflows.biologics import monitoring_schedule, screening_gate, screening_items
from painpath.care.workflows.neurostimulation import (
    FunctionChange,
    TrialDay,
    check_program,
    evaluate_trial,
)
from painpath.care.workflows.regenerative import blocking, contraindication_items, status_notice

S = CourseState


def test_every_family_has_a_connected_workflow_that_ends() -> None:
    for family in Family:
        states = states_of(family)
        assert states[-1] is S.ended
        for state in states[:-1]:
            check_transition(family, state, S.ended)


def test_invalid_transitions_name_where_the_course_may_go() -> None:
    with pytest.raises(InvalidTransition, match="from trial_failed it may go to ended, trial"):
        check_transition(Family.neurostimulation, S.trial_failed, S.implanted)
    with pytest.raises(InvalidTransition, match="nowhere"):
        check_transition(Family.biologic, S.ended, S.active)


def test_families_follow_the_care_catalogue() -> None:
    assert family_of("tnf_inhibitor") is Family.biologic
    assert family_of("spinal_cord_stimulation") is Family.neurostimulation
    assert family_of("stem_cell_injection") is Family.regenerative
    assert family_of("tens") is Family.general
    with pytest.raises(KeyError):
        family_of("unknown_therapy")


def test_tnf_screening_covers_tb_hepatitis_vaccines_infection_heart_failure_demyelination() -> None:
    """ACR 2012/2021 RA; TNFi labels."""
    items = {i.id for i in screening_items("tnf_inhibitor", "adalimumab")}
    assert items == {
        "latent_tb_test",
        "hepatitis_b_surface_antigen",
        "hepatitis_b_core_antibody",
        "hepatitis_c_antibody",
        "live_vaccines",
        "active_infection",
        "heart_failure",
        "demyelinating_disease",
    }


def test_il17_jak_and_il6_screening_follow_their_labels() -> None:
    assert "inflammatory_bowel_disease" in {i.id for i in screening_items("il17_inhibitor", None)}
    assert {"jak_baseline_labs", "jak_risk_review"} <= {
        i.id for i in screening_items("jak_inhibitor", None)
    }
    assert {"il6_baseline_labs", "diverticulitis"} <= {
        i.id for i in screening_items("il6_receptor_inhibitor", None)
    }


def test_cgrp_screening_has_no_infection_items() -> None:
    """CGRP antibodies are not immunosuppressive (labels; AHS 2021)."""
    items = {i.id for i in screening_items("cgrp_monoclonal_antibody", "erenumab")}
    assert items == {"pregnancy", "cardiovascular_disease", "hypertension"}
    assert "hypertension" not in {
        i.id for i in screening_items("cgrp_monoclonal_antibody", "galcanezumab")
    }


def test_the_latest_result_decides_and_results_expire() -> None:
    on = date(2026, 6, 1)
    rows = [
        RecordedResult("latent_tb_test", "positive_not_treated", date(2026, 5, 1)),
        RecordedResult(
            "latent_tb_test",
            "positive_active_tb_excluded_ltbi_treatment_started",
            date(2026, 5, 20),
        ),
        RecordedResult("pregnancy", "not_pregnant_not_planning", date(2026, 6, 5)),
    ]
    gate = screening_gate("tnf_inhibitor", "adalimumab", rows, on)
    states = {s.item.id: s.state for s in gate.items}
    assert states["latent_tb_test"] is ItemState.acceptable
    assert states["hepatitis_c_antibody"] is ItemState.missing
    old = screening_gate(
        "tnf_inhibitor", None, [RecordedResult("latent_tb_test", "negative", date(2026, 2, 1))], on
    )
    assert {s.item.id: s.state for s in old.items}["latent_tb_test"] is ItemState.expired
    future = screening_gate("cgrp_monoclonal_antibody", None, rows, on)
    assert {s.item.id: s.state for s in future.items}["pregnancy"] is ItemState.future


def test_monitoring_follows_the_start() -> None:
    """JAK labels: lipids 4-8 weeks after start."""
    schedule = monitoring_schedule("jak_inhibitor", date(2026, 1, 1), date(2026, 1, 2))
    lipids = next(m for m in schedule if m.what == "Lipid panel")
    assert lipids.due == date(2026, 2, 12)
    later = monitoring_schedule("jak_inhibitor", date(2026, 1, 1), date(2026, 3, 1))
    assert next(m for m in later if m.what == "Lipid panel").due == date(2026, 7, 30)


def test_a_trial_succeeds_at_50_percent_mean_relief_over_three_days() -> None:
    """NACC 2014: >= 50 % relief; NICE TA159 asks for a successful trial."""
    day = date(2026, 3, 1)

    def days(*relief: float, function: FunctionChange = FunctionChange.better) -> list[TrialDay]:
        return [TrialDay(day.replace(day=i + 1), r, function) for i, r in enumerate(relief)]

    assert not evaluate_trial(days(80, 90)).ready
    assert evaluate_trial(days(40, 50, 60)).success
    assert not evaluate_trial(days(40, 50, 59)).success
    assert not evaluate_trial(days(60, 60, 60, function=FunctionChange.worse)).success


def test_programs_outside_the_accepted_ranges_are_refused() -> None:
    check_program(waveform="tonic", frequency_hz=50, pulse_width_us=300, amplitude_ma=3)
    with pytest.raises(ValueError, match="frequency_hz"):
        check_program(waveform="tonic", frequency_hz=20000, pulse_width_us=300, amplitude_ma=3)
    with pytest.raises(ValueError, match="waveform"):
        check_program(waveform="square", frequency_hz=50, pulse_width_us=300, amplitude_ma=3)


def test_regenerative_status_cites_acr_and_nice_and_absolute_contraindications_block() -> None:
    """ACR/AF 2019 strongly against PRP and stem cells; NICE IPG637 special arrangements."""
    notice = status_notice("prp_injection")
    assert notice.status.status == "not_recommended"
    assert any("IPG637" in s for s in notice.status.sources)
    assert {g.strength for g in notice.guidelines} >= {"strong_against", "research_only"}
    assert [c.id for c in blocking("prp_injection", ["nsaid_use", "platelet_dysfunction"])] == [
        "platelet_dysfunction"
    ]
    assert "marrow_malignancy" in {i.id for i in contraindication_items("stem_cell_injection")}
    assert "marrow_malignancy" not in {i.id for i in contraindication_items("prp_injection")}


def test_knowledge_names_a_source_and_version_for_everything() -> None:
    flows = workflow_knowledge()
    assert set(flows.describe()["files"]) == {
        "screening.json",
        "neurostimulation.json",
        "regenerative.json",
        "outcomes.json",
    }
    for cls in flows.biologics.values():
        assert all(i.source for i in cls.items)
        assert all(m.source for m in cls.monitoring)
    assert all(i.source for i in flows.instruments.values())
    for therapy in flows.plans:
        assert therapy in knowledge().therapies
