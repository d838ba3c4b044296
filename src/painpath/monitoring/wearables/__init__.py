"""Wearable imports: Apple Health, Google Takeout (Fitbit), Open mHealth and FHIR Observations,
normalized to `Sample`s, then daily summaries and a data-completeness view per patient day.

Pure Python: files in, values out. Storing samples (idempotently, by `client_id`) is the
services layer's job.
"""

from painpath.monitoring.wearables.completeness import (
    DayCompleteness,
    Reason,
    Status,
    Stream,
    StreamStatus,
    completeness,
)
from painpath.monitoring.wearables.daily import DailyAggregator, DailySummary, daily_summaries
from painpath.monitoring.wearables.errors import FileProblem, ImportReport, WearableFileError
from painpath.monitoring.wearables.model import (
    Metric,
    Modality,
    Sample,
    SleepStage,
    SourceKind,
)
from painpath.monitoring.wearables.registry import (
    Importer,
    ImportSource,
    Probe,
    detect,
    import_file,
    importers,
    register,
)

__all__ = [
    "DailyAggregator",
    "DailySummary",
    "DayCompleteness",
    "FileProblem",
    "ImportReport",
    "ImportSource",
    "Importer",
    "Metric",
    "Modality",
    "Probe",
    "Reason",
    "Sample",
    "SleepStage",
    "SourceKind",
    "Status",
    "Stream",
    "StreamStatus",
    "WearableFileError",
    "completeness",
    "daily_summaries",
    "detect",
    "import_file",
    "importers",
    "register",
]
