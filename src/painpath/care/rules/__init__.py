"""Personalization rules, one module per area; each `apply(ctx, found)` excludes, cautions or
flags through `Findings` with a rule id from `safety_rules.json`."""
