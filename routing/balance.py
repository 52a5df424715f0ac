"""No carer idle while a visit waits: the balance term of the objective, and the pass that acts on it.

A carer on shift with no visit at all, while a visit they may do is late or (mandatory) left out that they
could have started inside its agreed window coming straight from their shift's start, is idle while work waits:
what a coordinator sees as «fem pleiere, to uten besøk, og besøk som kommer for sent». The objective
(routing.objective) counts such carers at `Weights.idle_carer` each; routing.check recomputes the count on
its own (its twin). Breaks are not considered (a carer with one visit can take the break around it), and
linked visits are not (their partner's start decides). routing.rebalance acts on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.on_time import linked_ids, on_time_window
from routing.plan import Route
from routing.problem import Carer, Problem, Visit


def could_start_on_time(problem: Problem, carer: Carer, visit: Visit) -> bool:
    """The carer may do the visit and, coming straight from the start of the shift, can start it inside its
    agreed window and be back by the shift's end."""
    if not problem.may_serve(carer, visit):
        return False
    first, last = on_time_window(visit)
    start = visit.start_from(
        max(first, carer.shift_start + problem.travel(carer.profile, carer.start_location, visit.location))
    )
    if start is None or start > last:
        return False
    back = problem.travel(carer.profile, visit.location, carer.end_location)
    return start + visit.duration + back <= carer.shift_end


def waiting_visits(problem: Problem, routes: Sequence[Route], dropped: Sequence[int]) -> list[Visit]:
    """Visits started after their agreed end or left out (mandatory ones: an optional visit left out has
    its own price), not linked: left out first, then the latest."""
    linked = linked_ids(problem)
    late = sorted(
        (
            (s.lateness, s.visit_id)
            for r in routes
            for s in r.stops
            if s.lateness > 0 and s.visit_id not in linked
        ),
        reverse=True,
    )
    left = [
        problem.visits[v]
        for v in dropped
        if problem.visits[v].mandatory and problem.visits[v].id not in linked
    ]
    return left + [problem.visits[problem.visit_index[v]] for _, v in late]


def idle_carers(problem: Problem, routes: Sequence[Route], dropped: Sequence[int]) -> int:
    """Carers with no visit (an empty route or none) while a visit they could have started on time waits,
    late or left out."""
    waiting = waiting_visits(problem, routes, dropped)
    busy = {route.carer_id for route in routes if route.stops}
    return sum(
        1
        for carer in problem.carers
        if carer.id not in busy and any(could_start_on_time(problem, carer, v) for v in waiting)
    )
