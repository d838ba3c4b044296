"""The questionnaires painpath scores, and each as a FHIR R4 Questionnaire (no patient data)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam

from painpath.monitoring.instruments import (
    InstrumentError,
    catalog,
    definition,
    to_fhir_questionnaire,
)
from painpath.services.errors import NotFound
from painpath.web.deps import ActorDep

router = APIRouter(prefix="/questionnaires", tags=["questionnaires"])

InstrumentId = Annotated[str, PathParam(min_length=1, max_length=64)]


@router.get("")
def list_questionnaires(actor: ActorDep) -> list[dict[str, Any]]:
    """Every instrument: id, title, version, source, licence note, LOINC codes, scoring."""
    return [found.describe() for found in catalog()]


@router.get("/{instrument_id}/fhir")
def questionnaire_as_fhir(instrument_id: InstrumentId, actor: ActorDep) -> dict[str, Any]:
    """The instrument as a FHIR R4 Questionnaire resource (LOINC-coded where codes exist)."""
    try:
        definition(instrument_id)
    except InstrumentError as error:
        raise NotFound(str(error), field="instrument_id") from None
    return to_fhir_questionnaire(instrument_id)
