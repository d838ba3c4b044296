"""The pure care-plan engine: lifecycles, goal rules, course templates, `tried`."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

import pytest

from painpath.care import Tried, knowledge
from painpath.care.plans import (
    ActivityStatus,
    EndedActivity,
    GoalAchievement,
    GoalLifecycle,
    GoalTarget,
    PlanStatus,
    Reading,
    SessionStatus,
    StopReason,
    TransitionRefused,
    check_activity_transition,
    check_goal_transition,
    check_plan_transition,
    check_session_transition,
    check_target,
    course_complete,
    evaluate_goal,
    plan_knowledge,
    schedule_template,
    session_days,
    tried_entries,
)
from painpath.models import care_plan as stored

MONDAY = date(2026, 3, 2)


def steps(values: list[float | None], first: date = MONDAY) -> list[Reading]:
    return [Reading(first + timedelta(days=i), v) for i, v in enumerate(values) if v is not None]


@pytest.mark.parametrize(
    ("engine", "column"),
    [
        (PlanStatus, stored.CarePlanStatus),
        (ActivityStatus, stored.CareActivityStatus),
        (StopReason, stored.CareStopReason),
        (GoalLifecycle, stored.CareGoalLifecycle),
        (GoalAchievement, stored.CareGoalAchievement),
        (SessionStatus, stored.CareSessionStatus),
    ],
)
def test_the_stored_statuses_are_the_engines(engine: type[StrEnum], column: type[StrEnum]) -> None:
    assert [m.value for m in engine] == [m.value for m in column]


def test_an_activity_moves_proposed_active_then_completed_or_stopped() -> None:
    check_activity_transition(ActivityStatus.proposed, ActivityStatus.active, None)
    check_activity_transition(ActivityStatus.active, ActivityStatus.completed, None)
    check_activity_transition(ActivityStatus.active, ActivityStatus.stopped, StopReason.intolerance)
    check_activity_transition(
        ActivityStatus.proposed, ActivityStatus.stopped, StopReason.patient_declined
    )


def test_stopping_without_a_reason_is_refused_naming_the_reason() -> None:
    with pytest.raises(TransitionRefused, match="needs a reason") as refused:
        check_activity_transition(ActivityStatus.active, ActivityStatus.stopped, None)
    assert refused.value.field == "reason"
    with pytest.raises(TransitionRefused, match="only given when an activity is stopped"):
        check_activity_transition(ActivityStatus.active, ActivityStatus.completed, StopReason.other)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (ActivityStatus.completed, ActivityStatus.active),
        (ActivityStatus.stopped, ActivityStatus.active),
        (ActivityStatus.proposed, ActivityStatus.completed),
        (ActivityStatus.active, ActivityStatus.proposed),
    ],
)
def test_invalid_activity_transitions_are_refused(
    current: ActivityStatus, wanted: ActivityStatus
) -> None:
    with pytest.raises(TransitionRefused, match=f"from '{current.value}' to '{wanted.value}'"):
        check_activity_transition(current, wanted, None)


def test_plan_goal_and_session_lifecycles_refuse_leaving_a_final_state() -> None:
    check_plan_transition(PlanStatus.draft, PlanStatus.active)
    with pytest.raises(TransitionRefused, match="it is final"):
        check_plan_transition(PlanStatus.revoked, PlanStatus.active)
    check_goal_transition(GoalLifecycle.active, GoalLifecycle.on_hold)
    with pytest.raises(TransitionRefused):
        check_goal_transition(GoalLifecycle.completed, GoalLifecycle.active)
    check_session_transition(SessionStatus.missed, SessionStatus.attended)  # a correction
    with pytest.raises(TransitionRefused):
        check_session_transition(SessionStatus.cancelled, SessionStatus.attended)


def test_steps_goal_is_met_on_five_of_the_last_seven_days() -> None:
    goal = GoalTarget("daily_steps_min", 6000, MONDAY)
    four = evaluate_goal(goal, steps([6000, 7000, 100, 6500, 200, 9000, 300]), today=MONDAY)
    assert not four.met
    assert four.value == 4
    assert four.achievement is GoalAchievement.in_progress
    five = evaluate_goal(goal, steps([6000, 7000, 100, 6500, 200, 9000, 6001]), today=MONDAY)
    assert five.met
    assert five.achievement is GoalAchievement.achieved
    assert five.observed_on == MONDAY + timedelta(days=6)


def test_a_day_without_data_counts_as_not_met() -> None:
    goal = GoalTarget("daily_steps_min", 6000, MONDAY)
    gaps = evaluate_goal(goal, steps([8000, None, 8000, None, 8000, None, 8000]), today=MONDAY)
    assert not gaps.met
    assert gaps.value == 4


def test_days_before_the_goal_started_do_not_count() -> None:
    goal = GoalTarget("active_minutes_min", 30, MONDAY + timedelta(days=3))
    result = evaluate_goal(goal, steps([45, 45, 45, 45, 45, 45, 45]), today=MONDAY)
    assert not result.met
    assert result.value == 4


def test_a_daily_goal_compares_with_the_previous_week() -> None:
    goal = GoalTarget("daily_steps_min", 6000, MONDAY)
    week1 = [7000, 7000, 100, 100, 100, 100, 100]
    better = evaluate_goal(
        goal, steps([*week1, 7000, 7000, 7000, 100, 100, 100, 100]), today=MONDAY
    )
    assert better.achievement is GoalAchievement.improving
    worse = evaluate_goal(goal, steps([*week1, 7000, 100, 100, 100, 100, 100, 100]), today=MONDAY)
    assert worse.achievement is GoalAchievement.worsening


def test_peg_goal_reads_the_latest_score() -> None:
    goal = GoalTarget("peg_max", 4, MONDAY)
    readings = [Reading(MONDAY, 6.0), Reading(MONDAY + timedelta(days=14), 5.0)]
    assert evaluate_goal(goal, readings, today=MONDAY).achievement is GoalAchievement.improving
    readings.append(Reading(MONDAY + timedelta(days=28), 4.0))
    met = evaluate_goal(goal, readings, today=MONDAY)
    assert met.met
    assert met.value == 4.0


def test_a_goal_past_its_due_date_is_not_achieved() -> None:
    goal = GoalTarget("peg_max", 4, MONDAY, due=MONDAY + timedelta(days=30))
    late = evaluate_goal(goal, [Reading(MONDAY, 7.0)], today=MONDAY + timedelta(days=31))
    assert late.achievement is GoalAchievement.not_achieved
    nothing = evaluate_goal(goal, [], today=MONDAY)
    assert nothing.achievement is None


def test_targets_default_and_are_bounded() -> None:
    assert check_target("peg_max", None) == 4
    assert check_target("daily_steps_min", None) == 6000
    assert check_target("active_minutes_min", None) == 30
    assert check_target("custom", None) is None
    with pytest.raises(ValueError, match="between 0 and 10"):
        check_target("peg_max", 12)
    with pytest.raises(ValueError, match="no numeric target"):
        check_target("custom", 3)


def test_every_template_names_a_known_therapy_and_cites_a_source() -> None:
    therapies = knowledge().therapies
    templates = plan_knowledge().schedules
    assert {"cbt_weekly", "mbsr_8_weeks", "acupuncture_course", "prp_series"} <= set(templates)
    assert any(t.therapy == "exercise_therapy" for t in templates.values())  # physiotherapy
    for template in templates.values():
        assert template.therapy in therapies
        assert len(template.source) > 30
    cbt = schedule_template("cbt_weekly")
    assert (cbt.min_sessions, cbt.max_sessions, cbt.interval_days) == (8, 12, 7)
    assert schedule_template("mbsr_8_weeks").sessions == 8
    for kind in plan_knowledge().goal_kinds.values():
        assert kind.source


def test_sessions_are_laid_out_within_the_templates_range() -> None:
    cbt = schedule_template("cbt_weekly")
    days = session_days(MONDAY, count=12, interval_days=7, template=cbt)
    assert days[-1] == MONDAY + timedelta(weeks=11)
    with pytest.raises(ValueError, match="between 8 and 12"):
        session_days(MONDAY, count=13, interval_days=7, template=cbt)


def test_a_course_is_complete_when_nothing_is_left_and_something_was_attended() -> None:
    attended, missed, scheduled, cancelled = (
        SessionStatus.attended,
        SessionStatus.missed,
        SessionStatus.scheduled,
        SessionStatus.cancelled,
    )
    assert course_complete([attended, missed, cancelled])
    assert not course_complete([attended, scheduled])
    assert not course_complete([missed, cancelled])
    assert not course_complete([])


def test_tried_entries_take_bad_endings_only_and_are_valid_tried_input() -> None:
    ended = [
        EndedActivity(
            "duloxetine",
            ActivityStatus.stopped,
            StopReason.inadequate_response,
            date(2026, 1, 1),
            date(2026, 3, 26),
        ),
        EndedActivity("cbt", ActivityStatus.stopped, StopReason.patient_declined, None, None),
        EndedActivity("yoga", ActivityStatus.completed, None, date(2026, 1, 1), date(2026, 3, 1)),
        EndedActivity(
            "pregabalin", ActivityStatus.stopped, StopReason.intolerance, date(2026, 1, 1), None
        ),
    ]
    entries = tried_entries(ended)
    assert entries == [
        {"therapy": "duloxetine", "outcome": "inadequate_response", "weeks": 12},
        {"therapy": "pregabalin", "outcome": "intolerance", "weeks": None},
    ]
    assert [Tried.model_validate(entry).therapy for entry in entries] == [
        "duloxetine",
        "pregabalin",
    ]
