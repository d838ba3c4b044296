"""The clinician's pain summary: one patient's pain, function, medicines and risk, read live from
the record through the engines (opioids for MME and CDC 2022 alerts, pgx for phenotypes and
advice, monitoring for scores, adherence and wearables). See docs/pain-summary.md."""
