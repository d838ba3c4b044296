"""Care plans on the record: the plan (`store`), goals that evaluate themselves from monitoring
data (`goals`), activities and their lifecycle (`activities`), scheduled sessions and attendance
(`sessions`), the FHIR export (`export`), page reads (`views`) and `tried` for suggestions
(`tried`). Every function takes a `PatientAccess` from services.access (permission, care-team
scope, audit); the caller's transaction commits.
"""
