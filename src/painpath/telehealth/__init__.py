"""Telehealth, pure: bookable slots from weekly availability in a clinician's zone (DST-aware),
video room links from a provider URL template, and iCalendar (RFC 5545) files for visits."""
