"""Remote monitoring on the record: diary, questionnaires, adherence, alerts, sync, billing."""
