"""RPM/RTM code choice at every threshold of the CMS CY 2026 rules (knowledge/cpt_2026.json)."""

from __future__ import annotations

import itertools

import pytest

from painpath.monitoring.billing import (
    billable_codes,
    billing_knowledge,
    exclusive_conflicts,
    program_rule,
)


def units(
    program: str,
    *,
    data_days: int,
    minutes: int = 0,
    interactive: bool = False,
    first_period: bool = False,
) -> dict[str, int]:
    decision = billable_codes(
        program,
        data_days=data_days,
        minutes=minutes,
        interactive=interactive,
        first_period=first_period,
    )
    return decision.code_units()


DEVICE_DAYS = [
    (0, None),
    (1, None),
    (2, "99445"),
    (15, "99445"),
    (16, "99454"),
    (30, "99454"),
]


@pytest.mark.parametrize(("days", "code"), DEVICE_DAYS)
def test_rpm_device_code_follows_days_with_data(days: int, code: str | None) -> None:
    found = units("RPM", data_days=days)
    assert found == ({} if code is None else {code: 1})


RTM_DEVICE = {"RTM-MSK": ("98985", "98977"), "RTM-RESP": ("98984", "98976"),
              "RTM-CBT": ("98986", "98978")}  # fmt: skip


@pytest.mark.parametrize("program", sorted(RTM_DEVICE))
@pytest.mark.parametrize(("days", "tier"), [(1, None), (2, 0), (15, 0), (16, 1), (30, 1)])
def test_rtm_device_code_follows_days_with_data(program: str, days: int, tier: int | None) -> None:
    found = units(program, data_days=days)
    assert found == ({} if tier is None else {RTM_DEVICE[program][tier]: 1})


def test_one_day_of_data_is_refused_with_the_reason() -> None:
    decision = billable_codes("RPM", data_days=1, minutes=0, interactive=False, first_period=False)
    reasons = {r.code: r.reason for r in decision.refused}
    assert "needs ≥ 2 days with data" in reasons["99445"]
    assert "1 day" in reasons["99445"]


def test_evidence_names_the_count_and_the_threshold() -> None:
    decision = billable_codes("RPM", data_days=18, minutes=0, interactive=False, first_period=False)
    assert decision.codes[0].evidence == (
        "18 days with data in the 30-day period, within 16-30 → 99454"
    )


@pytest.mark.parametrize(
    ("program", "setup"), [("RPM", "99453"), ("RTM-MSK", "98975"), ("RTM-CBT", "98975")]
)
@pytest.mark.parametrize(
    ("days", "first", "billed"),
    [(1, True, False), (2, True, True), (16, True, True), (30, False, False)],
)
def test_setup_once_per_episode_from_two_days(
    program: str, setup: str, days: int, first: bool, billed: bool
) -> None:
    found = units(program, data_days=days, first_period=first)
    assert (setup in found) is billed
    if billed:
        assert found[setup] == 1


def test_setup_outside_the_first_period_says_once_per_episode() -> None:
    decision = billable_codes("RPM", data_days=20, minutes=0, interactive=False, first_period=False)
    assert any(r.code == "99453" and "once per episode" in r.reason for r in decision.refused)


MINUTES = [
    (0, {}),
    (9, {}),
    (10, {"first_10": 1}),
    (19, {"first_10": 1}),
    (20, {"first_20": 1}),
    (39, {"first_20": 1}),
    (40, {"first_20": 1, "addon": 1}),
    (59, {"first_20": 1, "addon": 1}),
    (60, {"first_20": 1, "addon": 2}),
    (80, {"first_20": 1, "addon": 3}),
]
MANAGEMENT = {"RPM": {"first_10": "99470", "first_20": "99457", "addon": "99458"},
              "RTM-MSK": {"first_10": "98979", "first_20": "98980", "addon": "98981"}}  # fmt: skip


@pytest.mark.parametrize("program", sorted(MANAGEMENT))
@pytest.mark.parametrize(("minutes", "expected"), MINUTES)
def test_management_minutes_with_an_interactive_communication(
    program: str, minutes: int, expected: dict[str, int]
) -> None:
    names = MANAGEMENT[program]
    found = units(program, data_days=0, minutes=minutes, interactive=True)
    assert found == {names[role]: n for role, n in expected.items()}


@pytest.mark.parametrize("program", sorted(MANAGEMENT))
@pytest.mark.parametrize("minutes", [9, 10, 19, 20, 39, 40, 60])
def test_no_management_code_without_an_interactive_communication(
    program: str, minutes: int
) -> None:
    decision = billable_codes(
        program, data_days=0, minutes=minutes, interactive=False, first_period=False
    )
    assert decision.codes == ()
    names = MANAGEMENT[program]
    refused = {r.code: r.reason for r in decision.refused}
    if minutes < 10:
        assert "needs ≥ 10 minutes" in refused[names["first_10"]]
    else:
        expected = names["first_10"] if minutes < 20 else names["first_20"]
        assert "interactive communication" in refused[expected]
        assert names["addon"] not in refused  # no add-on is even considered


def test_thirty_nine_minutes_explains_why_there_is_no_add_on() -> None:
    decision = billable_codes("RPM", data_days=0, minutes=39, interactive=True, first_period=False)
    refused = {r.code: r.reason for r in decision.refused}
    assert refused["99458"] == "99458 needs a further full 20 minutes; 19 beyond the first 20"


