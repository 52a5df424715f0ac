"""The benchmark readers map the shared instances onto routing.Problem faithfully."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.mankowska import file_routes, literature_cost
from benchmarks.uhhc_verify import verify_uhhc
from routing import Precedence, SameStart, SolveParams, check, solve
from routing.readers import read_solomon, read_uhhc
from tests.conftest import IN_CI, SHARED

BENCH = SHARED / "benchmarks"


@pytest.fixture(autouse=True)
def _shared_present() -> None:
    if not BENCH.is_dir():
        if IN_CI:
            pytest.fail(f"{BENCH} is missing in CI")
        pytest.skip(f"{BENCH} is absent: put ../shared beside the project to run the benchmark readers")


def test_solomon_c101_is_read_and_solved_feasibly() -> None:
    instance = read_solomon(BENCH / "solomon" / "C101.txt")
    problem = instance.problem
    assert len(problem.visits) == 100 and len(problem.carers) == 25
    assert {c.capacity for c in problem.carers} == {200}
    first = problem.visits[0]
    # Row "1 55 85 20 647 726 90", depot at (40, 50); times scaled by 1000.
    assert first.id == "1" and first.demand == 20 and first.duration == 90_000
    assert first.windows[0].start == 647_000 and first.windows[0].end == 726_000
    assert abs(instance.distance(0, 1) - ((55 - 40) ** 2 + (85 - 50) ** 2) ** 0.5) < 1e-12
    plan = solve(problem, SolveParams(time_limit_s=3))
    assert check(problem, plan).feasible and plan.unassigned == ()
    distance = sum(instance.route_distance([s.visit_id for s in r.stops]) for r in plan.routes)
    assert distance < 828.94 * 1.05  # best known 828.94; C101 is the easy clustered case


def test_uhhc_services_links_and_soft_windows() -> None:
    instance = read_uhhc(BENCH / "hhcrsp" / "mankowska" / "InstanzCPLEX_HCSRP_10_1.json")
    problem = instance.problem
    assert len(problem.carers) == 3
    assert len(problem.visits) == 13  # 10 patients, 3 of them need two services
    assert (
        sum(isinstance(link, SameStart) for link in problem.links)
        + sum(isinstance(link, Precedence) for link in problem.links)
        == 3
    )
    p8 = [v for v in problem.visits if v.id.startswith("p8#")]
    assert {v.id for v in p8} == {"p8#s5", "p8#s6"}
    assert all(v.soft_end == 166_000 and v.windows[0].start == 46_000 for v in p8)
    plan = solve(problem, SolveParams(time_limit_s=2))
    assert check(problem, plan).feasible and plan.unassigned == ()


def test_the_file_level_check_accepts_a_solved_plan_and_names_what_a_broken_one_breaks() -> None:
    """The benchmark's second check reads the JSON itself: a plan routing.check accepts passes it with
    the literature cost the benchmark reports; an early start, a caregiver without the skill, a lost
    service and a pair pulled apart are each named."""
    path = BENCH / "hhcrsp" / "mankowska" / "InstanzCPLEX_HCSRP_10_9.json"
    instance = read_uhhc(path)
    plan = solve(instance.problem, SolveParams(time_limit_s=3))
    routes = file_routes(instance, plan)
    verified = verify_uhhc(path, routes)
    assert verified.violations == []
    assert abs(verified.cost - literature_cost(instance, plan)[0]) < 1e-6
    by_carer = {carer: list(stops) for carer, stops in routes}
    # c1 has s1-s3 only; p8's simultaneous s4/s5 pair and p10's sequential s2→s5 pair are in the file.
    first_visit, first_start = by_carer["c1"][0]
    by_carer["c1"][0] = (first_visit, first_start - 30)
    lost = by_carer["c2"].pop()
    by_carer["c1"].append(("p8#s4", 10_000.0))
    for stops in by_carer.values():
        stops[:] = [(visit, start + 5 if visit == "p8#s5" else start) for visit, start in stops]
    broken = verify_uhhc(path, list(by_carer.items()))
    text = "\n".join(broken.violations)
    assert f"{first_visit}: starts" in text
    assert f"{lost[0].split('#')[0]}:" in text and "not served" in text
    assert "p8#s4: c1 lacks ability s4" in text and "p8#s4: served twice" in text
    assert "p8: simultaneous services not together" in text


def test_readers_refuse_malformed_files(tmp_path: Path) -> None:
    bad = tmp_path / "X1.txt"
    bad.write_text("200\n0 1 2\n")
    with pytest.raises(ValueError, match="7 numbers"):
        read_solomon(bad)
