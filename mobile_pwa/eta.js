// Expected start of each visit left on the route, from the carer's progress: the same rule as the
// server's backend/visits/eta.py (tests/data/eta_cases.json holds cases both must agree on), so the
// tablet can show new times with no coverage.
(function () {
  const MIN = 60000;
  const ms = (value) => (value == null ? null : typeof value === "number" ? value : Date.parse(value));
  const minutesAfter = (instant, limit) => Math.max(0, Math.floor((instant - limit) / MIN));

  function expectedStarts(stops, now, breakStart, breakMinutes) {
    const result = [];
    let freeAt = null;
    const breakAt = ms(breakStart);
    let breakDue = breakAt != null && (breakMinutes || 0) > 0;
    for (const stop of stops) {
      const windowEnd = ms(stop.window_end);
      const planned = ms(stop.planned_start);
      const checkedIn = ms(stop.checked_in);
      const checkedOut = ms(stop.checked_out);
      if (stop.cancelled) {
        result.push({ stop_id: stop.stop_id, expected_start: null, expected_end: null, lateness_minutes: 0, state: "cancelled" });
        continue;
      }
      if (checkedIn != null || checkedOut != null) {
        let start, end, state;
        if (checkedOut != null) {
          start = checkedIn != null ? checkedIn : checkedOut - stop.minutes * MIN;
          end = checkedOut;
          state = "done";
        } else {
          start = checkedIn;
          end = Math.max(start + stop.minutes * MIN, now);
          state = "in_progress";
        }
        freeAt = end;
        if (breakDue && start >= breakAt) breakDue = false;
        result.push({ stop_id: stop.stop_id, expected_start: start, expected_end: end, lateness_minutes: minutesAfter(start, windowEnd), state });
        continue;
      }
      let earliest = planned;
      if (freeAt != null) {
        let leave = freeAt;
        if (breakDue && breakAt < planned) {
          leave = Math.max(leave, breakAt) + breakMinutes * MIN;
          breakDue = false;
        }
        earliest = Math.max(earliest, leave + stop.travel_seconds * 1000);
      }
      const start = Math.max(earliest, now);
      const end = start + stop.minutes * MIN;
      freeAt = end;
      result.push({ stop_id: stop.stop_id, expected_start: start, expected_end: end, lateness_minutes: minutesAfter(start, windowEnd), state: "planned" });
    }
    return result;
  }

  window.HREta = { expectedStarts };
})();
