"""Why a visit was left unassigned, in words a coordinator understands (Norwegian)."""

from __future__ import annotations

from routing.plan import Unassigned
from routing.problem import Carer, Precedence, Problem, SameStart, Visit


def _reachable_in_shift(problem: Problem, carer: Carer, visit: Visit) -> bool:
    """Could this carer, doing nothing else, start the visit in a window and get back in time?"""
    out = problem.travel(carer.profile, carer.start_location, visit.location)
    back = problem.travel(carer.profile, visit.location, carer.end_location)
    earliest = carer.shift_start + out
    for window in visit.windows:
        start = max(earliest, window.start)
        if visit.fixed_start is not None:
            start = visit.fixed_start if visit.fixed_start >= earliest else window.end + 1
        if start <= window.end and start + visit.duration + back <= carer.shift_end:
            return True
    return False


def explain_unassigned(problem: Problem, visit_index: int, dropped: set[int]) -> Unassigned:
    visit = problem.visits[visit_index]
    competent = [c for c in problem.carers if problem.may_serve(c, visit)]
    if not competent:
        if visit.pinned_carer is not None:
            return Unassigned(
                visit.id,
                "pinned_carer_unavailable",
                f"Besøket er låst til pleier {visit.pinned_carer}, som ikke kan ta det.",
            )
        missing = sorted(visit.competences - set().union(*(c.competences for c in problem.carers)))
        if missing:
            return Unassigned(
                visit.id, "no_competence", f"Ingen pleier på vakt har kompetansen {', '.join(missing)}."
            )
        return Unassigned(
            visit.id,
            "no_competence",
            "Ingen pleier på vakt har all kompetansen besøket krever (eller de er utelukket).",
        )
    if not any(_reachable_in_shift(problem, c, visit) for c in competent):
        return Unassigned(
            visit.id, "outside_shifts", "Tidsvinduet ligger utenfor vaktene til pleierne som kan ta besøket."
        )
    for link in problem.links:
        if visit.id not in (link.first, link.second):
            continue
        other_id = link.second if link.first == visit.id else link.first
        other = problem.visits[problem.visit_index[other_id]]
        if isinstance(link, SameStart):
            partners = [c for c in problem.carers if problem.may_serve(c, other)]
            if len({c.id for c in competent} | {c.id for c in partners}) < 2:
                return Unassigned(
                    visit.id,
                    "link_infeasible",
                    "Dobbeltbemanning: det er ikke to pleiere på vakt som kan ta besøket sammen.",
                )
            if problem.visit_index[other_id] in dropped:
                return Unassigned(
                    visit.id,
                    "link_infeasible",
                    "Dobbeltbemanning: to pleiere er ikke ledige samtidig i tidsvinduet.",
                )
        elif isinstance(link, Precedence) and problem.visit_index[other_id] not in dropped:
            lo = other.earliest + link.min_gap if link.second == visit.id else visit.earliest
            if link.second == visit.id and lo > visit.latest:
                return Unassigned(
                    visit.id,
                    "link_infeasible",
                    f"Kravet om minst {link.min_gap // 60} min etter besøk {other_id} "
                    "kan ikke oppfylles innen tidsvinduet.",
                )
    return Unassigned(
        visit.id, "capacity", "Ikke nok ledig kapasitet hos pleierne på vakt på dette tidspunktet."
    )
