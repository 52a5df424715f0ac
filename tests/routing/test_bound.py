"""The capacity bound never promises less than the best plan achieves (checked against enumeration on small
random problems), is tight on most of them, and names the visits nobody can make on time."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Break, Carer, Problem, SameStart, SolveParams, TimeWindow, Visit, check, solve
from routing.bound import NO_COMPETENT_CARER, NO_SECOND_CARER, NO_SHIFT_COVERS, on_time_bound
from tests.routing.builders import H, M, carer, line_matrix, visit


def _on_time_of(problem: Problem, carer_index: int, order: tuple[int, ...]) -> int | None:
    """Visits of a sequence served inside the agreed window when each starts as early as it can; None when
    one of them cannot start on time or the carer is not back by the shift's end."""
    c = problem.carers[carer_index]
    matrix = problem.matrices[c.profile]
    clock, place = c.shift_start, c.start_location
    for v in order:
        visit_ = problem.visits[v]
        if not problem.may_serve(c, visit_):
            return None
        start = max(clock + int(matrix[place, visit_.location]), visit_.earliest)
        if start > min(visit_.soft_end if visit_.soft_end is not None else visit_.latest, visit_.latest):
            return None
        clock, place = start + visit_.duration, visit_.location
    if clock + int(matrix[place, c.end_location]) > c.shift_end:
        return None
    return len(order)


def most_on_time(problem: Problem) -> int:
    """The exact maximum of visits started on time (serving a late visit never helps another on time)."""
    n, k = len(problem.visits), len(problem.carers)
    best = 0
    for owner in itertools.product(range(-1, k), repeat=n):
        served = sum(1 for o in owner if o >= 0)
        if served <= best:
            continue
        total = 0
        for c in range(k):
            mine = [v for v in range(n) if owner[v] == c]
            counts = [_on_time_of(problem, c, order) for order in itertools.permutations(mine)]
            fitting = [x for x in counts if x is not None]
            if not fitting:
                break
            total += fitting[0]
        else:
            best = max(best, total)
    return best


@st.composite
def small_problems(draw: st.DrawFn) -> Problem:
    n_visits = draw(st.integers(1, 5))
    n_carers = draw(st.integers(1, 2))
    size = 8
    positions = np.array(draw(st.lists(st.integers(0, 40), min_size=size, max_size=size))) * M
    matrix = np.abs(positions[:, None] - positions[None, :]).astype(np.int64)
    visits = []
    for i in range(n_visits):
        start = draw(st.integers(7 * 4, 11 * 4)) * 15 * M
        width = draw(st.sampled_from([30, 60, 120])) * M
        nurse = draw(st.booleans()) and draw(st.booleans())
        visits.append(
            Visit(
                f"v{i}",
                draw(st.integers(1, size - 1)),
                draw(st.sampled_from([15, 30, 45, 60])) * M,
                (TimeWindow(start, start + width + 2 * H),),
                soft_end=start + width,
                competences=frozenset({"sykepleier"}) if nurse else frozenset(),
            )
        )
    carers = []
    for k in range(n_carers):
        begin = draw(st.sampled_from([7, 8, 9])) * H
        comp = frozenset({"sykepleier"}) if draw(st.booleans()) else frozenset()
        carers.append(Carer(f"c{k}", 0, 0, begin, begin + draw(st.sampled_from([3, 5, 8])) * H, comp))
    return Problem({"car": matrix}, tuple(visits), tuple(carers))


TIGHT: list[bool] = []


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_the_bound_is_never_below_the_best_plan(problem: Problem) -> None:
    best = most_on_time(problem)
    bound = on_time_bound(problem)
    assert bound.on_time_max >= best
    TIGHT.append(bound.on_time_max == best)


def test_the_bound_is_tight_on_most_small_problems() -> None:
    """Runs after the property test (same module, file order): report and require tightness on most."""
    if not TIGHT:
        test_the_bound_is_never_below_the_best_plan()
    share = sum(TIGHT) / len(TIGHT)
    print(f"bound tight on {sum(TIGHT)} of {len(TIGHT)} small problems ({100 * share:.0f} %)")
    assert share >= 0.8


def test_a_morning_peak_beyond_the_carers_is_counted() -> None:
    """Six 45-minute visits all agreed 08:00-09:00 and two carers: at most four can start by 09:00
    (each carer starts one at 08:00, one at ~08:50); a plan reaches what the bound allows."""
    visits = tuple(visit(f"v{i}", i + 1, 8, 9, 45) for i in range(6))
    problem = Problem({"car": line_matrix(8, step=2 * M)}, visits, (carer("kari"), carer("per")))
    bound = on_time_bound(problem)
    assert bound.on_time_max <= 4
    plan = solve(problem, SolveParams(time_limit_s=2))
    assert check(problem, plan).feasible
    assert plan.on_time() <= bound.on_time_max


