"""The care knowledge walk: every entry has a source, a year, a known strength and family and a
stable snake_case id; files match the manifest; the named guideline conflicts are flagged."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources

import pytest

import painpath.care
from painpath.care import knowledge
from painpath.care.knowledge import AGAINST, FAMILIES, LINES, STRENGTHS
from tests.care.helpers import run

SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$")
REQUIRED_CONDITIONS = {
    "chronic_low_back_pain",
    "knee_osteoarthritis",
    "hip_osteoarthritis",
    "painful_diabetic_neuropathy",
    "fibromyalgia",
    "episodic_migraine",
    "chronic_migraine",
}


def test_public_api_is_pinned() -> None:
    assert sorted(painpath.care.__all__) == [
        "CareRequest",
        "KnowledgeError",
        "Suggestions",
        "Tried",
        "knowledge",
        "parse_request",
        "render_text",
        "suggest",
    ]


def test_every_file_matches_the_manifest() -> None:
    folder = resources.files("painpath.care").joinpath("knowledge")
    manifest = json.loads(folder.joinpath("manifest.json").read_text(encoding="utf-8"))
    listed = set(manifest["files"])
    on_disk = {"guidelines.json", "therapies.json", "safety_rules.json", "vocabulary.json"} | {
        f"conditions/{p.name}" for p in folder.joinpath("conditions").iterdir()
    }
    assert listed == on_disk
    for name, meta in manifest["files"].items():
        digest = hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest()
        assert meta["sha256"] == digest, f"{name} changed: run scripts/care_manifest.py"


def test_the_priority_conditions_are_encoded() -> None:
    assert set(knowledge().conditions) >= REQUIRED_CONDITIONS


@pytest.mark.parametrize("condition_id", sorted(knowledge().conditions))
def test_every_entry_names_source_year_strength_family_and_id(condition_id: str) -> None:
    k = knowledge()
    condition = k.conditions[condition_id]
    assert SNAKE.match(condition.id)
    assert condition.icd10cm
    assert all(ICD10.match(c) for c in condition.icd10cm)
    assert condition.snomed
    assert all(c.isdigit() and 6 <= len(c) <= 18 for c in condition.snomed)
    assert condition.recommendations
    for entry in condition.recommendations:
        therapy = k.therapies[entry.therapy]
        assert SNAKE.match(therapy.id)
        assert therapy.family in FAMILIES
        assert entry.strength in STRENGTHS
        assert entry.line in LINES
        assert (entry.strength in AGAINST) == (entry.line == "not_recommended")
        assert entry.guideline.year >= 1990
        assert entry.guideline.citation
        assert entry.guideline.jurisdiction in ("US", "UK", "INT")
        assert entry.ref
        assert entry.strength_raw
        assert not entry.verify or entry.note, f"{entry.therapy}: verify needs a note"


def test_codes_lead_to_one_condition_each() -> None:
    seen: dict[str, str] = {}
    for condition in knowledge().conditions.values():
        for code in (*condition.icd10cm, *condition.snomed):
            assert seen.setdefault(code, condition.id) == condition.id, code


def test_every_rule_has_a_source_and_every_id_is_snake_case() -> None:
    k = knowledge()
    for rule in k.rules.values():
        assert SNAKE.match(rule.id)
        assert rule.source
        assert rule.message
    for name in (*k.labs, *k.problems, *k.scores, *k.therapies, *k.guidelines):
        assert SNAKE.match(name), name


def test_every_therapy_is_used_by_a_condition() -> None:
    k = knowledge()
    used = {e.therapy for c in k.conditions.values() for e in c.recommendations}
    assert set(k.therapies) - used <= {
        "il6_receptor_inhibitor",
        "abatacept",
        "rituximab",
        "jak_inhibitor",
        "il17_inhibitor",
        "sulfasalazine",
        "drg_stimulation",
        "sympathetic_block",
        "graded_motor_imagery",
        "lidocaine_plaster",
    }


@pytest.mark.parametrize(
    ("condition", "therapy"),
    [
        ("chronic_low_back_pain", "acupuncture"),  # ACP 2017 strong for; NICE NG59 1.2.9 against
        ("chronic_low_back_pain", "duloxetine"),  # ACP 2017 rec 3; NICE NG59 1.2.26 against
        ("knee_osteoarthritis", "acupuncture"),  # ACR/AF 2019 conditional; NICE NG226 against
        ("knee_osteoarthritis", "prp_injection"),  # ACR/AF 2019 strong against; NICE IPG637
        ("fibromyalgia", "pregabalin"),  # EULAR 2016 weak for; NICE NG193 1.2.10 against
        ("painful_diabetic_neuropathy", "tramadol"),  # AAN 2021 against; NICE CG173 rescue
        ("knee_osteoarthritis", "paracetamol"),  # ACR/AF 2019 conditional; NICE NG226 1.5.5
        ("complex_regional_pain_syndrome", "gabapentin"),  # Harden 2022 (US); NICE NG193 1.2.10
        ("hip_osteoarthritis", "acupuncture"),  # ACR/AF 2019 conditional; NICE NG226 against
        # NICE TA159 for; Cochrane 2023 review: not outside trials (no US guideline grades SCS)
        ("persistent_spinal_pain_syndrome", "spinal_cord_stimulation"),
    ],
)
def test_named_guideline_conflicts_are_flagged_in_both_profiles(
    condition: str, therapy: str
) -> None:
    for profile in ("US", "UK"):
        result = run(profile, condition=condition)
        flag = next(f for f in result.flags if f["code"] == f"guideline_conflict_{therapy}")
        assert "(US" in flag["message"] or "(INT" in flag["message"]
        assert "(UK" in flag["message"]


def test_the_result_records_the_knowledge_version_and_files() -> None:
    document = run(condition="fibromyalgia").as_json()
    assert document["knowledge"]["version"] == knowledge().version
    assert "conditions/fibromyalgia.json" in document["knowledge"]["files"]


def test_the_request_schema_ships_as_generated() -> None:
    from painpath.care.inputs import CareRequest

    shipped = json.loads(
        resources.files("painpath.care").joinpath("request.schema.json").read_text("utf-8")
    )
    generated = CareRequest.model_json_schema()
    assert {k: v for k, v in shipped.items() if k not in ("$schema", "$id")} == json.loads(
        json.dumps(generated, sort_keys=True)
    )


def test_docs_name_every_condition_therapy_rule_lab_problem_and_score() -> None:
    """docs/care.md is the vocabulary's reference: a new id must be documented."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "care.md").read_text(encoding="utf-8")
    k = knowledge()
    for name in (*k.conditions, *k.therapies, *k.rules, *k.labs, *k.problems, *k.scores):
        assert f"`{name}`" in text, name


