"""Worked cases for the conditions encoded after the priority set: persistent spinal pain,
chronic neck pain, rheumatoid arthritis, axial spondyloarthritis, post-herpetic neuralgia, CRPS
and cancer-related pain (a US and a UK profile each; docstrings name the recommendations)."""

from __future__ import annotations

from tests.care.helpers import excluded_ids, option_ids, reason_codes, run


def test_persistent_spinal_pain_us_shows_scs_from_nice_as_outside_profile() -> None:
    """NICE TA159: SCS after conventional management and a successful trial; no US guideline
    grades SCS, so the option says which jurisdiction it comes from, and the Cochrane 2023 review
    (Traeger: no sustained benefit for low back pain outside trials) is shown as the other side
    of a flagged conflict. NeuPSIG 2015 (international) grades duloxetine for the radicular
    component."""
    result = run("US", condition="M96.1", current_meds=["clopidogrel 75 mg daily"])
    scs = result.option("spinal_cord_stimulation")
    assert scs is not None
    assert scs["source"]["guideline"] == "nice_ta159"
    assert {"outside_profile_only", "scs_anticoagulant"} <= reason_codes(scs)
    assert [o["guideline"] for o in scs["other_guidelines"]] == ["cochrane_2023_scs"]
    flag = next(
        f for f in result.flags if f["code"] == "guideline_conflict_spinal_cord_stimulation"
    )
    assert "For: NICE 2008 (UK" in flag["message"]
    assert "Research only: Cochrane 2023 (INT" in flag["message"]
    assert result.option("duloxetine")["source"]["jurisdiction"] == "INT"  # type: ignore[index]


def test_persistent_spinal_pain_uk_no_opioids_scs_psychological_readiness() -> None:
    """NICE NG59 1.2.25 no opioids for chronic low back pain; TA159 SCS with multidisciplinary
    assessment; CMS NCD 160.7 psychological evaluation (substance use disorder)."""
    result = run("UK", condition="persistent_spinal_pain_syndrome", problems=["F10.20"])
    assert "opioid_long_term" in excluded_ids(result)
    assert "scs_psychological" in reason_codes(result.option("spinal_cord_stimulation"))


def test_neck_pain_us_apta_2017_manual_therapy_and_exercise_first() -> None:
    """APTA/JOSPT 2017 (Blanpied): chronic neck pain with mobility deficits, thoracic and
    cervical manipulation or mobilization with mixed exercise (grade B); dry needling may be
    used (grade C). NG193 1.2.10 (UK) still keeps opioids out, shown outside the profile."""
    result = run("US", condition="M54.2")
    for therapy in ("spinal_manipulation", "exercise_therapy", "self_management_education"):
        entry = result.option(therapy)
        assert entry is not None
        assert entry["source"]["guideline"] == "apta_2017_neck"
        assert entry["line"] == "first"
    assert result.option("acupuncture")["source"]["guideline"] == "apta_2017_neck"  # type: ignore[index]
    assert "opioid_long_term" in excluded_ids(result)


def test_neck_pain_uk_uses_ng193_for_chronic_primary_pain() -> None:
    """NICE NG193 1.2.1 supervised group exercise; 1.2.10 do not initiate opioids or NSAIDs;
    the APTA entries are shown only as outside the UK profile."""
    result = run("UK", condition="M54.2")
    assert result.option("exercise_therapy")["source"]["guideline"] == "nice_ng193"  # type: ignore[index]
    assert {"opioid_long_term", "nsaid_oral"} <= excluded_ids(result)
    manual = result.option("spinal_manipulation")
    assert manual is not None
    assert "outside_profile_only" in reason_codes(manual)


def test_rheumatoid_arthritis_us_methotrexate_first_biologic_after_csdmard() -> None:
    """ACR 2021: methotrexate monotherapy strongly recommended for DMARD-naive moderate-high
    activity; add a bDMARD or tsDMARD if not at target on methotrexate (conditional); no
    long-term glucocorticoids (strong)."""
    naive = run("US", condition="M06.9", age=50, sex="female")
    assert naive.option("methotrexate")["strength"] == "strong_for"  # type: ignore[index]
    assert "prerequisite_not_met" in reason_codes(naive.excluded("tnf_inhibitor"))
    assert "systemic_corticosteroid" in excluded_ids(naive)
    after = run(
        "US",
        condition="M06.9",
        age=50,
        tried=[{"therapy": "methotrexate", "outcome": "inadequate_response", "weeks": 16}],
        labs={"IGRA": "positive", "HBsAg": "negative", "anti-HBc": "negative"},
        problems=["heart_failure_nyha_3"],
    )
    assert "heart_failure_tnf" in reason_codes(after.excluded("tnf_inhibitor"))
    assert "biologic_latent_tb" in reason_codes(after.option("abatacept"))
    assert "biologic_screening_due" in after.flag_codes  # anti-HCV not given


def test_rheumatoid_arthritis_uk_nice_csdmard_first_jak_boxed_warning() -> None:
    """NICE NG100 1.4.1 conventional DMARD monotherapy first; FDA 2021 JAK inhibitor boxed
    warning (age 65 or more, smokers, cardiovascular disease)."""
    result = run(
        "UK",
        condition="69896004",
        age=70,
        problems=["current_smoker"],
        tried=[{"therapy": "methotrexate", "outcome": "intolerance"}],
    )
    assert result.option("sulfasalazine")["source"]["guideline"] == "nice_ng100"  # type: ignore[index]
    assert "jak_boxed_warning" in reason_codes(result.option("jak_inhibitor"))


