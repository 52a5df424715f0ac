"""Replays a published day minute by minute through the real API: every carer drives and visits on drawn
times and reports check-in/out from the tablet endpoints; the coordinator reports sick carers at 07:30 and
adds an urgent visit at 10:00, re-planning and publishing through the planning endpoints; the server runs on
the simulated clock, so its ETA rules, notices and the console SMS gateway act as they would that day."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from backend.common.localtime import local_clock, local_instant
from backend.simulation.draws import SICK_LEAVE_RATE, Draws

SICK_CALL = dt.time(7, 30)
URGENT_CALL = dt.time(10, 0)
URGENT_WINDOW = (dt.time(10, 30), dt.time(12, 0))
PARTNER_PATIENCE = dt.timedelta(minutes=30)  # then the visit is started alone
# the coordinator looks at the live view and re-plans lists running late (not at the sick and urgent calls)
CATCH_UP_CALLS = tuple(dt.time(hour, 15) for hour in (8, 9, 11, 12, 13, 15, 16, 17, 18, 19, 20))
EVENT_NAMESPACE = uuid.UUID("6f1c5a52-9a55-4e7e-9d1c-2b0f4c1de7a1")


class SimulationError(RuntimeError):
    """The API refused what the simulator did: a bug in the simulator or the product, never hidden."""


@dataclass
class SimClock:
    """The simulated instant the server reads through `server_clock` (backend.common.types)."""

    now: dt.datetime

    def read(self) -> dt.datetime:
        return self.now


@dataclass(frozen=True)
class Options:
    day: dt.date
    seed: int
    replan: bool = True
    notices: bool = True
    tick_minutes: int = 1
    early_tolerance: dt.timedelta = dt.timedelta(0)
    sick_rate: float = SICK_LEAVE_RATE  # each day-shift carer calls in sick at 07:30 with this probability
    stand_ins: bool = False  # the coordinator calls in the first stand-in of the team offered for each


@dataclass(frozen=True)
class StopInfo:
    stop_id: int
    carer_id: int
    recipient_id: int
    decision_visit_id: int
    window_start: dt.datetime
    window_end: dt.datetime
    seconds: int  # planned visit length (vedtak minutes)


@dataclass
class Walker:
    """One carer on the simulated day: a queue of visits, driving, visiting, a break."""

    carer_id: int
    team_id: int
    shift_kind: str
    shift_start: dt.datetime
    shift_end: dt.datetime
    break_start: dt.datetime | None
    break_minutes: int
    queue: list[StopInfo]
    place: int | None = None  # recipient id; None = the team's base
    free_at: dt.datetime | None = None
    heading: tuple[StopInfo, dt.datetime] | None = None
    visiting: tuple[StopInfo, dt.datetime] | None = None
    break_done: bool = False
    sick: bool = False
    legs: int = 0

    @property
    def finished(self) -> bool:
        return self.sick or (not self.queue and self.heading is None and self.visiting is None)


@dataclass
class DayLog:
    """What the replay did, for the printed summary."""

    events: int = 0
    sick_carers: list[int] = field(default_factory=list)
    stand_ins: dict[int, int] = field(default_factory=dict)  # sick carer → the colleague called in
    urgent_recipient: int | None = None
    replans: int = 0
    catch_ups: int = 0  # of the re-plans: lists running late, published because fewer visits end up late
    replan_seconds: list[float] = field(default_factory=list)
    abandoned_stops: int = 0


class Api:
    """The real HTTP API (in-process ASGI client), as the coordinator or as one carer."""

    def __init__(
        self,
        client: TestClient,
        coordinator_token: str,
        carer_tokens: dict[int, str],
        login: Callable[[int], str] | None = None,
    ) -> None:
        self.client, self.coordinator_token, self.carer_tokens = client, coordinator_token, carer_tokens
        self.login = login  # a token for a carer called in during the day

    def call(self, method: str, path: str, *, token: str, body: Any = None) -> Any:
        response = self.client.request(
            method, f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code >= 400:
            raise SimulationError(f"{method} {path} → {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def as_coordinator(self, method: str, path: str, body: Any = None) -> Any:
        return self.call(method, path, token=self.coordinator_token, body=body)

    def as_carer(self, carer_id: int, method: str, path: str, body: Any = None) -> Any:
        if carer_id not in self.carer_tokens and self.login is not None:
            self.carer_tokens[carer_id] = self.login(carer_id)
        return self.call(method, path, token=self.carer_tokens[carer_id], body=body)


def _instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def by_list(plans: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    """Published plans by (team, shift): read again after a publication, since a re-plan's helpers publish
    newer lists of other teams."""
    return {(p["team_id"], p["shift_kind"]): p for p in plans}


def handed_over(stops: list[dict[str, Any]], start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """A list's visits at their planned times, moved later where the shift starts later (keeping the
    drive between two visits), to the whole minute; the visits that would end after the shift are left."""
    laid: list[dict[str, Any]] = []
    previous_end = previous_new_end = None
    for stop in stops:
        if not stop["decision_visit_id"]:
            continue
        planned, planned_end = _instant(stop["planned_start"]), _instant(stop["planned_end"])
        at = max(planned, start)
        if previous_end is not None and previous_new_end is not None:
            at = max(at, previous_new_end + (planned - previous_end))
        at = at.replace(second=0, microsecond=0)
        if at + (planned_end - planned) > end:
            break
        laid.append({"decision_visit_id": stop["decision_visit_id"], "planned_start": local_clock(at)})
        previous_end, previous_new_end = planned_end, at + (planned_end - planned)
    return laid


class DayReplay:
    def __init__(
        self,
        api: Api,
        options: Options,
        draws: Draws,
        travel: Callable[[int, int | None, int], int],
        clock: SimClock,
    ) -> None:
        self.api, self.options, self.draws, self.travel, self.clock = api, options, draws, travel, clock
        self.log = DayLog()
        self.walkers: dict[tuple[int, str], Walker] = {}
        self.started_by: dict[int, set[int]] = defaultdict(set)  # decision visit → carers who started it
        self.halves: dict[int, int] = {}  # decision visit → stops it has in the published plans

    # ---- the published plans --------------------------------------------------------------------------

    def published(self) -> list[dict[str, Any]]:
        plans = self.api.as_coordinator("GET", f"/plans?date={self.options.day.isoformat()}")
        return [p for p in plans if p["status"] == "published"]

    def load(self, team_id: int | None = None) -> None:
        """Take the published lists (all, or one team's after a re-plan) into the walkers' queues."""
        for plan in self.published():
            if team_id is not None and plan["team_id"] != team_id:
                continue
            counts: dict[int, int] = defaultdict(int)
            for route in plan["routes"]:
                for stop in route["stops"]:
                    counts[stop["decision_visit_id"] or 0] += 1
            self.halves.update(counts)
            for route in plan["routes"]:
                self._take_route(plan, route)
            listed = {r["carer_id"] for r in plan["routes"]}
            for walker in self.walkers.values():  # a carer the new plan no longer uses goes home
                same_list = walker.team_id == plan["team_id"] and walker.shift_kind == plan["shift_kind"]
                if same_list and walker.carer_id not in listed:
                    walker.queue, walker.heading = [], None

    def _take_route(self, plan: dict[str, Any], route: dict[str, Any]) -> None:
        carer_id = route["carer_id"]
        stops = [
            StopInfo(
                s["id"],
                carer_id,
                s["recipient_id"],
                s["decision_visit_id"] or 0,
                _instant(s["window_start"]),
                _instant(s["window_end"]),
                int((_instant(s["planned_end"]) - _instant(s["planned_start"])).total_seconds()),
            )
            for s in route["stops"]
        ]
        todo = [s for s in stops if not self._started(s)]
        key = (carer_id, plan["shift_kind"])
        walker = self.walkers.get(key)
        if walker is None:
            if not stops:
                return
            self.walkers[key] = Walker(
                carer_id,
                plan["team_id"],
                plan["shift_kind"],
                _instant(route["shift_start"]) if route["shift_start"] else stops[0].window_start,
                _instant(route["shift_end"]) if route["shift_end"] else stops[-1].window_end,
                _instant(route["break_start"]) if route["break_start"] else None,
                route["break_minutes"],
                todo,
                sick=carer_id in self.log.sick_carers,
            )
            return
        walker.queue = todo
        if walker.heading is not None:
            target = walker.heading[0]
            if todo and todo[0].decision_visit_id == target.decision_visit_id:
                walker.heading = (todo[0], walker.heading[1])
            else:  # the coordinator moved the visit it was driving to: turn towards the new first visit
                walker.heading = None
                walker.free_at = self.clock.now

    def _started(self, stop: StopInfo) -> bool:
        done = self.started_by[stop.decision_visit_id]
        return stop.carer_id in done or len(done) >= max(1, self.halves.get(stop.decision_visit_id, 1))

    # ---- the coordinator ----------------------------------------------------------------------------

    def _replan_job(self, plan_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """The re-plan job's result: the new draft and the neighbours' drafts that took what did not fit."""
        began = time.monotonic()
        job = self.api.as_coordinator("POST", f"/plans/{plan_id}/replan", body)
        while job["status"] in ("queued", "running"):
            time.sleep(0.2)
            job = self.api.as_coordinator("GET", f"/jobs/{job['id']}")
        if job["status"] != "done":
            raise SimulationError(f"re-plan failed: {job.get('error')}")
        self.log.replan_seconds.append(time.monotonic() - began)
        return dict(job["result"])

    def _publish(self, result: dict[str, Any]) -> None:
        """The re-plan's draft and its neighbours' drafts (what did not fit) published and walked."""
        for plan_id in [result["plan_id"], *result.get("help_plan_ids", [])]:
            published = self.api.as_coordinator("POST", f"/plans/{plan_id}/publish")
            self.load(published["team_id"])
        self.log.replans += 1

    def _replan(self, plan_id: int, body: dict[str, Any]) -> None:
        self._publish(self._replan_job(plan_id, body))

    def catch_up(self, at: dt.time) -> None:
        """A list of a shift under way whose live view expects visits after their agreed window is
        re-planned from now; the draft is published where fewer of the visits still to come are late or
        left out than the live view expects (a colleague with time takes what the late carer cannot reach
        in time), and deleted otherwise."""
        now = self.clock.now
        lists = by_list(self.published())
        for key in list(lists):
            plan = lists[key]
            under_way = [r for r in plan["routes"] if r["shift_start"] and r["shift_end"]]
            if not any(_instant(r["shift_start"]) <= now < _instant(r["shift_end"]) for r in under_way):
                continue
            live = self.api.as_coordinator("GET", f"/plans/{plan['id']}/live")
            expected = sum(r["late_visits"] for r in live["routes"])
            if not expected:
                continue
            result = self._replan_job(plan["id"], {"from_time": at.isoformat("minutes")})
            draft = self.api.as_coordinator("GET", f"/plans/{result['plan_id']}")
            late = sum(
                1 for r in draft["routes"] for s in r["stops"] if not s["fixed"] and s["lateness_seconds"]
            )
            left_out = max(0, len(draft["unassigned"]) - len(plan["unassigned"]))
            if late + left_out < expected:
                self._publish(result)
                self.log.catch_ups += 1
                lists = by_list(self.published())
            else:
                for draft_id in [result["plan_id"], *result.get("help_plan_ids", [])]:
                    self.api.as_coordinator("DELETE", f"/plans/{draft_id}")

    def sick_calls(self) -> None:
        """07:30: carers of the day shift call in sick (for the rest of the day); with re-planning every
        list of theirs that day, day and evening, goes to colleagues."""
        plans = self.published()
        carers = [r["carer_id"] for p in plans if p["shift_kind"] == "day" for r in p["routes"]]
        sick = self.draws.sick(carers)
        self.log.sick_carers = sick
        until = local_instant(self.options.day + dt.timedelta(days=1), dt.time(0, 0))
        for walker in self.walkers.values():
            walker.sick = walker.carer_id in sick
        for carer_id in sick:
            self.api.as_coordinator(
                "POST",
                "/absences",
                {
                    "carer_id": carer_id,
                    "start": self.clock.now.isoformat(),
                    "end": until.isoformat(),
                    "reason": "sick_leave",
                    "note": "meldt syk kl. 07:30",
                },
            )
        if self.options.stand_ins:
            self.call_in_stand_ins(sick)
        if not self.options.replan:
            self.hand_over(plans)
            return
        lists = by_list(plans)
        for key in list(lists):
            if any(r["carer_id"] in sick for r in lists[key]["routes"]):
                self._replan(lists[key]["id"], {"from_time": SICK_CALL.isoformat("minutes")})
                lists = by_list(self.published())

    def _day_shifts(self) -> dict[int, dict[str, Any]]:
        """The day's day-shift rota entries by carer."""
        entries = self.api.as_coordinator("GET", f"/rota?date={self.options.day.isoformat()}")
        return {e["carer_id"]: e for e in entries if e["shift_kind"] == "day"}

    def call_in_stand_ins(self, sick: list[int]) -> None:
        """For each sick carer's day shift, the first stand-in the product offers from the same team (a
        colleague off that day who keeps the rest rules), called in from when they can start."""
        shifts = self._day_shifts()
        for carer_id in sick:
            if carer_id not in shifts:
                continue
            entry_id = shifts[carer_id]["id"]
            offered = self.api.as_coordinator("GET", f"/rota/{entry_id}/stand-ins")
            chosen = next((s for s in offered if s["same_team"]), None)
            if chosen is None:
                continue
            self.api.as_coordinator("POST", f"/rota/{entry_id}/stand-ins", {"carer_id": chosen["carer_id"]})
            self.log.stand_ins[carer_id] = chosen["carer_id"]

    def hand_over(self, plans: list[dict[str, Any]]) -> None:
        """Without re-planning, as by hand: the stand-in takes the sick carer's list in its order, each visit
        moved later as far as the late start pushes it; what no longer fits the shift is left."""
        if not self.log.stand_ins:
            return
        shifts = self._day_shifts()  # read again: the stand-ins' shifts are new
        for plan in plans:
            if plan["shift_kind"] != "day" or not any(
                r["carer_id"] in self.log.stand_ins for r in plan["routes"]
            ):
                continue
            routes = []
            for route in plan["routes"]:
                carer_id = self.log.stand_ins.get(route["carer_id"], route["carer_id"])
                shift = shifts[carer_id]
                routes.append(
                    {
                        "carer_id": carer_id,
                        "stops": handed_over(
                            route["stops"], _instant(shift["start"]), _instant(shift["end"])
                        ),
                    }
                )
            body = {"date": plan["date"], "team_id": plan["team_id"], "shift_kind": "day", "routes": routes}
            draft = self.api.as_coordinator("POST", "/plans", body)
            published = self.api.as_coordinator("POST", f"/plans/{draft['id']}/publish")
            self.load(published["team_id"])

    def urgent_visit(self) -> None:
        """10:00: a recipient needs an urgent visit (30 min, 10:30-12:00) today."""
        day_plans = [p for p in self.published() if p["shift_kind"] == "day" and p["routes"]]
        if not day_plans:
            return
        recipients = sorted({s["recipient_id"] for p in day_plans for r in p["routes"] for s in r["stops"]})
        recipient = self.draws.pick(recipients)
        self.log.urgent_recipient = recipient
        plan = next(
            p
            for p in day_plans
            if any(s["recipient_id"] == recipient for r in p["routes"] for s in r["stops"])
        )
        visit = {
            "label": "Akuttbesøk",
            "window_start": URGENT_WINDOW[0].isoformat("minutes"),
            "window_end": URGENT_WINDOW[1].isoformat("minutes"),
            "tasks": [{"name": "Akutt tilsyn", "minutes": 30}],
        }
        if self.options.replan:
            self._replan(
                plan["id"],
                {
                    "from_time": URGENT_CALL.isoformat("minutes"),
                    "urgent_visit": {"recipient_id": recipient, **visit},
                },
            )
        else:  # registered as a one-day vedtak, as the console does, but nobody lays it into a list
            day = self.options.day
            self.api.as_coordinator(
                "POST",
                "/decisions",
                {
                    "recipient_id": recipient,
                    "valid_from": day.isoformat(),
                    "valid_to": day.isoformat(),
                    "weekdays": [day.isoweekday()],
                    "visits": [visit],
                },
            )

    # ---- the carers -------------------------------------------------------------------------------

    def _event(self, walker: Walker, stop: StopInfo, kind: str, at: dt.datetime) -> None:
        key = uuid.uuid5(EVENT_NAMESPACE, f"{self.options.seed}:{stop.stop_id}:{walker.carer_id}:{kind}")
        self.api.as_carer(
            walker.carer_id,
            "POST",
            "/visit-events",
            {"event_uuid": str(key), "stop_id": stop.stop_id, "kind": kind, "device_time": at.isoformat()},
        )
        self.log.events += 1

    def _partner_arrival(self, walker: Walker, stop: StopInfo, now: dt.datetime) -> tuple[bool, dt.datetime]:
        """(may start, not before): a double-staffed visit starts when the colleague is at the door too, or
        alone after PARTNER_PATIENCE (the colleague is sick or held up)."""
        assert walker.heading is not None
        alone = (True, walker.heading[1])
        if self.halves.get(stop.decision_visit_id, 1) < 2 or self.started_by[stop.decision_visit_id]:
            return alone
        for other in self.walkers.values():
            if other is walker or other.sick or other.heading is None:
                continue
            target, arrival = other.heading
            if target.decision_visit_id == stop.decision_visit_id and arrival <= now:
                return True, arrival
        return (now - walker.heading[1] >= PARTNER_PATIENCE, now)

    def step(self, walker: Walker, now: dt.datetime) -> None:
        if walker.sick:
            return
        if walker.visiting is not None and now >= walker.visiting[1]:
            stop, end = walker.visiting
            self._event(walker, stop, "check_out", end)
            walker.visiting, walker.place, walker.free_at = None, stop.recipient_id, end
        if walker.visiting is None and walker.heading is None and walker.queue:
            depart = max(walker.free_at or walker.shift_start, walker.shift_start)
            if walker.break_start and not walker.break_done and depart >= walker.break_start:
                depart += dt.timedelta(minutes=walker.break_minutes)
                walker.break_done = True
            if now >= depart:
                target = walker.queue[0]
                walker.legs += 1
                seconds = self.draws.travel_seconds(
                    str(walker.carer_id),
                    walker.legs,
                    self.travel(walker.carer_id, walker.place, target.recipient_id),
                )
                walker.heading = (target, depart + dt.timedelta(seconds=seconds))
        if walker.heading is not None and walker.visiting is None:
            stop, arrival = walker.heading
            ready = max(arrival, stop.window_start - self.options.early_tolerance)
            may_start, partner = self._partner_arrival(walker, stop, now)
            if now >= ready and may_start:
                start = max(ready, partner)
                self.started_by[stop.decision_visit_id].add(walker.carer_id)
                self._event(walker, stop, "check_in", start)
                seconds = self.draws.visit_seconds(
                    f"{stop.decision_visit_id}:{walker.carer_id}", stop.seconds // 60
                )
                walker.visiting = (stop, start + dt.timedelta(seconds=seconds))
                walker.heading = None
                if walker.queue and walker.queue[0] is stop:
                    walker.queue.pop(0)

    # ---- the day ----------------------------------------------------------------------------------

    def minutes(self) -> Iterator[dt.datetime]:
        start = min(w.shift_start for w in self.walkers.values())
        end = local_instant(self.options.day, dt.time(23, 59))
        t = start.replace(second=0, microsecond=0)
        while t <= end:
            yield t
            t += dt.timedelta(minutes=1)

    def run(self, tick: Callable[[], object]) -> DayLog:
        self.load()
        if not self.walkers:
            return self.log
        sick_at = local_instant(self.options.day, SICK_CALL)
        urgent_at = local_instant(self.options.day, URGENT_CALL)
        catch_ups = {local_instant(self.options.day, at): at for at in CATCH_UP_CALLS}
        for index, now in enumerate(self.minutes()):
            self.clock.now = now
            if now == sick_at:
                self.sick_calls()
            if now == urgent_at:
                self.urgent_visit()
            if now in catch_ups and self.options.replan:
                self.catch_up(catch_ups[now])
            for walker in sorted(self.walkers.values(), key=lambda w: w.carer_id):
                if walker.shift_start <= now or walker.visiting or walker.heading:
                    self.step(walker, now)
            if self.options.notices and index % self.options.tick_minutes == 0:
                tick()
            if now > max(sick_at, urgent_at) and all(
                w.finished and w.shift_end <= now for w in self.walkers.values()
            ):
                break
        self.log.abandoned_stops += sum(len(w.queue) for w in self.walkers.values() if not w.sick)
        return self.log
