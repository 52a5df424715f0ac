"""Stand-ins (vikar) for an absent carer's shift: who can be called in, and calling one in."""

from __future__ import annotations

from fastapi import APIRouter

from backend.auth.deps import CoordinatorDep
from backend.common.types import IdPath
from backend.db import SessionDep
from backend.planning.models import StandInCallIn, StandInPublic
from backend.planning.stand_ins import assess, call_in, entry_in_scope
from backend.rota.models import RotaEntry, RotaEntryPublic

router = APIRouter(tags=["turnus"])


@router.get(
    "/rota/{entry_id}/stand-ins",
    response_model=list[StandInPublic],
    summary="Who can stand in for an absent carer's shift, best first",
)
def list_stand_ins(entry_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> list[StandInPublic]:
    able, _ = assess(
        session, principal=principal, entry=entry_in_scope(session, principal=principal, entry_id=entry_id)
    )
    return [
        StandInPublic(
            carer_id=s.carer.id or 0,
            name=s.carer.name,
            team_id=s.carer.team_id,
            same_team=s.same_team,
            start=s.start,
            end=s.end,
            knows_recipients=s.knows_recipients,
            recipients=s.recipients,
            hours_this_week=s.hours_this_week,
            position_hours=s.position_hours,
        )
        for s in able
    ]


@router.post(
    "/rota/{entry_id}/stand-ins",
    response_model=RotaEntryPublic,
    status_code=201,
    summary="Call in a stand-in: the shift is added from when they can start",
)
def call_in_stand_in(
    entry_id: IdPath, data: StandInCallIn, session: SessionDep, principal: CoordinatorDep
) -> RotaEntry:
    entry = entry_in_scope(session, principal=principal, entry_id=entry_id)
    return call_in(session, principal=principal, entry=entry, carer_id=data.carer_id)
