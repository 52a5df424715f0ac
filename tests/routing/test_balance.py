"""No carer idle while a visit waits: the balance term counted alike by the objective and by routing.check
(its twin), and the balance pass that gives a waiting visit to the carer who had nothing to do."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Problem, SolveParams, check
from routing.objective import objective_of
from routing.plan import Route
from routing.rebalance import rebalance
from tests.routing.builders import H, M, as_plan, carer, dealt_plan, line_matrix, visit
from tests.routing.test_properties import problems

PARAMS = SolveParams()


def test_a_late_visit_goes_to_the_carer_with_nothing_to_do() -> None:
    """Kari has two visits agreed 08:00-08:30, 45 minutes each; Per has none. The second is late on
    Kari's list: Per is idle while it waits (counted by the objective and the check alike), and the
    balance pass gives it to him, on time."""
    problem = Problem(
        {"car": line_matrix(3, step=5 * M)},
        (visit("stell", 1, 8, 8.5, 45), visit("frokost", 2, 8, 8.5, 45)),
        (carer("kari"), carer("per")),
    )
    routes, dropped = dealt_plan(problem, {"kari": ["stell", "frokost"]})
    before = check(problem, as_plan(routes, dropped, problem))
    assert before.feasible and before.idle_carers == 1
    assert objective_of(problem, routes, dropped, PARAMS).idle_carers == 1
    balanced, still_dropped = rebalance(problem, routes, dropped, PARAMS)
    after = check(problem, as_plan(balanced, still_dropped, problem))
    assert after.feasible, after.violations
    assert after.idle_carers == 0 and after.lateness_total == 0
    assert [s.visit_id for s in balanced[1].stops] == ["frokost"]
    assert after.weighted_total < before.weighted_total


def test_a_carer_who_cannot_make_it_on_time_is_not_idle() -> None:
    """Per's shift starts at 09:00: the visit agreed 08:00-08:30 waits on Kari's list, but Per could not
    have started it on time, so he is not counted idle and the pass leaves the plan as it is."""
    problem = Problem(
        {"car": line_matrix(3, step=5 * M)},
        (visit("stell", 1, 8, 8.5, 45), visit("frokost", 2, 8, 8.5, 45)),
        (carer("kari"), carer("per", 9, 15)),
    )
    routes, dropped = dealt_plan(problem, {"kari": ["stell", "frokost"]})
    assert check(problem, as_plan(routes, dropped, problem)).idle_carers == 0
    assert rebalance(problem, routes, dropped, PARAMS) == (routes, dropped)
    assert routes[0].stops[1].start > 8 * H + 30 * M


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_visits=6, max_carers=3, links=True), st.data())
def test_the_check_counts_idle_carers_as_the_objective_does(problem: Problem, data: st.DataObject) -> None:
    """Any plan (visits dealt to carers at random, some left out, times as they fall): the check's own
    count of idle carers and weighted total equal the objective's; the balance pass never makes the plan
    worse in the objective order."""
    owners = [data.draw(st.sampled_from([None, *problem.carers])) for _ in problem.visits]
    orders = {
        c.id: [v.id for v, o in zip(problem.visits, owners, strict=True) if o is c] for c in problem.carers
    }
    routes, dropped = dealt_plan(problem, orders)
    result = check(problem, as_plan(routes, dropped, problem))
    objective = objective_of(problem, routes, dropped, PARAMS)
    assert result.idle_carers == objective.idle_carers
    assert result.weighted_total == objective.weighted_total
    balanced, left = rebalance(problem, routes, dropped, PARAMS)
    assert _order(problem, balanced, left) <= _order(problem, routes, dropped)


def _order(problem: Problem, routes: list[Route], dropped: list[int]) -> tuple[int, int, int]:
    """The objective order: mandatory visits left out, visits not on time, the weighted total."""
    objective = objective_of(problem, routes, dropped, PARAMS)
    late = sum(1 for r in routes for s in r.stops if s.lateness > 0)
    return objective.dropped_mandatory, len(dropped) + late, objective.weighted_total
