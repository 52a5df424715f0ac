// Koordinatorkonsollet: the buttons that start work call the same /api/v1 as any client, with the session
// cookie and the CSRF header; long work (lag kjørelister, planlegg på nytt) is a job that we poll.
"use strict";

const CSRF = { "X-Hjemmerute-CSRF": "1" };

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body ? { ...CSRF, "Content-Type": "application/json" } : CSRF,
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = Array.isArray(data.detail) ? data.detail.map((d) => d.msg || d).join("; ") : data.detail;
    throw new Error(detail || `Feil ${response.status}`);
  }
  return data;
}

const STAGES = { matriser: "beregner reisetider", "løser": "lager rutene", lagrer: "lagrer" };

async function waitForJob(job, show) {
  for (;;) {
    if (job.status === "done") return job;
    if (job.status === "failed") throw new Error(job.error || "Jobben feilet");
    const p = job.progress;
    show(p ? `Arbeider: ${STAGES[p.stage] || p.stage} (${p.done} av ${p.total} team ferdig) …` : "Står i kø …");
    await new Promise((resolve) => setTimeout(resolve, 700));
    job = await api("GET", `/api/v1/jobs/${job.id}`);
  }
}

function busy(form, on) {
  form.querySelectorAll("button").forEach((b) => { b.disabled = on; });
}

function onPlanRun(form) {
  const out = document.getElementById("progress");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      date: data.get("date"),
      shift_kind: data.get("shift_kind"),
      team_ids: data.getAll("team_ids").map(Number),
    };
    busy(form, true);
    try {
      out.textContent = "Starter …";
      const job = await waitForJob(await api("POST", "/api/v1/planning/runs", body), (t) => { out.textContent = t; });
      out.textContent = `Ferdig: ${job.result.visits} besøk, ${job.result.unassigned} ikke planlagt.`;
      window.location = `/konsoll?date=${body.date}&shift=${body.shift_kind}`;
    } catch (error) {
      out.textContent = `Feil: ${error.message}`;
      out.classList.add("late");
    } finally {
      busy(form, false);
    }
  });
}

function onPublish(button) {
  const out = document.getElementById("action-status");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const body = button.dataset.confirm ? { confirm: true } : undefined;
      await api("POST", `/api/v1/plans/${button.dataset.planId}/publish`, body);
      document.getElementById("plan-status").textContent = "publisert";
      out.textContent = "Planen er publisert. Pleierne ser den nå.";
      button.remove();
    } catch (error) {
      out.textContent = `Feil: ${error.message}`;
      if (/bekreft/.test(error.message)) {  // a stale draft: publishing again means "yes, I have read it"
        button.dataset.confirm = "1";
        button.textContent = "Publiser likevel";
      }
      button.disabled = false;
    }
  });
}

function onReplan(form) {
  const out = document.getElementById("action-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = data.get("from_time") ? { from_time: data.get("from_time") } : {};
    if (data.get("absent_carer_id")) body.absent_carer_id = Number(data.get("absent_carer_id"));
    if (data.get("urgent_recipient_id")) {
      body.urgent_visit = {
        recipient_id: Number(data.get("urgent_recipient_id")),
        window_start: data.get("urgent_start"),
        window_end: data.get("urgent_end"),
        tasks: [{ name: data.get("urgent_task") || "Akuttbesøk", minutes: Number(data.get("urgent_minutes") || 30) }],
      };
    }
    busy(form, true);
    out.scrollIntoView({ block: "center" });
    try {
      const started = await api("POST", `/api/v1/plans/${form.dataset.planId}/replan`, body);
      const job = await waitForJob(started, (t) => { out.textContent = t; });
      window.location = `/konsoll/planer/${job.result.plan_id}`;
    } catch (error) {
      out.textContent = `Feil: ${error.message}`;
      out.classList.add("late");
      busy(form, false);
    }
  });
}

// ---- hand edits: each accepted edit is a new draft; the server checks it and names a broken rule ----

async function sendEdit(planId, body) {
  const out = document.getElementById("action-status");
  out.classList.remove("late");
  out.textContent = "Kontrollerer endringen …";
  out.scrollIntoView({ block: "center" });
  try {
    const edited = await api("POST", `/api/v1/plans/${planId}/edits`, body);
    window.location = `/konsoll/planer/${edited.id}`;
  } catch (error) {
    out.textContent = `Ikke endret: ${error.message}`;
    out.classList.add("late");
  }
}

