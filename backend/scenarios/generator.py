"""A complete, realistic municipality from a preset and a seed: teams, staff, rota, recipients, vedtak.

Deterministic for (preset, places, seed, start, days): the same input gives the same JSON, byte for byte.
Recipients live at real addressed buildings of the OSM extract that the road network reaches; sampling
buildings uniformly puts more recipients where buildings are dense. Teams are geographic sectors around
one shared base (the most central building). docs/scenarios.md ties every parameter to its source.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from backend.common.phone import normalise_mobile
from backend.scenarios.presets import Preset, ShiftFigures
from maps import AddressPoint

SLOTS = {  # agreed windows clustered at the peaks (A 915) and meal times
    "morgen": ((8, 9), (8, 10)),
    "lunsj": ((12, 13), (12, 14)),
    "middag": ((16, 17), (16, 18)),
    "kveld": ((21, 22), (20, 22)),
}
VISITS_PER_DAY = ([1, 2, 3, 4], [50, 30, 13, 7])  # 1-4 visits a day
# The calibrated demand (preset.demand == "calibrated", docs/scenarios.md): agreed times spread as real ones
# are, the 08-09 and 21-22 peaks still the busiest (A 915); 60- or 120-minute windows (B 801-871); lunch
# around 13:30 and dinner around 16:30 (B 881-887); many users helped a few times a week, not daily.
SPREAD_STARTS = {
    "morgen": (("07:30", "08:00", "08:30", "09:00", "09:30", "10:00"), (10, 28, 22, 18, 12, 10)),
    "lunsj": (("11:00", "11:30", "12:00", "12:30", "13:00"), (15, 20, 30, 20, 15)),
    "middag": (("15:30", "16:00", "16:30", "17:00"), (20, 35, 30, 15)),
    "kveld": (("19:00", "19:30", "20:00", "20:30", "21:00"), (12, 13, 20, 20, 35)),
}
SPREAD_WIDTHS = ([60, 120], [60, 40])
LATEST_WINDOW_END = "22:00"  # the evening shift ends 22:30
FREQUENCY = (["daily", "few", "weekly"], [45, 32, 23])  # every day; 2-3 weekdays; one weekday
FEW_VISIT_LABELS = (["morgen", "lunsj"], [70, 30])  # practical help, shower: once on the day
DOUBLE_STAFFED_SHARE = 0.05
NURSE_TASK_SHARE = 0.25  # medication, wound care
DAY_CENTRE_SHARE = 0.05
CONSENT_SHARE = 0.7
NEXT_OF_KIN_SHARE = 0.6
NEXT_OF_KIN_CONSENT_SHARE = 0.8
NYNORSK_SHARE = 0.1
PRIMARY_CONTACT_SHARE = 0.7
EMPLOYMENT = ([100, 80, 60, 50, 40, 20], [20, 15, 15, 20, 15, 15])  # mean ~57 %, cf. average position 51 %


@dataclass
class Scenario:
    preset: str
    seed: int
    start: str
    days: int
    municipality: dict[str, Any]
    teams: list[dict[str, Any]] = field(default_factory=list)
    carers: list[dict[str, Any]] = field(default_factory=list)
    rota: list[dict[str, Any]] = field(default_factory=list)
    recipients: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True)


def minutes(rng: random.Random) -> int:
    """Visit minutes 10-60, lognormal with median ~20 ("disse tjue minuttene", B 1224)."""
    return max(10, min(60, round(rng.lognormvariate(math.log(20), 0.45) / 5) * 5))


def _central(points: Sequence[AddressPoint]) -> AddressPoint:
    lat, lon = statistics.median(p.lat for p in points), statistics.median(p.lon for p in points)
    return min(points, key=lambda p: (p.lat - lat) ** 2 + (p.lon - lon) ** 2)


def _sectors(points: Sequence[AddressPoint], base: AddressPoint, teams: int) -> list[list[AddressPoint]]:
    """Equal-sized geographic sectors around the base (by bearing)."""
    ordered = sorted(
        points,
        key=lambda p: math.atan2(p.lat - base.lat, (p.lon - base.lon) * math.cos(math.radians(base.lat))),
    )
    size = math.ceil(len(ordered) / teams)
    return [ordered[i * size : (i + 1) * size] for i in range(teams)]


MOBILE_PREFIXES = ("40", "41", "46", "47", "48", "90", "91", "92", "93", "94", "95", "97", "98", "99")


def _mobile(rng: random.Random) -> str:
    """A valid Norwegian mobile number (drawn again until the numbering plan accepts it)."""
    while True:
        number = f"+47{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 999_999):06d}"
        try:
            return normalise_mobile(number)
        except ValueError:
            continue


TIME_CRITICAL_TASKS = ("insulin", "medisiner")  # at fixed times: never moved by renegotiation


def _visit(rng: random.Random, label: str, day_centre: bool) -> dict[str, Any]:
    if day_centre:  # ready before the day-centre bus: a hard latest start
        return {
            "label": label,
            "window_start": "07:30",
            "window_end": "08:30",
            "window_hard": True,
            "priority": "day_centre",
            "latest_start": "08:15",
            "tasks": [{"name": "morgenstell", "minutes": minutes(rng)}],
        }
    short, long = SLOTS[label]
    start, end = short if rng.random() < 0.5 else long
    nurse = rng.random() < NURSE_TASK_SHARE
    task = (
        {
            "name": (name := rng.choice(["medisiner", "sårstell", "insulin"])),
            "minutes": minutes(rng),
            "competence": "sykepleier",
            "time_critical": name in TIME_CRITICAL_TASKS,
        }
        if nurse
        else {
            "name": {"morgen": "morgenstell", "lunsj": "måltid", "middag": "middag", "kveld": "kveldsstell"}[
                label
            ],
            "minutes": minutes(rng),
        }
    )
    return {
        "label": label,
        "window_start": f"{start:02d}:00",
        "window_end": f"{end:02d}:00",
        "double_staffed": rng.random() < DOUBLE_STAFFED_SHARE,
        "tasks": [task],
    }


def _spread_window(rng: random.Random, label: str) -> tuple[str, str]:
    starts, weights = SPREAD_STARTS[label]
    begin = rng.choices(starts, weights)[0]
    width = rng.choices(*SPREAD_WIDTHS)[0]
    hour, minute = map(int, begin.split(":"))
    end_minutes = min(hour * 60 + minute + width, 22 * 60)
    return begin, f"{end_minutes // 60:02d}:{end_minutes % 60:02d}"


def _daily_labels(rng: random.Random) -> list[str]:
    """Which of the day's slots a daily vedtak has: 1-4, a single visit mostly in the morning."""
    count = rng.choices(*VISITS_PER_DAY)[0]
    names = list(SLOTS)
    chosen = sorted(rng.sample(names, count), key=names.index)
    return ["morgen"] if count == 1 and rng.random() < 0.6 else chosen


