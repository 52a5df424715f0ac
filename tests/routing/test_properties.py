"""Hypothesis: any small generated problem gets a plan the validator accepts; for ≤ 7 visits the solver's
objective equals the brute-force optimum."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import (
    Carer,
    Precedence,
    Problem,
    SameStart,
    SolveParams,
    TimeWindow,
    Visit,
    Weights,
    check,
    solve,
)
from tests.routing.brute_force import optimum

H, M = 3600, 60


@st.composite
def problems(
    draw: st.DrawFn, max_visits: int, max_carers: int, links: bool, always_link: bool = False
) -> Problem:
    n_visits = draw(st.integers(2 if always_link else 1, max_visits))
    n_carers = draw(st.integers(1, max_carers))
    points = draw(
        st.lists(
            st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=n_visits + 1, max_size=n_visits + 1
        )
    )
    matrix = np.array([[math.ceil(math.dist(a, b) * 30) for b in points] for a in points], dtype=np.int64)
    visits = []
    for i in range(n_visits):
        start = draw(st.integers(7 * 4, 13 * 4)) * 15 * M
        length = draw(st.sampled_from([30, 60, 120])) * M
        hard_extra = draw(st.sampled_from([0, 60, 180])) * M
        visits.append(
            Visit(
                f"v{i}",
                i + 1,
                draw(st.sampled_from([10, 20, 30, 45])) * M,
                (TimeWindow(start, start + length + hard_extra),),
                soft_end=start + length,
                competences=frozenset(draw(st.sampled_from([(), (), ("sykepleier",)]))),
                mandatory=draw(st.booleans()),
                drop_penalty=draw(st.integers(0, 4000)),
            )
        )
    carers = [
        Carer(
            f"c{k}",
            0,
            0,
            7 * H,
            draw(st.sampled_from([15, 17])) * H,
            frozenset({"helsefagarbeider"} | ({"sykepleier"} if draw(st.booleans()) else set())),
        )
        for k in range(n_carers)
    ]
    found: list[SameStart | Precedence] = []
    if links and n_visits >= 2 and (always_link or draw(st.booleans())):
        a, b = visits[0], visits[1]
        if n_carers >= 2 and draw(st.booleans()):
            visits[1] = Visit(b.id, b.location, b.duration, a.windows, a.soft_end, competences=b.competences)
            found.append(SameStart(a.id, b.id))
        else:
            found.append(Precedence(a.id, b.id, min_gap=draw(st.sampled_from([0, 30, 90])) * M))
    return Problem({"car": matrix}, tuple(visits), tuple(carers), tuple(found))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_visits=8, max_carers=3, links=True))
def test_every_plan_passes_the_independent_validator(problem: Problem) -> None:
    plan = solve(problem, SolveParams(time_limit_s=0.5))
    result = check(problem, plan)
    assert result.violations == ()
    assert result.weighted_total == plan.objective.weighted_total
    assert {u.visit_id for u in plan.unassigned} | set(plan.assigned_visit_ids()) == {
        v.id for v in problem.visits
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_visits=7, max_carers=2, links=False))
def test_small_problems_are_solved_to_the_brute_force_optimum(problem: Problem) -> None:
    weights = Weights()
    plan = solve(problem, SolveParams(time_limit_s=1.5, weights=weights))
    assert check(problem, plan, weights).feasible
    assert plan.objective.weighted_total == optimum(problem, weights)
