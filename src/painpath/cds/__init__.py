"""CDS Hooks 2.0: discovery, hook services (patient-view, order-select, order-sign), prefetch
resolution against the EHR's FHIR server, CDS client JWT verification, card builders, feedback
and snoozes. The web router (painpath.web.cds) is a thin shell over this package."""
