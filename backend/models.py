"""Imports every table so SQLModel.metadata is complete (Alembic and create_all rely on it)."""

from backend.addresses.models import Address
from backend.agreements.models import ProposalRun, TimeProposal
from backend.audit.models import AccessLog
from backend.auth.models import ApiToken, CoordinatorTeam, User
from backend.carers.models import Carer
from backend.decisions.models import DecisionLink, DecisionVisit, ServiceDecision
from backend.jobs.models import JobRecord
from backend.kpis.models import KpiDirty, KpiWeek
from backend.municipality.models import MunicipalitySettings
from backend.notices.models import DelayReport, Notice, NoticeMessage
from backend.planning.models import Plan, Route, Stop
from backend.recipients.models import NextOfKin, Recipient
from backend.rota.models import Absence, RotaEntry
from backend.teams.models import Team
from backend.visits.models import VisitEvent

__all__ = [
    "Absence",
    "AccessLog",
    "Address",
    "ApiToken",
    "Carer",
    "CoordinatorTeam",
    "DecisionLink",
    "DecisionVisit",
    "DelayReport",
    "JobRecord",
    "KpiDirty",
    "KpiWeek",
    "MunicipalitySettings",
    "NextOfKin",
    "Notice",
    "NoticeMessage",
    "Plan",
    "ProposalRun",
    "Recipient",
    "RotaEntry",
    "Route",
    "ServiceDecision",
    "Stop",
    "Team",
    "TimeProposal",
    "User",
    "VisitEvent",
]
