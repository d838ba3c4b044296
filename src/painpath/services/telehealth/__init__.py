"""Telehealth on the record: clinicians' availability (`availability`), booking and cancelling
visits (`booking`), the SOAP note, completion and its ledger minutes (`notes`), the FHIR export
(`export`), calendar files (`calendar`), reminders through the notifier (`reminders`) and
whose time zone a time is shown in (`zones`)."""
