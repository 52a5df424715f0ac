"""Double-staffed visits are placed where they cost the other visits least, and the on-time search never
loses a visit's place on time to the reserve it keeps before the agreed end."""

from __future__ import annotations

from dataclasses import replace

from routing import Problem, SameStart, SolveParams, check, on_time, pyvrp_engine, solve
from routing.frame import pair_frame
from tests.routing.builders import H, M, carer, line_matrix, visit

MORNING = tuple(visit(f"morgen{i}", i + 1, 8, 9, 25) for i in range(4))
LATE_MORNING = tuple(visit(f"formiddag{i}", i + 1, 10.5, 11.5, 25) for i in range(4))
LIFT = (visit("løft-a", 5, 8, 11, 45), visit("løft-b", 5, 8, 11, 45))


def _morning_and_a_lift() -> Problem:
    """Two carers, four visits agreed 08:00-09:00, four 10:30-11:30 and a double-staffed lift any time
    08:00-11:00: the lift at either end of its window holds both carers for 45 minutes and leaves two of the
    others late; between 09:00 and 10:30 it costs nothing."""
    return Problem(
        {"car": line_matrix(6, step=3 * M)},
        MORNING + LATE_MORNING + LIFT,
        (carer("kari"), carer("per")),
        (SameStart("løft-a", "løft-b"),),
    )


def test_the_lift_goes_between_the_busy_hours() -> None:
    problem = _morning_and_a_lift()
    placed = pair_frame(problem, seconds=0.5, seed=0, continuity_miss=0)
    assert placed is not None
    (carer_a, start_a), (carer_b, start_b) = placed["løft-a"], placed["løft-b"]
    assert start_a == start_b and carer_a != carer_b
    assert 8 * H + 50 * M <= start_a <= 9 * H + 45 * M  # after the morning visits, done before 10:30
    plan = solve(problem, SolveParams(time_limit_s=2))
    result = check(problem, plan)
    assert result.feasible, result.violations
    assert plan.on_time() == 10 and not plan.unassigned


def test_a_lift_with_a_usual_time_and_carers_keeps_them_where_nothing_else_is_lost() -> None:
    """The four early visits and the lift, usually at 10:00 by Per and Ola (Kari is on shift too): among the
    places that cost no visit its time, the lift keeps its usual time and its usual carers (without them it
    would take the earliest such start, with any two)."""
    usual = (
        replace(LIFT[0], anchor_start=10 * H, preferred_carers=frozenset({"per", "ola"})),
        replace(LIFT[1], anchor_start=10 * H, preferred_carers=frozenset({"per", "ola"})),
    )
    problem = Problem(
        {"car": line_matrix(6, step=3 * M)},
        MORNING + usual,
        (carer("kari"), carer("per"), carer("ola")),
        (SameStart("løft-a", "løft-b"),),
    )
    placed = pair_frame(problem, seconds=0.5, seed=0, continuity_miss=300)
    assert placed is not None
    assert {placed["løft-a"][0], placed["løft-b"][0]} == {"per", "ola"}
    assert placed["løft-a"][1] == placed["løft-b"][1] == 10 * H


def test_a_visit_that_fits_only_inside_its_reserve_is_still_placed_on_time() -> None:
    """One carer, two 30-minute visits agreed 09:00-09:40, six minutes apart: the second can start at 09:36,
    on time but inside the ten-minute reserve the search keeps before 09:40; it is still placed, in the
    copy of its window without the reserve, not left for later."""
    visits = (visit("a", 1, 9, 9 + 40 / 60, 30), visit("b", 3, 9, 9 + 40 / 60, 30))
    problem = Problem({"car": line_matrix(4, step=3 * M)}, visits, (carer("kari", 8.5, 12),))
    chosen, windows, required = on_time.search_windows(problem)
    assert windows[1] == (9 * H, 9 * H + 30 * M)  # the reserve
    wide = on_time.wide_windows(problem, windows, required)
    narrow_only = pyvrp_engine.on_time_routes(
        problem, chosen, windows, required, seconds=0.3, seed=0, continuity_miss=0
    )
    both = pyvrp_engine.on_time_routes(
        problem,
        chosen,
        windows,
        required,
        seconds=0.3,
        seed=0,
        continuity_miss=0,
        wide=wide,
        reserve_bonus=60,
    )
    assert narrow_only is not None and both is not None
    assert len(narrow_only[0]["kari"]) == 1
    assert sorted(both[0]["kari"]) == ["a", "b"]
    assert sorted(both[1].values()) == [windows[0], wide[1]]