def test_breaks_take_their_share_of_a_short_shift() -> None:
    """A two-hour shift with a 30-minute break that must fall inside it leaves 90 minutes for visits: three
    40-minute visits agreed inside the shift cannot all be on time."""
    shift = Carer("kari", 0, 0, 8 * H, 10 * H, breaks=(Break(8 * H + 30 * M, 9 * H, 30 * M),))
    visits = tuple(
        Visit(f"v{i}", 1, 40 * M, (TimeWindow(8 * H, 12 * H),), soft_end=9 * H + 20 * M) for i in range(3)
    )
    problem = Problem({"car": line_matrix(3, step=0)}, visits, (shift,))
    assert on_time_bound(problem).on_time_max == 2


def test_visits_nobody_can_make_on_time_are_named() -> None:
    """A nurse task with no nurse on shift, and a visit agreed for 21:00 in a day shift."""
    problem = Problem(
        {"car": line_matrix(4)},
        (
            visit("medisin", 1, 8, 9, competences=frozenset({"sykepleier"})),
            visit("kveld", 2, 21, 22),
            visit("stell", 3, 8, 9),
        ),
        (carer("per"),),
    )
    bound = on_time_bound(problem)
    assert bound.impossible == {"medisin": NO_COMPETENT_CARER, "kveld": NO_SHIFT_COVERS}
    assert bound.on_time_max == 1


def test_double_staffed_halves_are_on_time_together() -> None:
    """One carer with 50 minutes and a 40-minute double-staffed visit agreed 08:00-08:10: time allows one
    half, but the halves come together or not at all, so nothing can be on time."""
    visits = (visit("a", 1, 8, 8 + 10 / 60, 40), visit("b", 1, 8, 8 + 10 / 60, 40))
    carers = (carer("kari", 8, 8 + 50 / 60),)
    linked = Problem({"car": line_matrix(3, step=0)}, visits, carers, (SameStart("a", "b"),))
    assert on_time_bound(linked).on_time_max == 0
    assert on_time_bound(Problem({"car": line_matrix(3, step=0)}, visits, carers)).on_time_max == 1


def test_double_staffing_needs_a_second_qualified_carer() -> None:
    """A double-staffed nurse task with one nurse on shift (an evening team at Lier): the halves fit her
    time one after the other, but not at once, so neither half can be on time and both are named; with a
    second nurse both can, and a plan reaches the bound either way."""
    nurse = frozenset({"sykepleier"})
    visits = (
        visit("løft-a", 1, 16, 17, 25, competences=nurse),
        visit("løft-b", 1, 16, 17, 25, competences=nurse),
        visit("middag", 2, 16, 17, 20),
    )
    one = Problem(
        {"car": line_matrix(3)},
        visits,
        (carer("kari", 15, 22, {"sykepleier"}), carer("per", 15, 22)),
        (SameStart("løft-a", "løft-b"),),
    )
    bound = on_time_bound(one)
    assert bound.impossible == {"løft-a": NO_SECOND_CARER, "løft-b": NO_SECOND_CARER}
    assert bound.on_time_max == 1
    two = Problem(
        {"car": line_matrix(3)},
        visits,
        (carer("kari", 15, 22, {"sykepleier"}), carer("ola", 15, 22, {"sykepleier"})),
        (SameStart("løft-a", "løft-b"),),
    )
    assert on_time_bound(two).impossible == {}
    assert on_time_bound(two).on_time_max == 3
    for problem in (one, two):
        plan = solve(problem, SolveParams(time_limit_s=1))
        assert check(problem, plan).feasible
        assert plan.on_time() <= on_time_bound(problem).on_time_max


def test_a_nurse_cannot_borrow_the_helpers_short_legs() -> None:
    """Two nurse tasks agreed 08:00-08:10 and 08:00-08:30, half an hour's drive apart, each in a building
    where the helper also has a visit: one nurse can start only one of them on time. Counted alone, every
    nurse task has a free leg in and out (the helper's visit next door), so the energetic rows allow both;
    the nurse group's own bound, where the helper's visits do not exist, caps the nurse tasks at one."""
    nurse_task = {"competences": frozenset({"sykepleier"})}
    problem = Problem(
        {"car": line_matrix(3, step=30 * M)},
        (
            visit("sår", 1, 8, 8 + 10 / 60, 20, **nurse_task),
            visit("insulin", 2, 8, 8.5, 20, **nurse_task),
            visit("frokost", 1, 7.5, 14, 20),
            visit("tilsyn", 2, 7.5, 14, 20),
        ),
        (carer("nina", comp={"helsefagarbeider", "sykepleier"}), carer("per")),
    )
    assert on_time_bound(problem, group_cuts=False).on_time_max == 4
    assert on_time_bound(problem).on_time_max == 3
    plan = solve(problem, SolveParams(time_limit_s=2))
    assert check(problem, plan).feasible
    assert plan.on_time() == 3


def test_a_shift_with_nothing_left_to_plan_has_a_bound_of_nothing() -> None:
    """A re-plan late in the day may leave no visit: the bound is 0, not an error."""
    problem = Problem({"car": line_matrix(2)}, (), (carer("kari"),))
    assert on_time_bound(problem).on_time_max == 0
