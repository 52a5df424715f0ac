"""A plan in the coordinator's scope as a request dependency (the `{plan_id}` of the path)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.auth.deps import CoordinatorDep
from backend.common.types import IdPath
from backend.db import SessionDep
from backend.planning.models import Plan
from backend.planning.service import plan_in_scope


def plan_of_path(plan_id: IdPath, session: SessionDep, principal: CoordinatorDep) -> Plan:
    """404 for a plan that does not exist, 403 for one of another team (nothing about it is told)."""
    return plan_in_scope(session, principal=principal, plan_id=plan_id)


PlanInScopeDep = Annotated[Plan, Depends(plan_of_path)]
