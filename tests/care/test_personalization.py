"""Personalization, one test per rule area, each citing its source. The same condition with and
without the patient fact shows that the fact, not the knowledge, moved the option."""

from __future__ import annotations

from typing import Any

from tests.care.helpers import excluded_ids, option_ids, reason_codes, run

OA = {"condition": "knee_osteoarthritis"}
PDN = {"condition": "painful_diabetic_neuropathy"}


def test_egfr_below_30_excludes_oral_nsaids_and_duloxetine_and_doses_gabapentinoids() -> None:
    """AGS Beers 2023 table 6: NSAIDs and duloxetine avoid at CrCl < 30; gabapentinoid doses
    reduced below 60 (labels)."""
    assert "nsaid_oral" in option_ids(run(**OA, labs={"eGFR": 75}))
    low = run(**OA, labs={"eGFR": 25})
    assert "renal_nsaid_avoid" in reason_codes(low.excluded("nsaid_oral"))
    assert "nsaid_topical" in option_ids(low)
    pdn = run(**PDN, labs={"eGFR": 25})
    assert "renal_duloxetine_avoid" in reason_codes(pdn.excluded("duloxetine"))
    assert "renal_gabapentinoid_dose" in reason_codes(pdn.option("pregabalin"))


def test_egfr_45_cautions_nsaids_without_excluding() -> None:
    """KDIGO 2012: avoid prolonged NSAID use below GFR 60."""
    result = run(**OA, labs={"eGFR": 45})
    assert "renal_nsaid_caution" in reason_codes(result.option("nsaid_oral"))


def test_liver_disease_excludes_duloxetine() -> None:
    """Cymbalta label: avoid in chronic liver disease; ALT > 3x ULN counts too."""
    assert "hepatic_duloxetine_avoid" in reason_codes(
        run(**PDN, problems=["K74.60"]).excluded("duloxetine")
    )
    assert "duloxetine" in excluded_ids(run(**PDN, labs={"ALT": 200}))
    assert "duloxetine" in option_ids(run(**PDN, labs={"ALT": 35}))


def test_older_adult_tricyclics_out_and_cns_burden_and_falls() -> None:
    """AGS Beers 2023: tricyclics avoid (table 2); 3 or more CNS-active drugs avoid (table 5);
    history of falls: avoid antiepileptics, antidepressants, opioids (table 3)."""
    young = run(**PDN, age=50)
    assert "amitriptyline" in option_ids(young)
    old = run(
        **PDN,
        age=78,
        problems=["falls"],
        current_meds=["sertraline 50 mg daily", "zolpidem 5 mg qhs"],
    )
    assert "beers_anticholinergic_avoid" in reason_codes(old.excluded("amitriptyline"))
    pregabalin = reason_codes(old.option("pregabalin"))
    assert {"beers_cns_active_total", "beers_falls"} <= pregabalin


def test_pregnancy_excludes_valproate_topiramate_cgrp_and_nsaids() -> None:
    """MHRA 2018/2024 (valproate, topiramate pregnancy prevention); AHS 2021 (CGRP antibodies
    in pregnancy); FDA 2020 (NSAIDs from 20 weeks)."""
    migraine: dict[str, Any] = {"condition": "episodic_migraine", "age": 30, "sex": "female"}
    plain = run(**migraine)
    assert "childbearing_valproate" in reason_codes(plain.option("valproate"))
    pregnant = run(**migraine, pregnant=True)
    assert {"valproate", "topiramate", "cgrp_monoclonal_antibody", "nsaid_oral"} <= excluded_ids(
        pregnant
    )
    planning = run(**migraine, planning_pregnancy=True)
    assert "planning_pregnancy_cgrp" in reason_codes(planning.option("cgrp_monoclonal_antibody"))
    assert "pregnancy_topiramate" in reason_codes(planning.excluded("topiramate"))