function positionAt(track, x, movingId) {
  // the place among the carer's visits still to do: how many of them start left of the drop point
  const left = track.getBoundingClientRect().left;
  return [...track.querySelectorAll(".bar.visit[data-stop-id]:not(.fixed)")]
    .filter((bar) => bar.dataset.stopId !== movingId)
    .filter((bar) => bar.getBoundingClientRect().left - left + bar.offsetWidth / 2 < x - left)
    .length;
}

function onDragEdits(planId) {
  document.querySelectorAll(".bar.visit[draggable=true]").forEach((bar) => {
    bar.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("text/plain", bar.dataset.stopId);
      event.dataTransfer.effectAllowed = "move";
    });
  });
  document.querySelectorAll(".tl-track[data-drop-carer]").forEach((track) => {
    track.addEventListener("dragover", (event) => { event.preventDefault(); track.classList.add("drop"); });
    track.addEventListener("dragleave", () => track.classList.remove("drop"));
    track.addEventListener("drop", (event) => {
      event.preventDefault();
      track.classList.remove("drop");
      const stopId = event.dataTransfer.getData("text/plain");
      if (!stopId) return;
      sendEdit(planId, {
        action: "move",
        stop_id: Number(stopId),
        carer_id: Number(track.dataset.dropCarer),
        position: positionAt(track, event.clientX, stopId),
      });
    });
  });
}

function onEditForm(form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const action = event.submitter ? event.submitter.value : "move";
    if (action.startsWith("pin") || action === "unpin") {
      pin(form.dataset.planId, data.get("stop_id"), action !== "unpin", action === "pin_time");
      return;
    }
    const body = { action, stop_id: Number(data.get("stop_id")) };
    if (action === "move") {
      body.carer_id = Number(data.get("carer_id"));
      if (data.get("position")) body.position = Number(data.get("position")) - 1;
    }
    sendEdit(form.dataset.planId, body);
  });
}

async function pin(planId, stopId, pinned, keepTime) {
  const out = document.getElementById("action-status");
  try {
    await api("POST", `/api/v1/plans/${planId}/stops/${stopId}/pin`, { pinned, keep_time: keepTime });
    window.location.reload();
  } catch (error) {
    out.textContent = `Feil: ${error.message}`;
    out.classList.add("late");
  }
}

function onOptimise(button) {
  const out = document.getElementById("action-status");
  button.addEventListener("click", async () => {
    button.disabled = true;
    out.scrollIntoView({ block: "center" });
    try {
      const started = await api("POST", `/api/v1/plans/${button.dataset.planId}/replan`, {});
      const job = await waitForJob(started, (t) => { out.textContent = t; });
      window.location = `/konsoll/planer/${job.result.plan_id}`;
    } catch (error) {
      out.textContent = `Feil: ${error.message}`;
      out.classList.add("late");
      button.disabled = false;
    }
  });
}

