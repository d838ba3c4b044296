"""Who may do what: the role → permission table, kept as data so it can be reviewed and tested.

A permission is `<resource>:<action>`. Holding a permission on patient data is necessary but
not sufficient: the actor must also be in that patient's scope (see `painpath.auth.scope`).
"""

from __future__ import annotations

from enum import StrEnum

from painpath.models.enums import Role


class Permission(StrEnum):
    patient_read = "patient:read"
    patient_create = "patient:create"
    patient_update = "patient:update"
    care_team_read = "care_team:read"
    care_team_manage = "care_team:manage"
    condition_read = "condition:read"
    condition_write = "condition:write"
    medication_read = "medication:read"
    medication_write = "medication:write"
    observation_read = "observation:read"
    observation_write = "observation:write"
    genotype_read = "genotype:read"
    genotype_write = "genotype:write"
    audit_read = "audit:read"
    # Remote monitoring: assign questionnaires, work alerts, log billable monitoring time.
    questionnaire_assign = "questionnaire:assign"
    alert_manage = "alert:manage"
    monitoring_time_write = "monitoring_time:write"
    # Care plans: goals, activities and sessions. Patients read their own plan.
    care_plan_read = "care_plan:read"
    care_plan_write = "care_plan:write"
    # Telehealth: book or cancel a patient's video visit; write its note and complete it; keep
    # one's own weekly availability.
    visit_book = "visit:book"
    visit_document = "visit:document"
    availability_manage = "availability:manage"
    # Secure messages between a patient and their care team (threads, replies, attachments).
    message_read = "message:read"
    message_write = "message:write"
    user_manage = "user:manage"
    # Therapy courses (biologic, neurostimulation, regenerative workflows and outcomes).
    therapy_read = "therapy:read"
    therapy_write = "therapy:write"
    # Clinic-wide settings, e.g. whether an implant needs a successful trial (audited).
    clinic_settings_manage = "clinic_settings:manage"


_CLINICAL_READ = frozenset(
    {
        Permission.patient_read,
        Permission.care_team_read,
        Permission.condition_read,
        Permission.medication_read,
        Permission.observation_read,
        Permission.genotype_read,
        Permission.care_plan_read,
        Permission.therapy_read,
    }
)

#: Messaging; admins hold none of it: messages are clinical conversation, not account work.
_MESSAGING = frozenset({Permission.message_read, Permission.message_write})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # A patient reads their own record and reports their own observations (diary, wearables),
    # writes to their own care team and books their own video visits.
    Role.patient: _CLINICAL_READ
    | _MESSAGING
    | {Permission.observation_write, Permission.visit_book},
    Role.clinician: _CLINICAL_READ
    | _MESSAGING
    | {
        Permission.patient_create,
        Permission.patient_update,
        Permission.condition_write,
        Permission.medication_write,
        Permission.observation_write,
        Permission.genotype_write,
        Permission.questionnaire_assign,
        Permission.alert_manage,
        Permission.monitoring_time_write,
        Permission.care_plan_write,
        Permission.therapy_write,
        Permission.visit_book,
        Permission.visit_document,
        Permission.availability_manage,
    },
    # Pharmacists review medicines and genotypes (and upload genotype files and lab calls);
    # they do not prescribe or diagnose here.
    # They work monitoring alerts and log the time they spend on them.
    Role.pharmacist: _CLINICAL_READ
    | _MESSAGING
    | {
        Permission.observation_write,
        Permission.genotype_write,
        Permission.alert_manage,
        Permission.monitoring_time_write,
    },
    # Admins manage accounts and care teams. Clinical reads still need a care-team seat.
    Role.admin: _CLINICAL_READ
    | {
        Permission.care_team_manage,
        Permission.user_manage,
        Permission.audit_read,
        Permission.clinic_settings_manage,
    },
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
