"""What a coordinator does to a published day before re-planning: report a carer sick, add an urgent visit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.auth.service import Principal
from backend.common.enums import AbsenceReason
from backend.common.localtime import local_clock, local_instant, local_midnight
from backend.common.shifts import shift_of_hour
from backend.common.types import utcnow
from backend.decisions.models import DecisionCreate, DecisionVisitIn
from backend.decisions.service import create_decision
from backend.errors import Conflict, InvalidInput
from backend.planning.models import Plan, UrgentVisitIn
from backend.planning.service import routes_of
from backend.recipients.models import Recipient
from backend.rota.models import Absence, AbsenceCreate
from backend.rota.service import add_absence


def check_sick(session: Session, *, plan: Plan, carer_id: int) -> None:
    """Before anything is written: the carer reported sick has a list in the plan."""
    if carer_id not in {route.carer_id for route, _ in routes_of(session, plan.id or 0)}:
        raise InvalidInput(f"Pleier {carer_id} har ingen kjøreliste i denne planen.", field="absent_carer_id")


def report_sick(
    session: Session, *, principal: Principal, plan: Plan, carer_id: int, from_instant: dt.datetime
) -> None:
    """The carer is absent from `from_instant` to the end of the day (sykemelding); reported again (a
    second re-plan for the same call), the absence already registered stands."""
    check_sick(session, plan=plan, carer_id=carer_id)
    end_of_day = local_midnight(plan.date + dt.timedelta(days=1))
    already = session.exec(
        select(Absence).where(
            Absence.carer_id == carer_id, col(Absence.start) <= from_instant, col(Absence.end) >= end_of_day
        )
    ).first()
    if already is not None:
        return
    try:
        add_absence(
            session,
            principal=principal,
            data=AbsenceCreate(
                carer_id=carer_id,
                start=from_instant,
                end=end_of_day,
                reason=AbsenceReason.sick_leave,
                note="meldt syk fra koordinatorkonsollet",
            ),
        )
    except IntegrityError:  # a re-plan on the same sick call stored it a moment ago (uq_absence_same)
        session.rollback()


def check_urgent_visit(session: Session, *, plan: Plan, data: UrgentVisitIn) -> Recipient:
    """Before anything is written: the recipient is the plan team's (an error never names a recipient of
    another team) and the visit lies in the plan's shift."""
    recipient = session.get(Recipient, data.recipient_id)
    if recipient is None or recipient.team_id != plan.team_id:
        raise InvalidInput(
            f"Bruker {data.recipient_id} finnes ikke i planens team.", field="urgent_visit.recipient_id"
        )
    if shift_of_hour(data.window_start.hour) != plan.shift_kind:
        raise InvalidInput(
            f"Akuttbesøket ({data.window_start:%H:%M}) ligger ikke i planens vakt ({plan.shift_kind.value}).",
            field="urgent_visit.window_start",
        )
    return recipient


def add_urgent_visit(session: Session, *, principal: Principal, plan: Plan, data: UrgentVisitIn) -> None:
    """An urgent visit becomes a one-day vedtak of the plan's date, so every view and report sees it."""
    recipient = check_urgent_visit(session, plan=plan, data=data)
    create_decision(
        session,
        principal=principal,
        data=DecisionCreate(
            recipient_id=recipient.id or 0,
            valid_from=plan.date,
            valid_to=plan.date,
            weekdays=[plan.date.isoweekday()],
            visits=[
                DecisionVisitIn(
                    label=data.label,
                    window_start=data.window_start,
                    window_end=data.window_end,
                    tasks=data.tasks,
                    double_staffed=data.double_staffed,
                )
            ],
        ),
    )


PAST_TOLERANCE = dt.timedelta(minutes=1)  # the form shows minutes: "now" may be a few seconds gone


def replan_start(plan: Plan, clock: dt.time | None) -> dt.datetime:
    """When the re-plan starts: now when no time is given; never in the past, where what is planned
    has either happened or been missed, and never after the plan's day."""
    now = utcnow()
    day_start, day_end = local_midnight(plan.date), local_midnight(plan.date + dt.timedelta(days=1))
    if now >= day_end:
        raise Conflict("Dagen er over; den kan ikke planlegges på nytt.")
    if clock is None:
        return max(now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1), day_start)
    start = local_instant(plan.date, clock)
    if start < now - PAST_TOLERANCE:
        raise InvalidInput(
            f"Fra kl. {clock:%H:%M} er allerede passert (klokka er {local_clock(now)}). "
            "Planlegg om fra nå eller senere.",
            field="from_time",
        )
    return start