function onInsert(button) {
  button.addEventListener("click", async () => {
    const cell = button.parentElement.querySelector(".insert-options");
    cell.textContent = "Finner plasser …";
    try {
      const path = `/api/v1/plans/${button.dataset.planId}/insert-options?decision_visit_id=${button.dataset.visitId}`;
      const options = await api("GET", path);
      cell.textContent = options.length ? "" : "Ingen ledig plass uten å skyve andre besøk ut av avtalt tid.";
      options.forEach((o) => {
        const choice = document.createElement("button");
        const start = new Date(o.start).toLocaleTimeString("nb-NO", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Oslo" });
        const late = o.lateness_minutes ? `, ${o.lateness_minutes} min for sent` : "";
        choice.textContent = `${o.carer_name} som nr. ${o.position + 1}, kl. ${start} (+${o.added_travel_minutes} min reise${late})`;
        choice.className = "insert-choice";
        choice.addEventListener("click", () => sendEdit(button.dataset.planId, {
          action: "insert", decision_visit_id: Number(button.dataset.visitId), carer_id: o.carer_id, position: o.position,
        }));
        cell.appendChild(choice);
      });
    } catch (error) {
      cell.textContent = `Feil: ${error.message}`;
    }
  });
}

function onUndo(button) {
  button.addEventListener("click", async () => {
    try {
      await api("DELETE", `/api/v1/plans/${button.dataset.planId}`);
      window.location = `/konsoll/planer/${button.dataset.baseId}`;
    } catch (error) {
      document.getElementById("action-status").textContent = `Feil: ${error.message}`;
    }
  });
}

// ---- live view: check-ins beside the plan, a now-line, expected lateness per carer (polled) ----

const CARER_STATES = {
  not_started: "ikke startet", on_visit: "på besøk", between_visits: "mellom besøk", finished: "ferdig",
};

function escapeHtml(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span.innerHTML;
}

function clockOf(iso) {
  return new Date(iso).toLocaleTimeString("nb-NO", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Oslo" });
}

function drawAlerts(alerts) {
  // «Ikke hjemme»: a safety matter, shown first and loud, with the next of kin's phone to call
  const box = document.getElementById("live-alerts");
  box.replaceChildren();
  box.hidden = !alerts.length;
  alerts.forEach((alert) => {
    const item = document.createElement("li");
    const kin = alert.next_of_kin.map((k) => `${k.name}${k.relation ? ` (${k.relation})` : ""}: ${k.phone}`).join(", ");
    item.textContent = `Ikke hjemme: ${alert.recipient_name}, ${alert.address} – meldt kl. ${clockOf(alert.reported_at)} av ${alert.carer_name}`
      + (alert.note ? ` («${alert.note}»)` : "") + (kin ? `. Pårørende: ${kin}` : ". Ingen pårørende med telefon registrert");
    box.append(item);
  });
}

function drawLive(data) {
  drawAlerts(data.alerts || []);
  const timeline = document.querySelector(".timeline");
  const origin = new Date(timeline.dataset.origin);
  const scale = Number(timeline.dataset.pxPerMinute);
  const px = (iso) => ((new Date(iso) - origin) / 60000) * scale;
  timeline.querySelectorAll(".bar.actual, .now-line").forEach((el) => el.remove());
  const now = document.createElement("div");
  now.className = "now-line";
  now.style.left = `${px(data.computed_at)}px`;
  now.title = `Nå ${clockOf(data.computed_at)}`;
  timeline.querySelectorAll(".tl-row .tl-track").forEach((track) => track.appendChild(now.cloneNode()));
  const rows = [];
  data.routes.forEach((route) => {
    const track = timeline.querySelector(`.tl-row[data-carer-id="${route.carer_id}"] .tl-track`);
    route.stops.filter((s) => s.checked_in_at).forEach((s) => {
      if (!track) return;
      const bar = document.createElement("div");
      const end = s.checked_out_at || data.computed_at;
      bar.className = "bar actual";
      bar.style.left = `${px(s.checked_in_at)}px`;
      bar.style.width = `${Math.max(2, px(end) - px(s.checked_in_at))}px`;
      bar.title = `Inn ${clockOf(s.checked_in_at)}${s.checked_out_at ? `, ut ${clockOf(s.checked_out_at)}` : ", pågår"}`;
      track.appendChild(bar);
    });
    const next = route.stops.find((s) => s.state === "planned" || s.state === "in_progress");
    const late = route.expected_lateness_minutes;
    const status = CARER_STATES[route.state] + (route.overdue_start ? " – har ikke sjekket inn" : "");
    rows.push(`<tr class="${late || route.overdue_start ? "late-row" : ""}" data-carer-id="${route.carer_id}">
      <td>${escapeHtml(route.carer_name)}</td><td class="live-state">${status}</td>
      <td>${next && next.expected_start ? `kl. ${clockOf(next.expected_start)}` : "–"}</td>
      <td class="live-late">${late ? `${late} min` : "i rute"}</td><td>${route.late_visits}</td>
      <td>${route.stops.filter((s) => s.noticed).length}</td></tr>`);
  });
  document.getElementById("live-rows").innerHTML = rows.join("");
  document.getElementById("live-time").textContent = `sist oppdatert ${clockOf(data.computed_at)}`;
}

function onLive(section) {
  const refresh = async () => {
    try {
      drawLive(await api("GET", `/api/v1/plans/${section.dataset.planId}/live`));
    } catch (error) {
      document.getElementById("live-time").textContent = `kunne ikke oppdatere: ${error.message}`;
    }
  };
  refresh();
  setInterval(refresh, 30_000);
}

// ---- week view: lists for every day and shift of the week that has none yet ----

function onPlanWeek(button) {
  const out = document.getElementById("week-progress");
  button.addEventListener("click", async () => {
    const missing = [...document.querySelectorAll("#week-table tbody tr")]
      .filter((row) => row.querySelector(".plan-cell a") === null);
    if (!missing.length) { out.textContent = "Alle dager har en plan."; return; }
    button.disabled = true;
    try {
      for (const [index, row] of missing.entries()) {
        out.textContent = `Lager kjørelister ${index + 1} av ${missing.length} (${row.cells[0].textContent}, ${row.cells[1].textContent}) …`;
        const body = { date: row.dataset.date, shift_kind: row.dataset.shift, team_ids: [Number(button.dataset.teamId)] };
        await waitForJob(await api("POST", "/api/v1/planning/runs", body), () => {});
      }
      window.location.reload();
    } catch (error) {
      out.textContent = `Feil: ${error.message}`;
      out.classList.add("late");
      button.disabled = false;
    }
  });
}

// ---- agreed times: a trial of the team's week, then the page shows its proposals ----

function onProposalRun(button) {
  const out = document.getElementById("proposal-progress");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      out.textContent = "Planlegger uken på prøve …";
      const body = { team_id: Number(button.dataset.teamId), monday: button.dataset.monday };
      const job = await waitForJob(await api("POST", "/api/v1/agreements/runs", body), () => {
        out.textContent = "Planlegger uken på prøve …";
      });
      out.textContent = `Ferdig: ${job.result.within_before} → ${job.result.within_after} av ${job.result.visits} besøk i avtalt tid.`;
      window.location.reload();
    } catch (error) {
      out.textContent = `Feil: ${error.message}`;
      out.classList.add("late");
      button.disabled = false;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  // no inline handlers: the Content-Security-Policy allows only scripts from the app's own files
  document.querySelectorAll("[data-submit-on-change]").forEach((field) =>
    field.addEventListener("change", () => field.form.submit()));
  document.querySelectorAll("[data-print]").forEach((button) =>
    button.addEventListener("click", () => window.print()));
  const week = document.getElementById("plan-week");
  if (week) onPlanWeek(week);
  const live = document.getElementById("live");
  if (live) onLive(live);
  const edit = document.getElementById("edit-form");
  if (edit) {
    onEditForm(edit);
    onDragEdits(edit.dataset.planId);
  }
  document.querySelectorAll("button.insert").forEach(onInsert);
  const optimise = document.getElementById("optimise");
  if (optimise) onOptimise(optimise);
  const undo = document.getElementById("undo");
  if (undo) onUndo(undo);
  const proposals = document.getElementById("proposal-run");
  if (proposals) onProposalRun(proposals);
  const run = document.getElementById("plan-run");
  if (run) onPlanRun(run);
  const publish = document.getElementById("publish");
  if (publish) onPublish(publish);
  const replan = document.getElementById("replan-form");
  if (replan) onReplan(replan);
  initEntranceMap();
});

// The entrance pin on a recipient's page: the municipality's own roads (no tile server), a pin the
// coordinator drags (or clicks) to where the entrance is; the latitude/longitude fields follow the pin and
// the pin follows the fields (the keyboard way to move it). Saved with the form, checked by the server.
function initEntranceMap() {
  const box = document.getElementById("entrance-map");
  if (!box || typeof L === "undefined") return;
  const lat = document.getElementById("lat");
  const lon = document.getElementById("lon");
  const start = [Number(box.dataset.lat), Number(box.dataset.lon)];
  if (!Number.isFinite(start[0]) || !Number.isFinite(start[1]) || !lat || !lon) return;
  const map = L.map(box, { attributionControl: true }).setView(start, 17);
  map.attributionControl.addAttribution("&copy; OpenStreetMap contributors");
  const pin = L.marker(start, { draggable: true, autoPan: true, title: "Inngangen", alt: "Inngangen" }).addTo(map);
  const show = (at) => {
    lat.value = at.lat.toFixed(6);
    lon.value = at.lng.toFixed(6);
    box.dataset.moved = "1";
  };
  pin.on("dragend", () => show(pin.getLatLng()));
  map.on("click", (event) => { pin.setLatLng(event.latlng); show(event.latlng); });
  const follow = () => {
    const at = [Number(lat.value.replace(",", ".")), Number(lon.value.replace(",", "."))];
    if (Number.isFinite(at[0]) && Number.isFinite(at[1]) && lat.value && lon.value) { pin.setLatLng(at); map.panTo(at); }
  };
  lat.addEventListener("change", follow);
  lon.addEventListener("change", follow);
  fetch(`/konsoll/brukere/veier?lat=${start[0]}&lon=${start[1]}`, { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : null))
    .then((roads) => {
      if (roads) L.geoJSON(roads, { style: { color: "#5f6368", weight: 2, opacity: 0.9 }, interactive: false }).addTo(map);
      box.dataset.ready = "1";
    })
    .catch(() => { box.dataset.ready = "1"; });
}