def test_gi_bleeding_and_anticoagulant_exclude_oral_nsaids_antiplatelet_cautions() -> None:
    """AGS Beers 2023 tables 2, 3 and 5 (GI bleeding history; NSAIDs with anticoagulants and
    antiplatelets)."""
    assert "gi_bleed_nsaid" in reason_codes(run(**OA, problems=["K92.2"]).excluded("nsaid_oral"))
    anticoagulated = run(**OA, current_meds=["apixaban 5 mg BID"])
    assert "anticoagulant_nsaid" in reason_codes(anticoagulated.excluded("nsaid_oral"))
    aspirin = run(**OA, current_meds=["aspirin 81 mg daily"])
    assert "antiplatelet_nsaid" in reason_codes(aspirin.option("nsaid_oral"))


def test_coronary_disease_excludes_triptans_heart_failure_excludes_nsaids() -> None:
    """Sumatriptan label contraindications (coronary artery disease); Beers 2023 table 3 and
    AHA 2016 (NSAIDs in heart failure); FDA 2015 (NSAID cardiovascular risk)."""
    migraine = run(condition="episodic_migraine", problems=["I25.10"])
    assert "vascular_triptan_ergot" in reason_codes(migraine.excluded("triptan"))
    assert "cardiovascular_nsaid" in reason_codes(migraine.option("nsaid_oral"))
    hf = run(**OA, problems=["heart_failure_nyha_3"])
    assert "heart_failure_nsaid" in reason_codes(hf.excluded("nsaid_oral"))


def test_triptan_contraindication_opens_gepants_where_triptans_must_have_failed() -> None:
    """AHS 2021 and NICE TA919: gepants after 2 triptans failed, or when triptans are
    contraindicated."""
    plain = run("UK", condition="episodic_migraine")
    assert "prerequisite_not_met" in reason_codes(plain.excluded("gepant_acute"))
    cad = run("UK", condition="episodic_migraine", problems=["coronary_disease"])
    assert "gepant_acute" in option_ids(cad)
    two = [{"therapy": "triptan", "outcome": "inadequate_response"}] * 2
    assert "gepant_acute" in option_ids(run("UK", condition="episodic_migraine", tried=two))


def test_glaucoma_and_qt_exclude_tricyclics() -> None:
    """Tricyclic labels: angle-closure glaucoma, QT prolongation."""
    assert "glaucoma_tricyclic" in reason_codes(
        run(**PDN, problems=["angle_closure_glaucoma"]).excluded("amitriptyline")
    )
    assert "qt_tricyclic" in reason_codes(run(**PDN, labs={"QTc": 490}).excluded("nortriptyline"))


def test_tramadol_with_an_ssri_warns_of_serotonin_syndrome_and_maoi_excludes() -> None:
    """Ultram label: serotonin syndrome with SSRIs/SNRIs; contraindicated with MAOIs."""
    with_ssri = run(condition="fibromyalgia", current_meds=["sertraline 100 mg daily"])
    assert "serotonin_syndrome" in reason_codes(with_ssri.option("tramadol"))
    with_maoi = run(condition="fibromyalgia", current_meds=["phenelzine 15 mg TID"])
    assert "maoi_serotonergic" in reason_codes(with_maoi.excluded("tramadol"))
    assert "duloxetine" in excluded_ids(with_maoi)


def test_opioid_with_benzodiazepine_excluded_gabapentinoid_with_opioid_and_copd_cautioned() -> None:
    """FDA 2016 boxed warning and CDC 2022 rec 11 (opioids with benzodiazepines); FDA 2019
    (gabapentinoids with opioids, COPD). The current opioid goes through painpath.opioids: its
    CDC 2022 alerts come back as opioid_* flags."""
    benzo = run(condition="chronic_low_back_pain", current_meds=["alprazolam 0.5 mg TID"])
    assert "opioid_benzodiazepine" in reason_codes(benzo.excluded("tramadol"))
    pdn = run(**PDN, problems=["COPD"], current_meds=["oxycodone 10 mg q6h", "alprazolam 1 mg BID"])
    assert {"opioid_gabapentinoid_respiratory", "respiratory_cns_depressant"} <= reason_codes(
        pdn.option("pregabalin")
    )
    assert {"opioid_mme_ge_50", "opioid_benzo_coprescribe", "opioid_naloxone_offer"} <= set(
        pdn.flag_codes
    )
    assert any("MME/day" in note for note in pdn.notes)


