"""Worked patient cases, two per condition (a US and a UK profile). Each docstring names the
guideline recommendations that justify the expected options, exclusions and flags."""

from __future__ import annotations

from tests.care.helpers import excluded_ids, option_ids, reason_codes, run


def test_low_back_pain_us_acp_first_line_non_drug_then_nsaid() -> None:
    """ACP 2017 rec 2 (strong): exercise, acupuncture, MBSR, yoga, tai chi, CBT, spinal
    manipulation first; rec 3 (weak): NSAIDs, then duloxetine or tramadol. NICE NG59 1.2.9's
    'do not offer acupuncture' is shown as a conflict, not applied under the US profile."""
    result = run("US", condition="M54.50", age=45, sex="male")
    assert {"exercise_therapy", "acupuncture", "mbsr", "yoga", "tai_chi", "cbt"} <= option_ids(
        result
    )
    first = {o["id"] for o in result.options if o["line"] == "first"}
    assert "acupuncture" in first
    assert "nsaid_oral" not in first
    assert result.option("nsaid_oral")["line"] == "second"  # type: ignore[index]
    assert result.option("duloxetine")["source"]["guideline"] == "acp_2017"  # type: ignore[index]
    assert "guideline_conflict_acupuncture" in result.flag_codes
    assert "paracetamol" in excluded_ids(result)  # only NICE NG59 1.2.28 speaks: shown, marked
    paracetamol = result.excluded("paracetamol")
    assert "outside_profile_only" in reason_codes(paracetamol)


def test_low_back_pain_uk_nice_excludes_acupuncture_snri_and_opioids() -> None:
    """NICE NG59: 1.2.9 do not offer acupuncture; 1.2.25 do not offer opioids for chronic low
    back pain; 1.2.26 no SSRIs, SNRIs or TCAs; 1.2.27 no anticonvulsants; 1.2.21 consider oral
    NSAIDs; 1.3.2 radiofrequency denervation after a positive medial branch block."""
    result = run("UK", condition="279039007", age=45)
    excluded = excluded_ids(result)
    assert {"acupuncture", "duloxetine", "tramadol", "opioid_long_term", "gabapentin"} <= excluded
    assert result.excluded("acupuncture")["source"]["guideline"] == "nice_ng59"  # type: ignore[index]
    assert result.option("nsaid_oral")["source"]["recommendation"] == "1.2.21"  # type: ignore[index]
    assert "radiofrequency_denervation" in option_ids(result)
    assert "guideline_conflict_duloxetine" in result.flag_codes


def test_knee_osteoarthritis_us_acr_strong_against_prp_and_stem_cells() -> None:
    """ACR/AF 2019: strongly recommended exercise, weight loss, tai chi, topical NSAIDs (knee),
    oral NSAIDs, IA glucocorticoid; strongly against PRP, stem cells, TNF inhibitors, glucosamine;
    conditionally for acupuncture, duloxetine, tramadol."""
    result = run("US", condition="M17.11", age=60, sex="female")
    assert {"exercise_therapy", "tai_chi", "nsaid_topical", "nsaid_oral", "acupuncture"} <= (
        option_ids(result)
    )
    assert {"prp_injection", "stem_cell_injection", "tnf_inhibitor", "glucosamine"} <= (
        excluded_ids(result)
    )
    assert result.excluded("prp_injection")["strength"] == "strong_against"  # type: ignore[index]
    assert "guideline_conflict_prp_injection" in result.flag_codes


def test_knee_osteoarthritis_uk_nice_no_acupuncture_prp_under_special_arrangements() -> None:
    """NICE NG226: 1.5.1 offer a topical NSAID for knee OA; 1.5.3 oral NSAID with a PPI if
    topicals fail; acupuncture and dry needling not offered; paracetamol and weak opioids not
    routinely. NICE IPG637: PRP only with special arrangements (research_only)."""
    result = run("UK", condition="knee_osteoarthritis", age=60)
    topical = result.option("nsaid_topical")
    assert topical is not None
    assert topical["strength"] == "strong_for"
    assert result.option("nsaid_oral")["line"] == "second"  # type: ignore[index]
    assert {"acupuncture", "paracetamol", "tramadol", "ia_hyaluronic_acid"} <= excluded_ids(result)
    prp = result.option("prp_injection")
    assert prp is not None
    assert prp["strength"] == "research_only"


