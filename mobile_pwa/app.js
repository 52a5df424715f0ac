// hjemmerute carer app: today's kjøreliste, check-in/out and "Forsinket", working offline.
// Events get a UUID and the device time here and wait in IndexedDB until the server has them.
(function () {
  const { t } = window.HRi18n;
  const Store = window.HRStore;
  const API = "/api/v1";
  const POLL_MS = 20000;
  const $ = (id) => document.getElementById(id);
  const state = { day: null, sending: false, map: null, mapRoute: null, mapLayer: null, changed: new Set(), seq: 0, lastOutcome: null, lastEvent: null, scrolled: false };
  const UNDO_MS = 2 * 60 * 1000; // the server accepts an undo this long after the event (visits.service)
  const CHANGED_MS = 5 * 60 * 1000; // a republished time this far off is «Endret»; seconds are not

  const token = () => localStorage.getItem("hjemmerute.token");
  const uuid = () =>
    crypto.randomUUID ? crypto.randomUUID() : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
  const clock = (value) =>
    value == null ? "–" : new Date(value).toLocaleTimeString("nb-NO", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Oslo" });

  class Offline extends Error {}

  async function api(path, options = {}) {
    const headers = { ...(options.headers || {}) };
    if (token()) headers.Authorization = `Bearer ${token()}`;
    let response;
    try {
      response = await fetch(API + path, { ...options, headers });
    } catch (error) {
      throw new Offline(String(error));
    }
    return response;
  }

  function message(text, kind = "info") {
    const box = document.createElement("div");
    box.className = `msg ${kind}`;
    box.textContent = text;
    $("messages").prepend(box);
    while ($("messages").children.length > 4) $("messages").lastChild.remove();
  }

  function applyLanguage() {
    document.querySelectorAll("[data-t]").forEach((el) => (el.textContent = t(el.dataset.t)));
    $("title").textContent = t("title");
    $("lang-label").textContent = t("language");
    $("logout").textContent = t("logout");
    $("delay").textContent = t("delayed");
    $("toggle-map").textContent = $("map").hidden ? t("map") : t("list");
    $("delay-title").textContent = t("delayTitle");
    $("delay-help").textContent = t("delayHelp");
    $("delay-send").textContent = t("sendNotice");
    $("delay-cancel").textContent = t("cancel");
    notDoneTexts();
    showNet();
    if (state.day) render();
  }

  function showNet() {
    const net = $("net");
    net.textContent = navigator.onLine ? t("online") : t("offline");
    net.classList.toggle("offline", !navigator.onLine);
  }

  // ---- the day -------------------------------------------------------------------------------------

  async function loadDay() {
    try {
      const response = await api("/my/day");
      if (response.status === 401) return showLogin();
      if (!response.ok) throw new Error((await response.json()).detail || response.statusText);
      const day = await response.json();
      // offline, the service worker answers with its cached copy: never step back to an older day
      if (state.day && state.day.date === day.date && day.computed_at < state.day.computed_at) return render();
      markChanges(state.day, day);
      state.day = day;
      const confirmed = (await Store.get("confirmed")) || [];
      await Store.set("confirmed", confirmed.filter((item) => item.device_time.slice(0, 10) >= day.date));
      await Store.set("day", day);
    } catch (error) {
      if (!(error instanceof Offline)) message(String(error.message || error), "error");
      state.day = state.day || (await Store.get("day")) || null;
    }
    render();
  }

  function markChanges(before, after) {
    if (!before || !after || before.revision === after.revision) return;
    const old = new Map();
    before.routes.forEach((r) => r.stops.forEach((s) => old.set(s.visit_ref, s)));
    state.changed = new Set();
    after.routes.forEach((r) =>
      r.stops.forEach((s) => {
        const was = old.get(s.visit_ref);
        const moved = was && Math.abs(Date.parse(was.planned_start) - Date.parse(s.planned_start)) >= CHANGED_MS;
        if (!was || moved) state.changed.add(s.visit_ref);
      })
    );
  }

  async function localEvents() {
    // events still in the outbox, and those the server confirmed since the day was last fetched
    const byStop = new Map();
    const confirmed = (await Store.get("confirmed")) || [];
    const items = [...confirmed, ...(await Store.all())].filter((item) => item.type === "event");
    const undone = new Set(items.filter((item) => item.body.kind === "undo").map((item) => item.body.undoes));
    for (const item of items) {
      if (item.body.kind === "undo" || undone.has(item.body.event_uuid)) continue;
      const entry = byStop.get(item.body.stop_id) || {};
      entry[item.body.kind] = item.body.device_time;
      byStop.set(item.body.stop_id, entry);
    }
    return byStop;
  }

  function etaInput(route, pending) {
    return route.stops.map((s) => {
      const local = pending.get(s.id) || {};
      return {
        stop_id: s.id,
        window_end: s.window_end,
        planned_start: s.planned_start,
        minutes: s.minutes,
        travel_seconds: s.travel_seconds,
        checked_in: s.checked_in_at || local.check_in || null,
        checked_out: s.checked_out_at || local.check_out || null,
        cancelled: s.status === "cancelled" || Boolean(local.cancel),
      };
    });
  }

  async function render() {
    // read the outbox first, then replace the list in one synchronous step: renders may overlap
    const pending = await localEvents();
    const day = state.day;
    $("routes").innerHTML = "";
    if (!day) return;
    $("who").textContent = `${day.carer_name} · ${new Date(day.date + "T12:00:00").toLocaleDateString("nb-NO", { weekday: "long", day: "numeric", month: "long" })}`;
    $("updated").textContent = `${t("lastUpdated")} ${clock(day.computed_at)}`;
    if (!day.routes.length) {
      $("routes").innerHTML = `<p class="card">${t("noRoute")}</p>`;
      return;
    }
    let next = null; // the visit in progress, else the first not started: highlighted and scrolled to
    const anyInProgress = day.routes.some((route) =>
      window.HREta.expectedStarts(etaInput(route, pending), Date.now(), route.break_start, route.break_minutes).some((e) => e.state === "in_progress"));
    for (const route of day.routes) {
      const section = document.createElement("section");
      section.className = "route";
      section.innerHTML = `<h2>${t("shift")[route.shift_kind] || route.shift_kind} ${clock(route.shift_start)}–${clock(route.shift_end)}</h2>`;
      const etas = window.HREta.expectedStarts(etaInput(route, pending), Date.now(), route.break_start, route.break_minutes);
      const finished = document.createElement("details");
      finished.className = "finished";
      let finishedCount = 0;
      route.stops.forEach((stop, index) => {
        const card = stopCard(stop, etas[index], pending.get(stop.id) || {}, anyInProgress);
        if (["done", "cancelled"].includes(etas[index].state)) {
          finished.append(card);
          finishedCount += 1;
          if (card.querySelector(".badge.pending")) finished.open = true; // not yet sent: keep it in sight
          return;
        }
        if (!next && (etas[index].state === "in_progress" || !anyInProgress)) {
          next = card;
          card.classList.add("next");
          card.querySelector(".badges").prepend(Object.assign(document.createElement("span"), { className: "badge next", textContent: t("next") }));
        }
        section.append(card);
      });
      if (finishedCount) {
        finished.prepend(Object.assign(document.createElement("summary"), { textContent: `${t("finishedVisits")} (${finishedCount})` }));
        section.querySelector("h2").after(finished);
      }
      $("routes").append(section);
    }
    if (next && !state.scrolled) {
      state.scrolled = true;
      next.scrollIntoView({ block: "start" });
    }
  }

  function directionsUrl(stop) {
    // the platform's own map app: Apple Maps on iPad/iPhone, a geo: URI (any map app) elsewhere
    // iPadOS calls itself «Macintosh»; only the touch screen tells it from a Mac
    const apple = /iPad|iPhone/.test(navigator.userAgent) || (/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 0);
    const at = `${stop.lat},${stop.lon}`;
    return apple ? `https://maps.apple.com/?daddr=${at}&dirflg=d` : `geo:${at}?q=${at}(${encodeURIComponent(stop.address)})`;
  }

  function stopCard(stop, eta, local, anyInProgress) {
    const card = document.createElement("article");
    const state_ = eta.state;
    card.className = `card stop ${state_}`;
    card.dataset.stopId = stop.id;
    card.dataset.state = state_;
    if (state.changed.has(stop.visit_ref)) card.classList.add("changed");
    if (stop.conflict) card.classList.add("conflict");
    const statusText = { planned: t("statusPlanned"), in_progress: t("statusInProgress"), done: t("statusDone"), cancelled: t("statusCancelled") }[state_];
    const waiting = (local.check_in && !stop.checked_in_at) || (local.check_out && !stop.checked_out_at);
    const late = eta.lateness_minutes > 0 && state_ !== "done";
    card.innerHTML = `
      <div class="seq">${stop.seq + 1}</div>
      <div>
        <div class="name"></div>
        <div class="address muted"></div>
        <div class="times">
          <span>${t("window")} <b>${clock(stop.window_start)}–${clock(stop.window_end)}</b></span>
          <span>${t("planned")} ${clock(stop.planned_start)}</span>
          <span class="expected">${state_ === "planned" ? t("expected") : t("started")} <b>${clock(eta.expected_start)}</b></span>
          <span>${stop.minutes} ${t("minutes")}</span>
        </div>
        <div class="brief"></div>
        <div class="badges">
          <span class="badge status">${statusText}</span>
          ${late ? `<span class="badge late">${eta.lateness_minutes} ${t("late")}</span>` : ""}
          ${waiting ? `<span class="badge pending">${t("pending")}</span>` : ""}
          ${stop.notified ? `<span class="badge ok">${t("notified")}</span>` : ""}
          ${state.changed.has(stop.visit_ref) ? `<span class="badge pending">${t("changed")}</span>` : ""}
          ${stop.conflict ? `<span class="badge conflict" title="">${t("conflict")}</span>` : ""}
        </div>
      </div>
      <div class="buttons"></div>`;
    card.querySelector(".name").textContent = stop.recipient_name;
    card.querySelector(".address").textContent = stop.address;
    const brief = card.querySelector(".brief");
    const lines = [];
    if (stop.tasks.length) lines.push(`${t("tasks")}: ${stop.tasks.join(", ")}`);
    if (stop.access_notes) lines.push(`${t("access")}: ${stop.access_notes}`);
    if (stop.partner_name) lines.push(`${t("partner")}: ${stop.partner_name}`);
    if (stop.conflict) lines.push(stop.conflict);
    brief.textContent = lines.join(" · ");
    const buttons = card.querySelector(".buttons");
    const who = stop.recipient_name;
    if (state_ === "planned") {
      buttons.append(button(t("start"), "primary", () => startVisit(stop, anyInProgress), `${t("startAt")} ${who}`));
    }
    if (state_ === "in_progress") buttons.append(button(t("done"), "primary", () => record(stop, "check_out"), `${t("doneAt")} ${who}`));
    if (state_ === "planned" || state_ === "in_progress") {
      buttons.append(button(t("notDone"), "small", () => openNotDone(stop), `${t("notDoneAt")} ${who}`));
      const link = Object.assign(document.createElement("a"), { className: "button small directions", href: directionsUrl(stop), textContent: t("directions") });
      link.setAttribute("aria-label", `${t("directions")}: ${stop.address}`);
      buttons.append(link);
    }
    const last = state.lastEvent;
    if (last && last.stop_id === stop.id && Date.now() - last.at < UNDO_MS) {
      buttons.append(button(t("undo"), "small undo", () => undo(last)));
    }
    return card;
  }

  function button(text, kind, action, label) {
    const el = document.createElement("button");
    el.textContent = text;
    el.className = kind;
    if (label) el.setAttribute("aria-label", label);
    el.addEventListener("click", async () => {
      el.disabled = true;
      await action();
    });
    return el;
  }

  // ---- events and notices, offline first ----------------------------------------------------------

  async function enqueue(type, body) {
    state.seq += 1;
    await Store.put({ id: type === "event" ? body.event_uuid : body.request_uuid, type, body, device_time: body.device_time, seq: state.seq });
  }

  async function record(stop, kind, extra = {}) {
    const body = { event_uuid: uuid(), stop_id: stop.id, kind, device_time: new Date().toISOString(), ...extra };
    await enqueue("event", body);
    state.lastEvent = { event_uuid: body.event_uuid, stop_id: stop.id, at: Date.now() };
    setTimeout(render, UNDO_MS + 1000); // the undo button goes when the server would refuse it
    await render();
    flush();
  }

  async function startVisit(stop, anyInProgress) {
    if (anyInProgress && !window.confirm(t("secondStart"))) return render();
    await record(stop, "check_in");
  }

  async function undo(last) {
    state.lastEvent = null;
    const waiting = (await Store.all()).find((item) => item.id === last.event_uuid);
    if (waiting) {
      await Store.remove(last.event_uuid); // never sent: nothing to correct on the server
    } else {
      await enqueue("event", { event_uuid: uuid(), stop_id: last.stop_id, kind: "undo", undoes: last.event_uuid, device_time: new Date().toISOString() });
    }
    message(t("undone"));
    await render();
    flush();
  }

  function openNotDone(stop) {
    const dialog = $("not-done-dialog");
    dialog.dataset.stopId = stop.id;
    $("not-done-who").textContent = `${stop.recipient_name}, ${stop.address}`;
    $("not-done-form").reset();
    $("not-done-error").hidden = true;
    dialog.showModal();
  }

  async function sendNotDone(event) {
    event.preventDefault();
    const form = new FormData($("not-done-form"));
    const reason = form.get("reason");
    const note = String(form.get("note") || "").trim();
    if (reason === "other" && !note) {
      $("not-done-error").textContent = t("noteNeeded");
      $("not-done-error").hidden = false;
      return;
    }
    const dialog = $("not-done-dialog");
    const stop = state.day.routes.flatMap((r) => r.stops).find((s) => s.id === Number(dialog.dataset.stopId));
    dialog.close();
    if (stop) await record(stop, "cancel", { reason, note });
  }

  function notDoneTexts() {
    $("not-done-title").textContent = t("notDoneTitle");
    $("not-done-help").textContent = t("notHomeHelp");
    document.querySelectorAll("[data-reason]").forEach((el) => (el.textContent = t("reasons")[el.dataset.reason]));
    $("not-done-note-label").textContent = t("note");
    $("not-done-send").textContent = t("send");
    $("not-done-cancel").textContent = t("cancel");
  }

  async function flush() {
    if (state.sending || !token()) return;
    state.sending = true;
    let sent = 0;
    try {
      for (const item of await Store.all()) {
        const path = item.type === "event" ? "/visit-events" : "/my/delay-notices";
        const response = await api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(item.body) });
        if (response.status === 401) return showLogin();
        const answer = await response.json().catch(() => ({}));
        if (response.status >= 500) break; // the server's trouble, not the event's: keep it, retry later
        if (response.ok) {
          if (answer.conflict) message(answer.conflict, "error");
          if (item.type === "event") await Store.set("confirmed", [...((await Store.get("confirmed")) || []), item]);
          if (item.type === "delay") showOutcome(answer);
        } else {
          // refused (403 not your visit, 409, 422): keep nothing back silently; tell the carer why
          message(`${t("conflict")}: ${typeof answer.detail === "string" ? answer.detail : response.statusText}`, "error");
        }
        await Store.remove(item.id);
        sent += 1;
      }
    } catch (error) {
      if (!(error instanceof Offline)) message(String(error), "error");
    } finally {
      state.sending = false;
    }
    if (sent) await loadDay();
  }

  function outcomeText(o) {
    if (o.notice === "already" && o.notified_at) return `${t("notifiedAt")} ${clock(o.notified_at)}`;
    return t("outcome")[o.notice] || o.notice;
  }

  function showOutcome(answer) {
    // per visit what happened, never «nobody» while some were told before: «SMS bestilt: 1 · Allerede varslet: 2»
    state.lastOutcome = answer;
    const counts = new Map();
    (answer.outcome || []).filter((o) => o.notice !== "done").forEach((o) => counts.set(o.notice, (counts.get(o.notice) || 0) + 1));
    const parts = [...counts].map(([kind, n]) => `${t("outcome")[kind] || kind}: ${n}`);
    const stops = new Map((state.day ? state.day.routes.flatMap((r) => r.stops) : []).map((st) => [st.id, st]));
    const each = (answer.outcome || []).filter((o) => o.notice !== "done" && o.notice !== "not_late" && stops.has(o.stop_id))
      .map((o) => `${stops.get(o.stop_id).recipient_name} ${clock(stops.get(o.stop_id).window_start)}: ${outcomeText(o)}`);
    const summary = parts.length ? parts.join(" · ") : t("noticeNone");
    message(each.length ? `${summary}. ${each.join("; ")}` : summary, counts.has("created") ? "info" : "warn");
  }

  async function previewDelay(routeId, body) {
    // what each visit will get before the tap; offline the server decides when the request arrives
    let outcome = null;
    try {
      const response = await api(`/my/routes/${routeId}/delay-preview`);
      if (response.ok) outcome = await response.json();
    } catch (error) {
      /* offline */
    }
    body.querySelectorAll("tr").forEach((row) => {
      const o = outcome && outcome.find((x) => x.stop_id === Number(row.dataset.stopId));
      row.querySelector(".what").textContent = o ? outcomeText(o) : t("decidedOnline");
    });
  }

  async function openDelay() {
    const day = state.day;
    if (!day || !day.routes.length) return;
    const pending = await localEvents();
    const now = Date.now();
    const route = day.routes.find((r) => r.stops.some((s) => !s.checked_out_at && !(pending.get(s.id) || {}).check_out)) || day.routes[0];
    const etas = window.HREta.expectedStarts(etaInput(route, pending), now, route.break_start, route.break_minutes);
    const body = $("delay-table").querySelector("tbody");
    body.innerHTML = "";
    route.stops.forEach((stop, i) => {
      const eta = etas[i];
      if (eta.state !== "planned") return;
      const row = document.createElement("tr");
      row.dataset.stopId = stop.id;
      row.innerHTML = `<td></td><td>${clock(stop.window_start)}–${clock(stop.window_end)}</td><td><b>${clock(eta.expected_start)}</b></td><td>${eta.lateness_minutes ? `<span class="badge late">${eta.lateness_minutes} ${t("late")}</span>` : ""}</td><td class="what muted"></td>`;
      row.firstChild.textContent = stop.recipient_name;
      body.append(row);
    });
    $("delay-dialog").dataset.routeId = route.route_id;
    $("delay-dialog").showModal();
    await previewDelay(route.route_id, body);
  }

  async function sendDelay() {
    const routeId = Number($("delay-dialog").dataset.routeId);
    $("delay-dialog").close();
    await enqueue("delay", { request_uuid: uuid(), route_id: routeId, device_time: new Date().toISOString() });
    if (!navigator.onLine) message(t("noticeQueued"));
    flush();
  }

  // ---- republished plans ----------------------------------------------------------------------------

  async function poll() {
    if (!token() || !state.day || !navigator.onLine) return;
    try {
      // the server answers 304 (no body) while the revision is the one this tablet already checked
      const response = await api("/my/day/revision", { headers: state.etag ? { "If-None-Match": state.etag } : {} });
      if (response.status === 304 || !response.ok) return;
      state.etag = response.headers.get("ETag");
      const { revision } = await response.json();
      if (revision !== state.day.revision) {
        $("banner-text").textContent = t("republished");
        $("banner-action").textContent = t("showChanges");
        $("banner").hidden = false;
      }
    } catch (error) {
      /* offline: try again later */
    }
  }

  // ---- map ------------------------------------------------------------------------------------------

  async function toggleMap() {
    const map = $("map");
    map.hidden = !map.hidden;
    $("toggle-map").textContent = map.hidden ? t("map") : t("list");
    if (map.hidden || !state.day || !state.day.routes.length) return;
    // the shift now under way: the first route with a visit not yet finished (the evening after the day)
    const pending = await localEvents();
    const route = state.day.routes.find((r) => r.stops.some((s) => !s.checked_out_at && s.status !== "cancelled" && !(pending.get(s.id) || {}).check_out))
      || state.day.routes[state.day.routes.length - 1];
    if (!state.map) {
      state.map = L.map("map", { attributionControl: true });
      state.map.attributionControl.addAttribution("&copy; OpenStreetMap contributors");
    }
    setTimeout(() => state.map.invalidateSize(), 50);
    if (state.mapRoute === route.route_id) return;
    state.mapRoute = route.route_id;
    if (state.mapLayer) state.mapLayer.remove();
    state.mapLayer = L.layerGroup().addTo(state.map);
    $("map").dataset.routeId = route.route_id;
    const points = route.stops.map((s) => [s.lat, s.lon]);
    route.stops.forEach((s) =>
      L.marker([s.lat, s.lon], { title: `${s.seq + 1}` }).bindTooltip(`${s.seq + 1}`, { permanent: true, direction: "top" }).addTo(state.mapLayer)
    );
    if (points.length) state.map.fitBounds(points, { padding: [30, 30] });
    try {
      const response = await api(`/my/routes/${route.route_id}/map`);
      if (response.ok) {
        const data = await response.json();
        if (data.base_layer) L.geoJSON(data.base_layer, { style: { color: "#9aa0a6", weight: 1.5 } }).addTo(state.mapLayer);
        if (data.geometry) L.geoJSON(data.geometry, { style: { color: "#0b5c6b", weight: 5 } }).addTo(state.mapLayer);
      }
    } catch (error) {
      /* offline and not cached: markers only */
    }
    if (navigator.geolocation) {
      let me = null;
      navigator.geolocation.watchPosition(
        (pos) => {
          const at = [pos.coords.latitude, pos.coords.longitude];
          if (!me) me = L.circleMarker(at, { radius: 9, color: "#b3261e", fillOpacity: 0.9 }).bindTooltip(t("myPosition")).addTo(state.map);
          else me.setLatLng(at);
        },
        () => {},
        { enableHighAccuracy: true, maximumAge: 30000 }
      );
    }
  }

  // ---- login / logout -------------------------------------------------------------------------------

  function showLogin() {
    $("login-view").hidden = false;
    $("day-view").hidden = true;
    $("logout").hidden = true;
  }

  function showDay() {
    $("login-view").hidden = true;
    $("day-view").hidden = false;
    $("logout").hidden = false;
  }

  async function login(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    $("login-error").hidden = true;
    try {
      const response = await api("/auth/token", { method: "POST", body: new URLSearchParams(form) });
      if (!response.ok) throw new Error(t("loginFailed"));
      localStorage.setItem("hjemmerute.token", (await response.json()).access_token);
      event.target.reset();
      showDay();
      await loadDay();
      flush();
    } catch (error) {
      $("login-error").textContent = error instanceof Offline ? t("offline") : error.message;
      $("login-error").hidden = false;
    }
  }

  async function logout() {
    try {
      await api("/auth/logout", { method: "POST" });
    } catch (error) {
      /* offline: the token is forgotten here all the same */
    }
    localStorage.removeItem("hjemmerute.token");
    try {
      await fetch("/logout", { method: "POST", credentials: "same-origin", redirect: "manual" }); // the web session too
    } catch (error) {
      /* offline */
    }
    state.day = null;
    await Store.wipe();
    if (window.caches) for (const key of await caches.keys()) await caches.delete(key);
    $("routes").innerHTML = "";
    showLogin();
  }

  // ---- start ----------------------------------------------------------------------------------------

  async function start() {
    window.HRi18n.setLang(window.HRi18n.lang());
    $("lang").value = window.HRi18n.lang();
    $("lang").addEventListener("change", (e) => {
      window.HRi18n.setLang(e.target.value);
      applyLanguage();
    });
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    $("delay").addEventListener("click", openDelay);
    $("delay-send").addEventListener("click", sendDelay);
    $("delay-cancel").addEventListener("click", () => $("delay-dialog").close());
    $("not-done-form").addEventListener("submit", sendNotDone);
    $("not-done-cancel").addEventListener("click", () => $("not-done-dialog").close());
    $("toggle-map").addEventListener("click", toggleMap);
    $("banner-action").addEventListener("click", async () => {
      $("banner").hidden = true;
      await loadDay();
    });
    window.addEventListener("online", () => { showNet(); flush(); });
    window.addEventListener("offline", showNet);
    window.addEventListener("focus", flush);
    setInterval(() => { poll(); flush(); }, POLL_MS);
    setInterval(render, 60000); // expected times move with the clock
    applyLanguage();
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
    if (!token() && !(await handOver())) return showLogin();
    showDay();
    await loadDay();
    flush();
  }

  async function handOver() {
    // logged in on the web pages already: the session cookie buys the app its own token, no second password
    try {
      const response = await fetch(`${API}/auth/session-token`, { method: "POST", credentials: "same-origin", headers: { "X-Hjemmerute-CSRF": "1" } });
      if (!response.ok) return false;
      localStorage.setItem("hjemmerute.token", (await response.json()).access_token);
      return true;
    } catch (error) {
      return false; // offline: the login form
    }
  }

  window.HRApp = { state, flush, poll, loadDay };
  start();
})();