def _vedtak(
    recipient: int, start: dt.date, weekdays: list[int], visits: list[dict[str, Any]], day_centre: bool
) -> dict[str, Any]:
    """The vedtak record: lunch → dinner linked where both are asked for; day-centre users on weekdays."""
    labels = [v["label"] for v in visits]
    links = (
        [{"from_label": "lunsj", "to_label": "middag", "min_gap_minutes": 180, "max_gap_minutes": 360}]
        if "lunsj" in labels and "middag" in labels
        else []
    )
    if day_centre:
        weekdays = [d for d in weekdays if d <= 5] or [1, 3]
    return {
        "recipient": recipient,
        "reference": f"V-{recipient:04d}",
        "valid_from": start.isoformat(),
        "weekdays": weekdays,
        "visits": visits,
        "links": links,
    }


def _calibrated_decision(rng: random.Random, recipient: int, start: dt.date) -> dict[str, Any]:
    """A vedtak of the calibrated demand: how often first (daily, a few weekdays, weekly), then the visits."""
    frequency = rng.choices(*FREQUENCY)[0]
    if frequency == "daily":
        chosen = _daily_labels(rng)
        weekdays = list(range(1, 8))
    else:
        chosen = [rng.choices(*FEW_VISIT_LABELS)[0]]
        weekdays = sorted(rng.sample(range(1, 6), rng.choice([2, 3]) if frequency == "few" else 1))
    day_centre = "morgen" in chosen and rng.random() < DAY_CENTRE_SHARE / 0.8
    visits = []
    for name in chosen:
        visit = _visit(rng, name, day_centre and name == "morgen")
        if not visit.get("window_hard"):
            visit["window_start"], visit["window_end"] = _spread_window(rng, name)
        visits.append(visit)
    return _vedtak(recipient, start, weekdays, visits, day_centre)


def _decision(rng: random.Random, recipient: int, start: dt.date) -> dict[str, Any]:
    chosen = _daily_labels(rng)
    day_centre = "morgen" in chosen and rng.random() < DAY_CENTRE_SHARE / 0.8
    visits = [_visit(rng, name, day_centre and name == "morgen") for name in chosen]
    weekdays = (
        list(range(1, 8)) if rng.random() < 0.65 else sorted(rng.sample(range(1, 8), rng.choice([2, 3, 5])))
    )
    return _vedtak(recipient, start, weekdays, visits, day_centre)


def _staff(rng: random.Random, preset: Preset) -> list[dict[str, Any]]:
    nurses = round(preset.staff * preset.nurse_share)
    people = []
    for index in range(preset.staff):
        nurse = index < nurses
        competence = (
            "sykepleier"
            if nurse
            else rng.choices(["helsefagarbeider", "assistent", "vernepleier"], [70, 20, 10])[0]
        )
        people.append(
            {
                "key": index,
                "name": f"Pleier {index + 1:03d}",
                "team": index % preset.teams,
                "competences": [competence],
                "employment_pct": rng.choices(*EMPLOYMENT)[0],
                "transport_mode": preset.transport.value,
                "phone": _mobile(rng),
            }
        )
    return people