def test_the_generated_tables_of_the_docs_are_up_to_date() -> None:
    """docs/care.md's tables come from the knowledge (scripts/care_docs.py)."""
    from scripts.care_docs import DOC, render

    current = DOC.read_text(encoding="utf-8")
    assert render(current) == current, "run .venv/bin/python scripts/care_docs.py"


def test_the_families_are_one_vocabulary_with_the_six_of_care_and_procedures() -> None:
    from painpath.care.knowledge import TherapyFamily

    assert tuple(TherapyFamily) == FAMILIES
    assert set(FAMILIES) == {
        "medicine",
        "biologic",
        "neurostimulation",
        "regenerative",
        "digital",
        "complementary",
        "procedure",
    }
    folder = resources.files("painpath.care").joinpath("knowledge")
    listed = json.loads(folder.joinpath("therapies.json").read_text(encoding="utf-8"))["families"]
    assert tuple(listed) == FAMILIES


def test_a_market_authorization_is_never_passed_off_as_a_graded_recommendation() -> None:
    k = knowledge()
    for condition in k.conditions.values():
        for entry in condition.recommendations:
            regulatory = entry.guideline.kind == "regulatory"
            assert regulatory == (entry.strength == "authorized_not_graded"), entry.therapy
    digital = {
        (c.id, e.therapy)
        for c in k.conditions.values()
        for e in c.recommendations
        if k.therapies[e.therapy].family == "digital"
    }
    assert {
        ("chronic_low_back_pain", "vr_pain_programme"),
        ("chronic_low_back_pain", "digital_msk_programme"),
        ("fibromyalgia", "digital_act_programme"),
    } <= digital


def test_every_stored_code_the_care_knowledge_reads_passes_its_check_digit() -> None:
    """LOINC (mod 10) and SNOMED CT (Verhoeff) check digits, ICD-10-CM structure: a mistyped
    code in the knowledge would silently never match a stored record."""
    from painpath.terminology import check_icd10cm, check_loinc, check_snomed

    k = knowledge()
    for state in k.reproductive_codes.values():
        for code in state.icd10cm:
            check_icd10cm(code)
        for code in state.snomed:
            check_snomed(code)
    for rule in k.status_observations.values():
        for code in rule.loinc:
            check_loinc(code)
        for answer in rule.yes | rule.no | rule.unknown:
            if answer.isdigit():
                check_snomed(answer)
    for lab in k.labs.values():
        for code in lab.loinc:
            check_loinc(code)


def test_the_engine_output_validates_against_the_documented_schema() -> None:
    """The API declares `SuggestionsOut`; every condition's answer, in both profiles, fits."""
    from painpath.care.outputs import SuggestionsOut

    for condition in knowledge().conditions:
        for profile in ("US", "UK"):
            SuggestionsOut.model_validate(run(profile, condition=condition).as_json())
