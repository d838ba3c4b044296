"""Therapy courses on the record: one course per patient per therapy started, following its
family's workflow (biologic screening gate, neurostimulation candidacy/trial/implant gate,
regenerative status acknowledgement and contraindication review), with outcome assessments.

Every function opens the patient through `services.access` first (the web does it for its
routes and passes the grant); a refused step raises before anything is added, so the
transaction writes nothing but its audit event.
"""

from painpath.services.care.therapies.courses import tried_from_courses

__all__ = ["tried_from_courses"]