def test_pgx_poor_metabolizer_excludes_amitriptyline_and_phenoconversion_excludes_tramadol() -> (
    None
):
    """CPIC 2016 TCA guideline (CYP2D6 poor metabolizer: avoid); CPIC 2021 opioid guideline
    (tramadol: avoid in poor metabolizers), with paroxetine (strong CYP2D6 inhibitor) converting
    a normal metabolizer through painpath.pgx."""
    pm = run(**PDN, genotype={"CYP2D6": "*4/*4"})
    assert "pgx_avoid" in reason_codes(pm.excluded("amitriptyline"))
    normal = run(condition="fibromyalgia", genotype={"CYP2D6": "*1/*1"})
    assert "tramadol" in option_ids(normal)
    converted = run(
        condition="fibromyalgia",
        genotype={"CYP2D6": "*1/*1"},
        current_meds=["paroxetine 20 mg daily"],
    )
    excluded = converted.excluded("tramadol")
    assert "pgx_avoid" in reason_codes(excluded)
    assert any("changed by a current medicine" in r["message"] for r in excluded["reasons"])  # type: ignore[index]
    untested = run(**PDN)
    assert "pgx_not_tested" in reason_codes(untested.option("amitriptyline"))


def test_tried_therapies_move_out_short_trials_stay_with_a_caution() -> None:
    """AAN 2021: an adequate neuropathic-pain trial is about 12 weeks at an effective dose."""
    tried = [
        {"therapy": "pregabalin", "outcome": "inadequate_response", "weeks": 14},
        {"therapy": "duloxetine", "outcome": "inadequate_response", "weeks": 3},
        {"therapy": "gabapentin", "outcome": "intolerance"},
    ]
    result = run(**PDN, tried=tried)
    assert "tried_failed" in reason_codes(result.excluded("pregabalin"))
    assert "tried_failed" in reason_codes(result.excluded("gabapentin"))
    assert "tried_short" in reason_codes(result.option("duloxetine"))


def test_suicide_risk_flags_and_cautions_tricyclics() -> None:
    """PHQ-9 item 9 above 0: same-day safety review (Kroenke 2001); tricyclics are dangerous in
    overdose."""
    result = run(**PDN, scores={"phq9": 14, "phq9_item9": 1})
    assert {"suicide_risk", "depression_comorbid"} <= set(result.flag_codes)
    assert "suicide_risk_tricyclic" in reason_codes(result.option("amitriptyline"))


def test_start_back_high_risk_is_flagged() -> None:
    """NICE NG59 1.1.2: risk stratification (STarT Back) to match intensity of care."""
    result = run(
        condition="chronic_low_back_pain", scores={"start_back": 7, "start_back_psychosocial": 4}
    )
    assert "start_back_high_risk" in result.flag_codes


def test_anticoagulant_cautions_needling_and_injections() -> None:
    """ASRA/ESRA 2018 (Narouze): interventional procedures on anticoagulants."""
    result = run(**OA, current_meds=["warfarin 5 mg daily"], labs={"INR": 2.8})
    assert "bleeding_needling" in reason_codes(result.option("ia_glucocorticoid"))
    assert "bleeding_needling" in reason_codes(result.option("acupuncture"))


def test_every_option_and_exclusion_says_why() -> None:
    result = run(**OA, age=80, labs={"eGFR": 20}, current_meds=["apixaban 5 mg BID"])
    for option in result.options:
        assert option["reasons"]
        assert option["source"]["guideline"]
    for item in result.not_recommended:
        assert item["reasons"]
        assert all(r["source"] for r in item["reasons"])


def test_a_medicine_already_taken_is_not_its_own_interaction_partner() -> None:
    """Beers 2023 table 5 counts other CNS-active medicines; the tramadol label's serotonin
    warning is about other serotonergic medicines, not tramadol itself."""
    result = run(
        condition="knee_osteoarthritis",
        age=78,
        current_meds=["sertraline 50 mg daily", "tramadol 50 mg q6h prn"],
    )
    tramadol = result.option("tramadol")
    assert tramadol is not None
    messages = " ".join(r["message"] for r in tramadol["reasons"])
    assert "with sertraline:" in messages
    assert "tramadol:" not in messages.split("with sertraline")[0]
    assert "beers_cns_active_total" not in reason_codes(tramadol)
    assert "beers_cns_active_total" in reason_codes(result.option("duloxetine"))
