"""Enumerations stored in the database. Values are English identifiers; labels are Norwegian."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Staff login roles (ansatt), never care recipients."""

    admin = "admin"
    coordinator = "coordinator"
    carer = "carer"
    manager = "manager"


class TravelMode(StrEnum):
    car = "car"
    walk = "walk"
    bike = "bike"


class ShiftKind(StrEnum):
    """vakt: dag / kveld / natt."""

    day = "day"
    evening = "evening"
    night = "night"


class AbsenceReason(StrEnum):
    """fravær: sykemelding, egenmelding, ferie, kurs, permisjon, annet."""

    sick_leave = "sick_leave"
    self_certified = "self_certified"
    holiday = "holiday"
    course = "course"
    leave = "leave"
    other = "other"


class ServiceType(StrEnum):
    """hjemmesykepleie / praktisk bistand."""

    home_nursing = "home_nursing"
    practical_help = "practical_help"


class VisitPriority(StrEnum):
    """dagsenter: must be ready before the day-centre transport (hard latest start)."""

    normal = "normal"
    day_centre = "day_centre"


class Language(StrEnum):
    """bokmål / nynorsk for texts sent to the recipient."""

    nb = "nb"
    nn = "nn"


class PlanStatus(StrEnum):
    draft = "draft"
    published = "published"
    superseded = "superseded"


class VisitEventKind(StrEnum):
    check_in = "check_in"
    check_out = "check_out"
    cancel = "cancel"  # the visit was not done (with a NotDoneReason)
    undo = "undo"  # corrects the carer's own last event within UNDO_WINDOW; never deletes it


class NotDoneReason(StrEnum):
    """Why a visit was not done; «ikke hjemme» alerts the coordinator at once (the person may have fallen)."""

    not_home = "not_home"
    cancelled_by_recipient = "cancelled_by_recipient"
    hospital = "hospital"
    other = "other"


class VisitStatus(StrEnum):
    """Where a planned visit stands, from the carer's events (backend.visits.status)."""

    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


NORWEGIAN_LABELS: dict[str, str] = {
    "day": "dag",
    "evening": "kveld",
    "night": "natt",
    "car": "bil",
    "walk": "til fots",
    "bike": "sykkel",
    "coordinator": "fagkoordinator",
    "carer": "pleier",
    "manager": "leder",
    "admin": "administrator",
    "draft": "utkast",
    "published": "publisert",
    "superseded": "erstattet",
}
