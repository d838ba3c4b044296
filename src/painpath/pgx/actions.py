"""What each recommendation template asks the prescriber to do (avoid, adjust the dose, ...).

Used to sort reports, count cohorts and check offered alternatives against the same patient.
"""

from __future__ import annotations

#: What each recommendation template (knowledge/guidance/templates.json) asks the prescriber
#: to do, so reports can put "avoid" before "adjust the dose" before "no change". Action names
#: are part of the report schema; a test walks every template.
ACTIONS: dict[str, tuple[str, ...]] = {
    "avoid": (
        "opioid_prodrug_um_avoid",
        "opioid_prodrug_pm_avoid",
        "oxicam_alternative",
        "tca_d6_pm_avoid",
        "tca_d6_um_avoid",
        "ami_avoid_half",
        "ami_avoid_half_tdm",
        "ami_d6_pm_avoid_half",
        "ami_d6_pm_avoid_half_tdm",
        "ami_avoid_tdm",
        "ami_d6_um_avoid_higher",
        "ami_c19_pm_prefer_secondary",
        "ami_c19_um_prefer_secondary",
        "ami_c19_um_consider_other",
        "ami_c19_um_consider_other_tdm",
        "dpwg_codeine_avoid_pain",
        "dpwg_codeine_um",
        "dpwg_tramadol_um",
    ),
    "adjust_dose": (
        "nsaid_lowest_start",
        "nsaid_quarter_to_half",
        "meloxicam_half",
        "tca_reduce_quarter",
        "ami_reduce_quarter_tdm",
        "dpwg_tca_pm",
        "dpwg_tca_im",
        "dpwg_tca_um",
    ),
    "monitor": (
        "opioid_prodrug_im_watch",
        "hydrocodone_reduced_watch",
        "dpwg_codeine_im_watch",
        "dpwg_tramadol_reduced_watch",
    ),
    "no_change": (
        "no_recommendation",
        "opioid_label_dose",
        "hydrocodone_um_no_recommendation",
        "opioid_no_gene_change",
        "receptor_gene_no_change",
        "nsaid_usual_start",
        "tca_usual_start",
        "dpwg_no_action",
    ),
    "no_result": ("no_result",),
}
ACTION_OF = {template: action for action, names in ACTIONS.items() for template in names}