def test_hip_osteoarthritis_us_no_topical_nsaid_and_hyaluronic_acid_strong_against() -> None:
    """ACR/AF 2019: topical NSAIDs are recommended for the knee (not graded for the hip);
    intra-articular hyaluronic acid is strongly recommended against for the hip; IA
    glucocorticoid strongly recommended (ultrasound-guided for the hip)."""
    result = run("US", condition="M16.11")
    assert "nsaid_topical" not in option_ids(result) or (
        result.option("nsaid_topical")["source"]["jurisdiction"] == "UK"  # type: ignore[index]
    )
    assert result.excluded("ia_hyaluronic_acid")["strength"] == "strong_against"  # type: ignore[index]
    assert result.option("ia_glucocorticoid")["strength"] == "strong_for"  # type: ignore[index]


def test_hip_osteoarthritis_uk_exercise_offered_oral_nsaid_with_ppi() -> None:
    """NICE NG226 1.4.1 offer therapeutic exercise; 1.5.3 consider an oral NSAID with a PPI;
    do not offer strong opioids."""
    result = run("UK", condition="239872002")
    assert result.option("exercise_therapy")["strength"] == "strong_for"  # type: ignore[index]
    assert "PPI" in result.option("nsaid_oral")["strength_raw"]  # type: ignore[index]
    assert "opioid_long_term" in excluded_ids(result)


def test_diabetic_neuropathy_us_aan_first_line_and_no_opioids() -> None:
    """AAN 2021 (Price 2022): offer TCAs, SNRIs, gabapentinoids or sodium-channel blockers
    (Level B); do not use opioids including tramadol and tapentadol (Level B). NICE CG173's
    tramadol for rescue is the other side of the flagged conflict."""
    result = run("US", condition="E11.42", age=58)
    assert {
        "amitriptyline",
        "duloxetine",
        "pregabalin",
        "gabapentin",
        "sodium_channel_blocker",
    } <= (option_ids(result))
    assert {"tramadol", "tapentadol", "opioid_long_term"} <= excluded_ids(result)
    assert "guideline_conflict_tramadol" in result.flag_codes


def test_diabetic_neuropathy_uk_cg173_choice_and_scs_after_failure() -> None:
    """NICE CG173: offer a choice of amitriptyline, duloxetine, gabapentin or pregabalin; do not
    start venlafaxine or oxcarbazepine/lacosamide in non-specialist settings; tramadol only as
    acute rescue. NICE TA159: SCS after conventional management and a successful trial."""
    result = run("UK", condition="painful_diabetic_neuropathy", age=58)
    first = {o["id"] for o in result.options if o["line"] == "first"}
    assert {"amitriptyline", "duloxetine", "gabapentin", "pregabalin"} <= first
    assert {"venlafaxine", "sodium_channel_blocker"} <= excluded_ids(result)
    assert result.option("tramadol")["line"] == "third"  # type: ignore[index]
    scs = result.option("spinal_cord_stimulation")
    assert scs is not None
    assert scs["source"]["guideline"] == "nice_ta159"


def test_fibromyalgia_us_eular_exercise_strong_and_strong_opioids_against() -> None:
    """No US body: EULAR 2016 (international) applies. Exercise is the only strong
    recommendation; pregabalin, duloxetine, amitriptyline weak for; strong opioids,
    corticosteroids and sodium oxybate strong against."""
    result = run("US", condition="M79.7", age=40, sex="female")
    assert result.option("exercise_therapy")["strength"] == "strong_for"  # type: ignore[index]
    assert {"pregabalin", "duloxetine", "amitriptyline"} <= option_ids(result)
    assert {"opioid_long_term", "systemic_corticosteroid", "sodium_oxybate"} <= excluded_ids(result)


def test_fibromyalgia_uk_ng193_no_gabapentinoids_antidepressant_considered() -> None:
    """NICE NG193: 1.2.1 offer supervised group exercise; 1.2.8 consider amitriptyline,
    citalopram, duloxetine, fluoxetine, paroxetine or sertraline; 1.2.10 do not initiate
    gabapentinoids, NSAIDs, opioids or paracetamol."""
    result = run("UK", condition="fibromyalgia", age=40)
    assert result.option("group_exercise")["strength"] == "strong_for"  # type: ignore[index]
    assert "ssri_antidepressant" in option_ids(result)
    assert {"pregabalin", "gabapentin", "nsaid_oral", "tramadol", "paracetamol"} <= excluded_ids(
        result
    )
    assert "guideline_conflict_pregabalin" in result.flag_codes
    assert "guideline_conflict_ssri_antidepressant" in result.flag_codes