def test_the_issue_example_bills_setup_device_and_management() -> None:
    found = units("RPM", data_days=18, minutes=45, interactive=True, first_period=True)
    assert found == {"99453": 1, "99454": 1, "99457": 1, "99458": 1}


@pytest.mark.parametrize("program", ["RPM", "RTM-MSK", "RTM-RESP", "RTM-CBT"])
def test_no_combination_bills_mutually_exclusive_codes(program: str) -> None:
    rule = program_rule(program)
    for days, minutes, interactive, first in itertools.product(
        range(31), range(81), (True, False), (True, False)
    ):
        decision = billable_codes(
            program, data_days=days, minutes=minutes, interactive=interactive, first_period=first
        )
        codes = [c.code for c in decision.codes]
        assert exclusive_conflicts(codes) == []
        assert len(set(codes) & set(rule.device)) <= 1
        if rule.management_addon_20 in codes:
            assert rule.management_first_20 in codes
        assert all(c.units >= 1 for c in decision.codes)


def test_exclusive_conflicts_names_the_pair() -> None:
    assert exclusive_conflicts(["99454", "99445"])
    assert exclusive_conflicts(["99457", "99470"])
    assert exclusive_conflicts(["98977", "98985"])
    assert exclusive_conflicts(["98979", "98980"])
    assert exclusive_conflicts(["99454", "99457", "99458"]) == []


def test_rpm_is_refused_when_rtm_is_billed_in_the_period() -> None:
    decision = billable_codes(
        "RPM", data_days=20, minutes=30, interactive=True, first_period=True,
        already_billed=["98977"],
    )  # fmt: skip
    assert decision.codes == ()
    assert decision.refused[0].code is None
    assert "RPM and RTM" in decision.refused[0].reason


def test_a_device_code_billed_by_another_practitioner_is_not_billed_again() -> None:
    decision = billable_codes(
        "RPM", data_days=20, minutes=0, interactive=False, first_period=False,
        already_billed=["99454"],
    )  # fmt: skip
    assert decision.code_units() == {}
    assert any(r.code == "99454" and "already billed" in r.reason for r in decision.refused)


def test_a_code_excluded_by_one_already_billed_is_refused() -> None:
    decision = billable_codes(
        "RPM", data_days=20, minutes=15, interactive=True, first_period=False,
        already_billed=["99445", "99457"],
    )  # fmt: skip
    refused = {r.code: r.reason for r in decision.refused}
    assert decision.code_units() == {}
    assert "not with 99445" in refused["99454"]
    assert "not with 99457" in refused["99470"]


def test_an_add_on_falls_with_its_base_code() -> None:
    decision = billable_codes(
        "RPM", data_days=0, minutes=45, interactive=True, first_period=False,
        already_billed=["99457"],
    )  # fmt: skip
    refused = {r.code: r.reason for r in decision.refused}
    assert decision.code_units() == {}
    assert "add-on to 99457" in refused["99458"]


@pytest.mark.parametrize(
    ("data_days", "minutes", "billed", "message"),
    [
        (31, 0, (), "data_days must be 0-30"),
        (-1, 0, (), "data_days must be 0-30"),
        (10, -5, (), "minutes must not be negative"),
        (10, 0, ("12345",), "unknown code in already_billed: 12345"),
    ],
)
def test_impossible_inputs_are_refused(
    data_days: int, minutes: int, billed: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        billable_codes(
            "RPM",
            data_days=data_days,
            minutes=minutes,
            interactive=False,
            first_period=False,
            already_billed=billed,
        )


def test_an_unknown_program_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown program 'RTM'; one of RPM, RTM-MSK"):
        program_rule("RTM")


def test_the_code_table_is_sourced_versioned_and_consistent() -> None:
    knowledge = billing_knowledge()
    assert knowledge.version == "CY2026"
    assert "CY 2026" in knowledge.source
    assert knowledge.retrieved
    for program in knowledge.programs.values():
        named = [program.setup, *program.device, program.management_first_10,
                 program.management_first_20, program.management_addon_20]  # fmt: skip
        assert all(code in knowledge.codes for code in named)
        assert knowledge.codes[program.setup].kind == "setup"
        assert {knowledge.codes[c].kind for c in program.device} == {"device"}
        assert knowledge.codes[program.management_addon_20].addon_to == (
            program.management_first_20
        )
    for exclusion in knowledge.exclusions:
        assert exclusion.codes <= set(knowledge.codes)
        assert exclusion.why
    for code in knowledge.codes.values():
        assert code.description
        assert code.per
        if code.kind == "device":
            assert code.min_data_days is not None
            assert code.max_data_days is not None
    rpm = knowledge.programs["RPM"]
    assert rpm.self_report_allowed is False
    assert knowledge.programs["RTM-MSK"].self_report_allowed is True


def test_the_decision_json_carries_the_knowledge_version() -> None:
    document = billable_codes(
        "RPM", data_days=18, minutes=0, interactive=False, first_period=False
    ).as_json()
    assert document["codes"] == [
        {
            "code": "99454",
            "units": 1,
            "description": document["codes"][0]["description"],
            "evidence": "18 days with data in the 30-day period, within 16-30 → 99454",
        }
    ]
    assert document["knowledge"]["version"] == "CY2026"
