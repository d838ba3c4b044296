"""ORM tables, one module per aggregate, shaped after FHIR R4 resources."""

from painpath.models.alert import Alert, AlertSeverity, AlertStatus
from painpath.models.alert_thresholds import AlertThresholdOverride
from painpath.models.audit_event import (
    AuditChainHead,
    AuditEvent,
    AuditEventUnchained,
    AuditOutcome,
)
from painpath.models.care_plan import (
    CareActivityStatus,
    CareGoalAchievement,
    CareGoalLifecycle,
    CarePlan,
    CarePlanActivity,
    CarePlanGoal,
    CarePlanSession,
    CarePlanStatus,
    CareSessionStatus,
    CareStopReason,
)
from painpath.models.care_team import CareTeam, CareTeamParticipant
from painpath.models.care_therapy_tried import CareTherapyTried, TherapyTriedStatus
from painpath.models.cds import CdsFeedback, CdsIssuedCard, CdsSeenToken, CdsSnooze
from painpath.models.condition import Condition, ConditionCodeSystem, ConditionStatus
from painpath.models.credentials import (
    AuthSession,
    LoginThrottle,
    PasswordResetCode,
    RecoveryCode,
)
from painpath.models.enums import AdministrativeGender, Role
from painpath.models.genotype import GenotypeResult
from painpath.models.medication import (
    MedicationAdministration,
    MedicationRequest,
    MedicationRequestStatus,
)
from painpath.models.medication_fill import MedicationFill
from painpath.models.messaging import (
    Message,
    MessageAttachment,
    MessageReadState,
    MessageThread,
)
from painpath.models.monitoring_time import ClinicianTimeEntry, MonitoringProgram
from painpath.models.notification import OutboxMessage, OutboxStatus
from painpath.models.observation import Observation, ObservationStatus
from painpath.models.pain_diary import PainDiaryEntry
from painpath.models.patient import Patient
from painpath.models.pgx_report import PgxReport, PgxSourceKind
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.models.questionnaire_schedule import (
    OccurrenceEvent,
    QuestionnaireAssignment,
    QuestionnaireOccurrenceLog,
    Recurrence,
)
from painpath.models.sync import SyncBatch, SyncChange, SyncSequence
from painpath.models.telehealth import (
    AvailabilityException,
    AvailabilityTemplate,
    ExceptionKind,
    Visit,
    VisitStatus,
)
from painpath.models.therapy_course import (
    ClinicSetting,
    TherapyAssessment,
    TherapyCheck,
    TherapyCourse,
    TherapyInjection,
    TherapyProgram,
    TherapyTrialDay,
)
from painpath.models.user import ApiToken, LoginAttempt, User
from painpath.models.wearable import (
    WearableDay,
    WearableImport,
    WearableImportStatus,
    WearableSample,
)

__all__ = [
    "AdministrativeGender",
    "Alert",
    "AlertSeverity",
    "AlertStatus",
    "AlertThresholdOverride",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "AuditEventUnchained",
    "AuditOutcome",
    "AuthSession",
    "AvailabilityException",
    "AvailabilityTemplate",
    "CareActivityStatus",
    "CareGoalAchievement",
    "CareGoalLifecycle",
    "CarePlan",
    "CarePlanActivity",
    "CarePlanGoal",
    "CarePlanSession",
    "CarePlanStatus",
    "CareSessionStatus",
    "CareStopReason",
    "CareTeam",
    "CareTeamParticipant",
    "CareTherapyTried",
    "CdsFeedback",
    "CdsIssuedCard",
    "CdsSeenToken",
    "CdsSnooze",
    "ClinicSetting",
    "ClinicianTimeEntry",
    "Condition",
    "ConditionCodeSystem",
    "ConditionStatus",
    "ExceptionKind",
    "GenotypeResult",
    "LoginAttempt",
    "LoginThrottle",
    "MedicationAdministration",
    "MedicationFill",
    "MedicationRequest",
    "MedicationRequestStatus",
    "Message",
    "MessageAttachment",
    "MessageReadState",
    "MessageThread",
    "MonitoringProgram",
    "Observation",
    "ObservationStatus",
    "OccurrenceEvent",
    "OutboxMessage",
    "OutboxStatus",
    "PainDiaryEntry",
    "PasswordResetCode",
    "Patient",
    "PgxReport",
    "PgxSourceKind",
    "QuestionnaireAssignment",
    "QuestionnaireOccurrenceLog",
    "QuestionnaireResponse",
    "RecoveryCode",
    "Recurrence",
    "Role",
    "SyncBatch",
    "SyncChange",
    "SyncSequence",
    "TherapyAssessment",
    "TherapyCheck",
    "TherapyCourse",
    "TherapyInjection",
    "TherapyProgram",
    "TherapyTrialDay",
    "TherapyTriedStatus",
    "User",
    "Visit",
    "VisitStatus",
    "WearableDay",
    "WearableImport",
    "WearableImportStatus",
    "WearableSample",
]