def test_episodic_migraine_us_aan_level_a_preventives_and_cgrp_first_line() -> None:
    """AAN/AHS 2012 Level A: topiramate, valproate, metoprolol/propranolol/timolol; AHS 2024
    position statement: CGRP-targeting therapies are a first-line option (no prior failures);
    AHS 2021 avoid opioids and butalbital for acute treatment."""
    result = run("US", condition="G43.009", age=35, sex="male")
    assert {"topiramate", "valproate", "beta_blocker_preventive", "triptan"} <= option_ids(result)
    cgrp = result.option("cgrp_monoclonal_antibody")
    assert cgrp is not None
    assert cgrp["source"]["guideline"] == "ahs_2024"
    assert "opioid_or_butalbital_acute" in excluded_ids(result)
    assert "onabotulinumtoxina" in excluded_ids(result)  # AAN 2016: not for episodic migraine


def test_episodic_migraine_uk_cgrp_needs_three_failed_preventives() -> None:
    """NICE TA659/TA682/TA764/TA871: CGRP antibodies only after at least 3 preventive treatments
    failed; NICE CG150 1.3.14 offer topiramate or propranolol, 1.3.12 no ergots or opioids,
    1.3.17 acupuncture if both are unsuitable."""
    result = run("UK", condition="episodic_migraine", age=35, sex="male")
    assert {"topiramate", "beta_blocker_preventive"} <= option_ids(result)
    assert "prerequisite_not_met" in reason_codes(result.excluded("cgrp_monoclonal_antibody"))
    assert {"ergot", "opioid_or_butalbital_acute"} <= excluded_ids(result)
    tried = [
        {"therapy": "topiramate", "outcome": "inadequate_response", "weeks": 12},
        {"therapy": "beta_blocker_preventive", "outcome": "intolerance", "weeks": 4},
        {"therapy": "amitriptyline_preventive", "outcome": "inadequate_response", "weeks": 10},
    ]
    after = run("UK", condition="episodic_migraine", age=35, sex="male", tried=tried)
    assert "cgrp_monoclonal_antibody" in option_ids(after)
    assert {"topiramate", "beta_blocker_preventive"} <= excluded_ids(after)


def test_chronic_migraine_us_botulinum_toxin_level_a() -> None:
    """AAN 2016 (Simpson): onabotulinumtoxinA should be offered for chronic migraine (Level A);
    AHS 2024: CGRP therapies first-line."""
    result = run("US", condition="G43.709", age=44, sex="female")
    botox = result.option("onabotulinumtoxina")
    assert botox is not None
    assert botox["strength"] == "strong_for"
    assert "cgrp_monoclonal_antibody" in option_ids(result)


def test_chronic_migraine_uk_botulinum_toxin_after_three_preventives_ons_research_only() -> None:
    """NICE TA260: botulinum toxin A after at least 3 failed preventive medicines; NICE IPG452:
    occipital nerve stimulation only with special arrangements."""
    result = run("UK", condition="chronic_migraine", age=44, sex="male")
    assert "prerequisite_not_met" in reason_codes(result.excluded("onabotulinumtoxina"))
    ons = result.option("occipital_nerve_stimulation")
    assert ons is not None
    assert ons["strength"] == "research_only"


def test_low_back_pain_digital_options_are_shown_as_what_they_are() -> None:
    """FDA De Novo 2021: a prescription VR programme for adults with chronic low back pain, an
    authorization, not a graded recommendation (`authorized_not_graded`, source kind regulatory);
    NICE HTE16 (UK) digital self-management programmes; the Cochrane 2023 review: SCS for low
    back pain not outside clinical trials."""
    us = run("US", condition="M54.50", age=45)
    vr = us.option("vr_pain_programme")
    assert vr is not None
    assert (vr["family"], vr["strength"], vr["source"]["kind"]) == (
        "digital",
        "authorized_not_graded",
        "regulatory",
    )
    scs = us.option("spinal_cord_stimulation")
    assert scs is not None
    assert (scs["strength"], scs["source"]["kind"]) == ("research_only", "evidence_review")
    uk = run("UK", condition="M54.50", age=45)
    assert uk.option("digital_msk_programme")["source"]["guideline"] == "nice_hte16"  # type: ignore[index]
    assert "outside_profile_only" in reason_codes(uk.option("vr_pain_programme"))