def test_axial_spondyloarthritis_us_tnfi_after_nsaids_ibd_excludes_il17() -> None:
    """ACR/SAA/SPARTAN 2019: NSAIDs and physical therapy strongly recommended; TNFi strongly
    recommended when active despite NSAIDs; IL-17 inhibitors avoided with IBD."""
    naive = run("US", condition="M45.9")
    assert {"nsaid_oral", "exercise_therapy"} <= option_ids(naive)
    assert "prerequisite_not_met" in reason_codes(naive.excluded("tnf_inhibitor"))
    tried = [{"therapy": "nsaid_oral", "outcome": "inadequate_response", "weeks": 8}]
    after = run("US", condition="M45.9", tried=tried, problems=["K50.90"])
    assert "tnf_inhibitor" in option_ids(after)
    assert "ibd_il17" in reason_codes(after.excluded("il17_inhibitor"))


def test_axial_spondyloarthritis_uk_ta383_and_demyelinating_disease() -> None:
    """NICE TA383: TNF inhibitors for active disease not controlled by NSAIDs; TNFi labels and
    ACR 2019: avoid in demyelinating disease."""
    tried = [{"therapy": "nsaid_oral", "outcome": "inadequate_response", "weeks": 8}]
    result = run("UK", condition="axial_spondyloarthritis", tried=tried, problems=["G35"])
    assert result.excluded("tnf_inhibitor")["source"]["guideline"] == "nice_ta383"  # type: ignore[index]
    assert "demyelinating_tnf" in reason_codes(result.excluded("tnf_inhibitor"))


def test_postherpetic_neuralgia_us_neupsig_first_line_lidocaine_second() -> None:
    """NeuPSIG 2015: TCAs, SNRIs, gabapentinoids first line (strong); lidocaine plasters and
    capsaicin second (weak); Beers 2023 keeps tricyclics out at 80."""
    result = run("US", condition="B02.29", age=80)
    assert {"gabapentin", "pregabalin", "lidocaine_plaster"} <= option_ids(result)
    assert "beers_anticholinergic_avoid" in reason_codes(result.excluded("amitriptyline"))


def test_postherpetic_neuralgia_uk_cg173_choice_tramadol_rescue_only() -> None:
    """NICE CG173: amitriptyline, duloxetine, gabapentin or pregabalin; tramadol only as acute
    rescue; morphine not started outside specialist care."""
    result = run("UK", condition="postherpetic_neuralgia", age=60)
    assert result.option("tramadol")["line"] == "third"  # type: ignore[index]
    assert "opioid_long_term" in excluded_ids(result)
    assert "guideline_conflict_opioid_long_term" in result.flag_codes


def test_crps_us_rehabilitation_first_scs_and_drg() -> None:
    """Harden 2022 (5th edition): functional restoration first; DRG stimulation for lower-limb
    CRPS; NICE TA159 SCS. NICE NG193's gabapentinoid exclusion is the flagged conflict."""
    result = run("US", condition="G90.59")
    assert {"graded_motor_imagery", "drg_stimulation", "spinal_cord_stimulation"} <= option_ids(
        result
    )
    assert "guideline_conflict_gabapentin" in result.flag_codes


def test_crps_uk_rcp_rehabilitation_no_gabapentinoids_outside_trials() -> None:
    """RCP 2018 CRPS guideline: rehabilitation and psychological therapy; NICE NG193 1.2.10:
    gabapentinoids only in clinical trials for CRPS."""
    result = run("UK", condition="complex_regional_pain_syndrome")
    assert result.option("graded_motor_imagery")["source"]["guideline"] == "rcp_2018_crps"  # type: ignore[index]
    assert {"gabapentin", "pregabalin"} <= excluded_ids(result)


def test_cancer_pain_us_opioids_offered_cdc_scope_flag_and_benzo_check_kept() -> None:
    """WHO 2018: NSAIDs, paracetamol and opioids to initiate (strong); CDC 2022 does not apply
    to cancer-related pain, but the opioid-benzodiazepine check (FDA 2016) still runs."""
    result = run(
        "US", condition="G89.3", current_meds=["morphine ER 30 mg BID", "lorazepam 1 mg BID"]
    )
    assert "cancer_pain_scope" in result.flag_codes
    assert "opioid_excluded_from_guideline" in result.flag_codes
    assert "opioid_mme_ge_50" not in result.flag_codes
    assert "opioid_benzodiazepine" in reason_codes(result.excluded("opioid_long_term"))


def test_cancer_pain_uk_morphine_first_line_maintenance() -> None:
    """NICE CG140: regular oral morphine as first-line maintenance; WHO 2018 bisphosphonates for
    bone metastases."""
    result = run("UK", condition="cancer_related_pain")
    assert result.option("opioid_long_term")["source"]["guideline"] == "nice_cg140"  # type: ignore[index]
    assert "bisphosphonate" in option_ids(result)


def test_disease_activity_at_target_cautions_escalation() -> None:
    """ASAS-EULAR 2022 rec 11: b/tsDMARDs at ASDAS 2.1 or more; ACR 2021 treat-to-target:
    DAS28-CRP 3.2 or less / CDAI 10 or less is low activity."""
    tried = [{"therapy": "nsaid_oral", "outcome": "inadequate_response", "weeks": 8}]
    low = run("US", condition="M45.9", tried=tried, labs={"ASDAS-CRP": 1.6})
    assert "activity_asdas" in reason_codes(low.option("tnf_inhibitor"))
    high = run("US", condition="M45.9", tried=tried, labs={"ASDAS-CRP": 3.4})
    assert "activity_asdas" not in reason_codes(high.option("tnf_inhibitor"))
    ra = run(
        "US",
        condition="M06.9",
        tried=[{"therapy": "methotrexate", "outcome": "inadequate_response", "weeks": 16}],
        labs={"DAS28-CRP": 2.9, "CDAI": 8},
    )
    assert "activity_ra_at_target" in reason_codes(ra.option("abatacept"))
