"""The patient gate for page forms: the form's CSRF token first, then `open_patient`.

A browser form cannot send the X-CSRF-Token header the API's `access(...)` wants from a cookie
session, so a form post proves itself with its `csrf_token` field (`form_viewer`) and then
opens the patient through the same shared gate, which audits the access or the denial.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request

from painpath.auth.permissions import Permission
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.access import PatientAccess, open_patient
from painpath.web.deps import SessionDep, path_resource_id
from painpath.web.ui.deps import FormViewerDep


def _form_patient_access(
    permission: Permission, resource_type: str, action: str
) -> Callable[..., PatientAccess]:
    def dependency(
        request: Request,
        patient_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
        viewer: FormViewerDep,
        session: SessionDep,
    ) -> PatientAccess:
        return open_patient(
            session,
            actor=viewer.actor,
            patient_id=patient_id,
            permission=permission,
            action=action,
            resource_type=resource_type,
            resource_id=path_resource_id(request),
        )

    return dependency


def form_access(permission: Permission, resource_type: str, action: str = "create") -> object:
    """Annotated metadata: `Annotated[PatientAccess, form_access(perm, "Alert", "update")]`."""
    return Depends(_form_patient_access(permission, resource_type, action))
