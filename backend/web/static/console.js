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

document.addEventListener("DOMContentLoaded", () => {
  const run = document.getElementById("plan-run");
  if (run) onPlanRun(run);
  const publish = document.getElementById("publish");
  if (publish) onPublish(publish);
  const replan = document.getElementById("replan-form");
  if (replan) onReplan(replan);
});
