"""Re-planning keeps unaffected carers' visits where they were unless moving them helps the recipients:
fewer visits left out or less lateness. Travel savings alone never move them. Visits taken in from another
team never cost the team a visit on time. Plans are checked."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from routing import Plan, Problem, SolveParams, check, solve
from routing.strategies import rescue, solve_keeping_unaffected, solve_or_rescue, take_in
from tests.routing.builders import carer, line_matrix, visit
from tests.routing.test_properties import problems


def _carer_of(plan: object, visit_id: str) -> str:
    return next(r.carer_id for r in plan.routes for s in r.stops if s.visit_id == visit_id)  # type: ignore[attr-defined]


def test_travel_savings_alone_never_move_an_unaffected_visit() -> None:
    """Kari zig-zags between houses 1 and 9, Per between 2 and 8; swapping would save driving but nobody
    is late either way, so both keep their visits and only the absent carer's visit finds a new place."""
    problem = Problem(
        {"car": line_matrix(10)},
        (
            visit("k1", 1, 8, 14, pinned_carer="kari"),
            visit("k9", 9, 8, 14, pinned_carer="kari"),
            visit("p2", 2, 8, 14, pinned_carer="per"),
            visit("p8", 8, 8, 14, pinned_carer="per"),
            visit("orphan", 5, 10, 14),
        ),
        (carer("kari"), carer("per")),
    )
    solved_problem, plan = solve_keeping_unaffected(problem, None, 2.0)
    assert check(solved_problem, plan).violations == ()
    assert {v: _carer_of(plan, v) for v in ("k1", "k9", "p2", "p8")} == {
        "k1": "kari",
        "k9": "kari",
        "p2": "per",
        "p8": "per",
    }
    assert "orphan" in plan.assigned_visit_ids()
    assert any("unaffected routes kept" in n for n in plan.notes)


def test_an_unaffected_visit_moves_when_that_cuts_lateness() -> None:
    """The absent carer's medication round needs Kari, the only nurse, at 08-09 where Kari already has a
    morning visit; handing that visit to Per puts both on time, so the move is kept."""
    problem = Problem(
        {"car": line_matrix(4)},
        (
            visit("stell", 1, 8, 9, 60, pinned_carer="kari"),
            visit("medisin", 2, 8, 9, 60, competences=frozenset({"sykepleier"})),
        ),
        (carer("kari", comp={"sykepleier", "helsefagarbeider"}), carer("per")),
    )
    solved_problem, plan = solve_keeping_unaffected(problem, None, 2.0)
    assert check(solved_problem, plan).violations == ()
    assert _carer_of(plan, "medisin") == "kari" and _carer_of(plan, "stell") == "per"
    assert plan.objective.lateness_total == 0
    assert any("moved to cut lateness" in n for n in plan.notes)


def test_a_visit_the_coordinator_pinned_stays_even_when_moving_it_would_cut_lateness() -> None:
    """As above, but the coordinator pinned Kari's morning visit to her («Fest»): the freed phase may not
    hand it to Per, so the medication round comes after it (late) rather than the pin being broken."""
    problem = Problem(
        {"car": line_matrix(4)},
        (
            visit("stell", 1, 8, 9, 60, pinned_carer="kari", keep_pinned=True),
            visit("medisin", 2, 8, 9, 60, competences=frozenset({"sykepleier"})),
        ),
        (carer("kari", comp={"sykepleier", "helsefagarbeider"}), carer("per")),
    )
    solved_problem, plan = solve_keeping_unaffected(problem, None, 2.0)
    assert check(solved_problem, plan).violations == ()
    assert _carer_of(plan, "stell") == "kari"
    assert _carer_of(plan, "medisin") == "kari" and plan.objective.lateness_total > 0


def test_rescue_plans_without_links_first_and_keeps_every_link() -> None:
    """The rescue path (used when no first solution came in time) returns a plan the validator accepts:
    the double-staffed pair starts together with two carers, or is left out as a whole."""
    from routing import SameStart

    problem = Problem(
        {"car": line_matrix(6)},
        (
            visit("løft#1", 3, 8, 9, 30),
            visit("løft#2", 3, 8, 9, 30),
            *(visit(f"v{i}", i, 8, 12) for i in (1, 2, 4, 5)),
        ),
        (carer("kari"), carer("per")),
        links=(SameStart("løft#1", "løft#2"),),
    )
    plan = rescue(problem, 2.0)
    assert check(problem, plan).violations == ()
    served = set(plan.assigned_visit_ids())
    assert {"v1", "v2", "v4", "v5"} <= served
    assert {"løft#1", "løft#2"} <= served or not {"løft#1", "løft#2"} & served
    assert any("rescued" in n for n in plan.notes)


def test_a_plan_carries_its_weights_and_the_check_agrees_with_its_objective() -> None:
    """What the solver optimised is what is stored: the plan names its weights, and the independent check
    with those weights computes the same objective (no recomputation with default weights downstream)."""
    from routing import SolveParams, Weights

    problem = Problem(
        {"car": line_matrix(8)},
        tuple(visit(f"v{i}", i, 8, 9, 40) for i in range(1, 7)),
        (carer("kari"),),
    )
    weights = Weights(lateness_per_second=37, continuity_miss=11)
    plan = solve_or_rescue(problem, SolveParams(time_limit_s=1.0, weights=weights, max_solutions=50))
    verdict = check(problem, plan, plan.weights)
    assert plan.weights == weights
    assert verdict.violations == ()
    assert verdict.lateness_total == plan.objective.lateness_total > 0
    assert verdict.weighted_total == plan.objective.weighted_total


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_visits=8, max_carers=3, links=True), st.data())
def test_visits_taken_in_from_another_team_never_cost_the_team_a_visit_on_time(
    problem: Problem, data: st.DataObject
) -> None:
    """A team's solved shift takes in some unlinked visits of another team (routing.strategies.take_in): the
    plan passes the validator with the objective it reports, every visit of the team's own it served is
    still served, none of them leaves its window, and a lent visit that was taken is planned once."""
    linked = {v for link in problem.links for v in (link.first, link.second)}
    lendable = [v for v in problem.visits if v.id not in linked]
    assume(lendable)
    lent = data.draw(st.lists(st.sampled_from(lendable), min_size=1, max_size=3, unique_by=lambda v: v.id))
    lent_ids = frozenset(v.id for v in lent)
    own = replace(problem, visits=tuple(v for v in problem.visits if v.id not in lent_ids))
    plan = solve(own, SolveParams(time_limit_s=0.3))
    taken = take_in(problem, plan, lent_ids, SolveParams(time_limit_s=0.3))
    result = check(problem, taken, taken.weights)
    assert result.violations == ()
    assert result.weighted_total == taken.objective.weighted_total

    def own_on_time(p: Plan) -> set[str]:
        return {
            s.visit_id for r in p.routes for s in r.stops if s.lateness == 0 and s.visit_id not in lent_ids
        }

    assert set(plan.assigned_visit_ids()) <= set(taken.assigned_visit_ids())
    assert len(own_on_time(taken)) >= len(own_on_time(plan))
    assert len(taken.assigned_visit_ids()) == len(set(taken.assigned_visit_ids()))