def _figures(preset: Preset, day: dt.date) -> list[tuple[str, ShiftFigures]]:
    weekend = day.isoweekday() >= 6
    return [
        ("day", preset.weekend_day if weekend else preset.weekday_day),
        ("evening", preset.weekend_evening if weekend else preset.weekday_evening),
        ("night", preset.night),
    ]


def _rota(
    rng: random.Random, preset: Preset, staff: list[dict[str, Any]], start: dt.date, days: int
) -> list[dict[str, Any]]:
    """Per date and shift the preset's number of carers (and nurses), spread over the teams; people with
    a larger position and fewer shifts so far are chosen first; nobody works twice a day."""
    worked: Counter[int] = Counter()
    rota = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        busy: set[int] = set()
        for shift, figures in _figures(preset, day):
            teams = [0] if shift == "night" else list(range(preset.teams))
            for slot in range(figures.carers):
                team = teams[slot % len(teams)]
                nurse = slot < figures.nurses
                pool = [
                    p
                    for p in staff
                    if p["key"] not in busy
                    and ("sykepleier" in p["competences"]) == nurse
                    and (shift == "night" or p["team"] == team)
                ]
                if not pool:
                    pool = [
                        p
                        for p in staff
                        if p["key"] not in busy and ("sykepleier" in p["competences"]) == nurse
                    ]
                if not pool:
                    continue
                person = min(pool, key=lambda p: (worked[p["key"]] / p["employment_pct"], rng.random()))
                busy.add(person["key"])
                worked[person["key"]] += 1
                entry = {
                    "carer": person["key"],
                    "date": day.isoformat(),
                    "shift_kind": shift,
                    "start": figures.start.isoformat("minutes"),
                    "end": figures.end.isoformat("minutes"),
                }
                if figures.break_minutes:
                    entry |= {
                        "break_earliest": figures.break_earliest.isoformat("minutes"),  # type: ignore[union-attr]
                        "break_latest": figures.break_latest.isoformat("minutes"),  # type: ignore[union-attr]
                        "break_minutes": figures.break_minutes,
                    }
                rota.append(entry)
    return rota


def generate(
    preset: Preset, places: Sequence[AddressPoint], *, seed: int, start: dt.date, days: int = 7
) -> Scenario:
    """Why: every claim (fewer late visits, every late visit noticed) must be measured on realistic data."""
    rng = random.Random(seed)
    candidates = sorted(places, key=lambda p: (p.label, p.lat, p.lon))
    if len(candidates) < preset.recipients + 1:
        raise ValueError(
            f"utdraget har bare {len(candidates)} adresser som veinettet når; forhåndsvalget «{preset.name}» "
            f"trenger {preset.recipients + 1}"
        )
    chosen = rng.sample(candidates, preset.recipients + 1)
    base = _central(chosen)
    homes = [p for p in chosen if p is not base]
    scenario = Scenario(
        preset.name,
        seed,
        start.isoformat(),
        days,
        municipality={
            "name": f"{preset.name.capitalize()} kommune (generert)",
            "notice_phone": "+4732220000",
        },
    )
    areas = _sectors(homes, base, preset.teams)
    colours = ["gul", "blå", "grønn", "rød", "lilla", "oransje", "grå", "brun"]
    for index in range(preset.teams):
        scenario.teams.append(
            {
                "key": index,
                "name": f"Team {colours[index % len(colours)]}",
                "base_address": base.label,
                "base_lat": base.lat,
                "base_lon": base.lon,
            }
        )
    scenario.carers = _staff(rng, preset)
    scenario.rota = _rota(rng, preset, scenario.carers, start, days)
    number = 0
    for team, area in enumerate(areas):
        team_carers = [c["key"] for c in scenario.carers if c["team"] == team]
        for place in area:
            number += 1
            kin = []
            if rng.random() < NEXT_OF_KIN_SHARE:
                kin.append(
                    {
                        "name": f"Pårørende {number:04d}",
                        "relation": rng.choice(["datter", "sønn", "ektefelle"]),
                        "phone": _mobile(rng),
                        "notice_consent": rng.random() < NEXT_OF_KIN_CONSENT_SHARE,
                    }
                )
            scenario.recipients.append(
                {
                    "key": number,
                    "name": f"Bruker {number:04d}",
                    "external_id": f"B-{number:04d}",
                    "address": place.label,
                    "lat": place.lat,
                    "lon": place.lon,
                    "team": team,
                    "phone": _mobile(rng),
                    "notice_consent": rng.random() < CONSENT_SHARE,
                    "language": "nn" if rng.random() < NYNORSK_SHARE else "nb",
                    "access_notes": rng.choice(
                        ["", "", "Nøkkelboks ved døren", "Ring på, dør 2. etasje", "Inngang bak huset"]
                    ),
                    "primary_carer": rng.choice(team_carers)
                    if team_carers and rng.random() < PRIMARY_CONTACT_SHARE
                    else None,
                    "next_of_kin": kin,
                }
            )
            make = _calibrated_decision if preset.demand == "calibrated" else _decision
            scenario.decisions.append(make(rng, number, start))
    return scenario
