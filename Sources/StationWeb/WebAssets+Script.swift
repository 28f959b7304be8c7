extension WebAssets {
    /// The page's behaviour: plain JavaScript, no libraries. Text from the station goes in with
    /// `textContent` only.
    static let script = #"""
const state = { lang: localStorage.getItem("station.lang") || "vi", job: null, products: [], batches: [], printers: {}, events: null };
const $ = (id) => document.getElementById(id);
const t = (key) => (STRINGS[state.lang] && STRINGS[state.lang][key]) || STRINGS.vi[key] || key;

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  $("lang-switch").textContent = t("lang");
  renderPrinters();
  if (state.job) renderJob(state.job);
}

async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: {}, credentials: "same-origin" };
  if (options.json !== undefined) { init.body = JSON.stringify(options.json); init.headers["Content-Type"] = "application/json"; }
  if (options.body !== undefined) { init.body = options.body; init.headers["Content-Type"] = options.type || "application/octet-stream"; }
  const r = await fetch(path, init);
  if (r.status === 401 && path !== "/api/login") { showLogin(); throw new Error(t("loginTitle")); }
  const isJSON = (r.headers.get("Content-Type") || "").startsWith("application/json");
  const data = isJSON ? await r.json() : await r.blob();
  if (!r.ok) throw new Error((data && data.error) || ("HTTP " + r.status));
  return data;
}

function say(id, text, ok) {
  const el = $(id);
  el.textContent = text;
  el.className = "message " + (ok === undefined ? "" : ok ? "ok" : "bad");
}

function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

function option(value, text) {
  const o = document.createElement("option");
  o.value = value; o.textContent = text;
  return o;
}

// ---- login ----
function showLogin() {
  $("login").hidden = false; $("tabs").hidden = true; $("logout").hidden = true;
  for (const p of document.querySelectorAll("main .page")) p.hidden = true;
  if (state.events) { state.events.close(); state.events = null; }
  $("pin").value = ""; $("pin").focus();
}

async function login() {
  try {
    const s = await api("/api/login", { method: "POST", json: { pin: $("pin").value } });
    $("login-error").textContent = "";
    start(s);
  } catch (e) {
    $("login-error").textContent = e.message;
    $("pin").value = "";
  }
}

async function start(session) {
  $("station-name").textContent = session.stationName;
  $("login").hidden = true; $("tabs").hidden = false; $("logout").hidden = false;
  showPage(localStorage.getItem("station.page") || "print");
  connectEvents();
  await Promise.all([loadCatalog(), loadPrinters(), loadJobs(), loadScans()]);
}

// ---- pages ----
function showPage(name) {
  for (const p of document.querySelectorAll("main .page")) p.hidden = p.id !== "page-" + name;
  for (const b of document.querySelectorAll("#tabs button")) {
    if (b.dataset.page === name) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  }
  localStorage.setItem("station.page", name);
  if (name === "sync") loadSync();
}

// ---- catalog ----
async function loadCatalog() {
  state.products = await api("/api/products");
  state.batches = await api("/api/batches?status=open");
  const productSelects = [$("product-select"), $("stamp-product")];
  for (const sel of productSelects) {
    const keep = sel.value;
    clear(sel);
    for (const p of state.products) sel.appendChild(option(p.gtin, p.name + " · " + p.gtin));
    if (keep) sel.value = keep;
  }
  if (state.products.length === 0) say("print-message", t("noProduct"), false);
  fillBatches();
}

function fillBatches() {
  const gtin = $("product-select").value;
  const keep = $("batch-select").value;
  clear($("batch-select"));
  for (const b of state.batches.filter((b) => b.gtin === gtin)) {
    $("batch-select").appendChild(option(b.lot, b.lot + " · " + b.productionDate));
  }
  if (keep) $("batch-select").value = keep;
  const previewKeep = $("preview-batch").value;
  clear($("preview-batch"));
  for (const b of state.batches) $("preview-batch").appendChild(option(b.lot, b.lot));
  if (previewKeep) $("preview-batch").value = previewKeep;
}

async function createBatch() {
  try {
    const lot = $("new-lot").value.trim();
    const b = await api("/api/batches", { method: "POST", json: {
      gtin: $("product-select").value, lot: lot, productionDate: $("new-produced").value,
      plannedQuantity: parseInt($("new-quantity").value, 10) } });
    await loadCatalog();
    $("batch-select").value = b.lot;
    $("new-batch").open = false;
    say("print-message", t("batchCreated") + ": " + b.lot, true);
  } catch (e) { say("print-message", e.message, false); }
}

// ---- jobs ----
async function startJob() {
  const lot = $("batch-select").value;
  if (!lot) { say("print-message", t("noBatch"), false); return; }
  try {
    const j = await api("/api/jobs", { method: "POST", json: { batch: lot, count: parseInt($("job-count").value, 10) } });
    say("print-message", "", true);
    showJob(j);
  } catch (e) { say("print-message", e.message, false); }
}

async function loadJobs() {
  const jobs = await api("/api/jobs?active=true");
  if (jobs.length > 0) showJob(await api("/api/jobs/" + jobs[jobs.length - 1].id));
}

function showJob(j) {
  if (state.job && state.job.id === j.id && j.uncertainSerials === undefined) j.uncertainSerials = state.job.uncertainSerials;
  state.job = j;
  renderJob(j);
  if (j.state === "paused" && j.uncertain > 0 && !j.uncertainSerials) api("/api/jobs/" + j.id).then(showJob, () => {});
}

function renderJob(j) {
  $("job").hidden = false;
  $("job-id").textContent = "#" + j.id;
  $("job-lot").textContent = j.product + " · " + j.lot;
  $("job-printer").textContent = j.printer;
  const pct = Math.round(j.progress * 100);
  $("job-progress").style.width = pct + "%";
  $("job-progress").setAttribute("aria-valuenow", String(pct));
  $("job-progress-text").textContent = j.printed + " / " + j.requested + " (" + pct + "%)";
  $("job-state").textContent = t("state_" + j.state);
  $("job-reason").textContent = j.state === "paused" && j.pauseReason ? j.pauseReason : "";
  const active = j.state === "running" || j.state === "queued";
  $("pause-job").disabled = !active;
  $("resume-job").disabled = j.state !== "paused" || j.uncertain > 0;
  $("cancel-job").disabled = j.state === "completed" || j.state === "cancelled" || j.uncertain > 0;
  const list = j.uncertainSerials || [];
  $("uncertain").hidden = !(j.uncertain > 0);
  clear($("uncertain-list"));
  for (const s of list) { const li = document.createElement("li"); li.textContent = s; $("uncertain-list").appendChild(li); }
}

async function jobAction(action, body) {
  if (!state.job) return;
  try { showJob(await api("/api/jobs/" + state.job.id + "/" + action, { method: "POST", json: body || {} })); }
  catch (e) { say("print-message", e.message, false); }
}

// ---- printers ----
async function loadPrinters() {
  for (const p of await api("/api/printers")) state.printers[p.name] = p;
  renderPrinters();
}

function renderPrinters() {
  const pill = $("printer-status");
  const list = Object.values(state.printers);
  if (list.length === 0) { pill.textContent = ""; return; }
  const bad = list.some((p) => p.condition !== "ready");
  pill.className = "pill " + (bad ? "bad" : "ok");
  pill.textContent = list.map((p) => p.name + ": " + t("printer_" + p.condition) + (p.job ? " · " + t("printing") + " " + p.job : "")).join(" · ");
}

// ---- scans ----
async function loadScans() {
  const [scans, scanners] = await Promise.all([api("/api/scans?limit=50"), api("/api/scanners")]);
  clear($("scan-list"));
  for (const s of scans) addScan(s);
  renderScanners(scanners);
}

// Each scanner's connection, green or red: an unplugged scanner is seen at once, and when it is back.
function renderScanners(list) {
  const ul = $("scanner-status");
  clear(ul);
  for (const s of list) {
    const li = document.createElement("li");
    li.className = s.state === "connected" || s.state === "stdin" ? "ok" : "bad";
    li.dataset.scanner = s.name;
    li.dataset.state = s.state;
    li.textContent = s.name + ": " + (state.lang === "vi" ? s.message : s.detail);
    ul.appendChild(li);
  }
}

function addScan(s) {
  const li = document.createElement("li");
  li.className = "scan " + (s.outcome === "accepted" ? "ok" : s.outcome === "duplicate" ? "dup" : "bad");
  li.dataset.outcome = s.outcome;
  const verdict = document.createElement("span"); verdict.className = "verdict"; verdict.textContent = t("outcome_" + s.outcome);
  const message = document.createElement("span"); message.className = "text"; message.textContent = s.message;
  const code = document.createElement("span"); code.className = "code"; code.textContent = s.text;
  const when = document.createElement("span"); when.className = "when"; when.textContent = s.receivedAt.replace("T", " ").slice(0, 19) + " · " + s.scanner;
  li.append(verdict, message, code, when);
  $("scan-list").insertBefore(li, $("scan-list").firstChild);
  while ($("scan-list").children.length > 200) $("scan-list").removeChild($("scan-list").lastChild);
  $("scan-empty").hidden = true;
}

// ---- live updates ----
function connectEvents() {
  if (state.events) state.events.close();
  const es = new EventSource("/api/events/stream");
  es.addEventListener("job", (e) => { const j = JSON.parse(e.data); if (!state.job || state.job.id === j.id || j.state === "running") showJob(j); });
  es.addEventListener("printer", (e) => { const p = JSON.parse(e.data); state.printers[p.name] = p; renderPrinters(); });
  es.addEventListener("scan", (e) => addScan(JSON.parse(e.data)));
  es.addEventListener("scanners", (e) => renderScanners(JSON.parse(e.data)));
  es.onerror = () => { if (es.readyState === EventSource.CLOSED) setTimeout(() => api("/api/session").then(connectEvents, () => {}), 3000); };
  state.events = es;
}

// ---- reprint / void ----
async function stampAction(kind) {
  const serial = $("stamp-serial").value.trim().toUpperCase();
  if (!serial) { say("stamp-message", t("needSerial"), false); return; }
  try {
    const r = await api("/api/stamps/" + kind, { method: "POST", json: { gtin: $("stamp-product").value, serial: serial, reason: $("stamp-reason").value } });
    say("stamp-message", t(kind === "void" ? "voided" : "reprinted") + " " + r.serial + (r.printedOn ? " · " + r.printedOn : ""), true);
  } catch (e) { say("stamp-message", e.message, false); }
}

// ---- preview ----
async function showPreview() {
  const lot = $("preview-batch").value;
  if (!lot) { say("preview-message", t("noBatch"), false); return; }
  const q = new URLSearchParams({ batch: lot });
  if ($("preview-serial").value.trim()) q.set("serial", $("preview-serial").value.trim().toUpperCase());
  try {
    const blob = await api("/api/labels/preview?" + q.toString());
    const img = $("preview-image");
    if (img.src) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(blob);
    img.hidden = false;
    say("preview-message", "", true);
  } catch (e) { say("preview-message", e.message, false); }
}

// ---- photo check ----
async function uploadPhoto() {
  const file = $("photo-file").files[0];
  if (!file) return;
  clear($("photo-result"));
  say("photo-message", t("decoding"));
  try {
    const r = await fetch("/api/inspect/photo", { method: "POST", body: file, credentials: "same-origin",
      headers: { "Content-Type": file.type || "application/octet-stream" } });
    if (r.status === 401) { showLogin(); return; }
    const report = await r.json();
    if (report.error) { say("photo-message", state.lang === "vi" ? report.error.vietnamese : report.error.message, false); return; }
    say("photo-message", report.codes.length === 0 ? t("noCode") : "", report.codes.length > 0);
    for (const c of report.codes) $("photo-result").appendChild(verdictCard(c));
    for (const n of report.notes) { const p = document.createElement("p"); p.textContent = state.lang === "vi" ? n.vietnamese : n.english; $("photo-result").appendChild(p); }
  } catch (e) { say("photo-message", e.message, false); }
  $("photo-file").value = "";
}

function verdictCard(c) {
  const v = c.verdict;
  const card = document.createElement("div");
  const kind = v ? v.kind : "not_a_stamp";
  // The province knows more than one station: its verdict decides the colour when it answered.
  const decisive = c.server ? c.server.verdict : kind;
  card.className = "verdict-card " + (decisive === "genuine" ? "ok" : "bad");
  card.dataset.verdict = kind;
  if (c.server) card.dataset.serverVerdict = c.server.verdict;
  const title = document.createElement("div"); title.className = "verdict"; title.textContent = t("verdict_" + kind);
  card.appendChild(title);
  const lines = [];
  if (v) {
    lines.push(state.lang === "vi" ? v.message : v.reason);
    if (v.productName) lines.push(v.productName);
    if (v.producer) lines.push(t("producer") + ": " + v.producer);
    if (v.lot) lines.push(t("lotLabel") + " " + v.lot + (v.expiry ? " · " + t("expiry") + " " + v.expiry : ""));
    if (v.serial) lines.push(t("serial") + " " + v.serial + " · " + t("checkedBefore") + " " + v.scanCount + " " + t("times"));
    for (const h of v.history || []) {
      lines.push("· " + h.eventTime.slice(0, 16).replace("T", " ") + " " + (STRINGS.vi["step_" + h.bizStep] ? t("step_" + h.bizStep) : (h.bizStep || t("step_other"))) + (h.reason ? " (" + h.reason + ")" : ""));
    }
  } else if (c.text) {
    lines.push(c.text);
  }
  for (const l of lines) { const p = document.createElement("p"); p.textContent = l; card.appendChild(p); }
  if (c.server) {
    const sv = document.createElement("div"); sv.className = "server-verdict";
    const head = document.createElement("p"); head.className = "verdict";
    head.textContent = t("serverVerdict") + ": " + t("verdict_" + c.server.verdict);
    const msg = document.createElement("p"); msg.textContent = state.lang === "vi" ? c.server.message : c.server.reason;
    const facts = document.createElement("p");
    facts.textContent = t("serverLookups") + " " + c.server.scanCount + " · " + t("serverHistory") + " " + c.server.history.length;
    sv.append(head, msg, facts);
    for (const w of c.server.warnings) { const p = document.createElement("p"); p.className = "warning"; p.textContent = w.message; sv.appendChild(p); }
    card.appendChild(sv);
  } else if (c.serverNote) {
    const p = document.createElement("p"); p.className = "server-note"; p.textContent = t("serverUnreachable"); p.title = c.serverNote;
    card.appendChild(p);
  }
  return card;
}

// ---- sync ----
async function loadSync() {
  try {
    const s = await api("/api/sync");
    $("sync-server").textContent = s.online ? s.server : t("offline");
    $("sync-backlog").textContent = s.status.backlog + " " + t("events");
    $("sync-success").textContent = s.status.lastSuccess || t("never");
    $("sync-error").textContent = s.status.lastError || t("none");
  } catch (e) { $("sync-error").textContent = e.message; }
}

// ---- wiring ----
document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll(".keypad button[data-key]")) {
    b.addEventListener("click", () => {
      const pin = $("pin");
      if (b.dataset.key === "back") pin.value = pin.value.slice(0, -1); else if (pin.value.length < 12) pin.value += b.dataset.key;
    });
  }
  $("login-btn").addEventListener("click", login);
  $("pin").addEventListener("keydown", (e) => { if (e.key === "Enter") login(); });
  $("logout").addEventListener("click", async () => { await api("/api/logout", { method: "POST" }).catch(() => {}); showLogin(); });
  $("lang-switch").addEventListener("click", () => { state.lang = state.lang === "vi" ? "en" : "vi"; localStorage.setItem("station.lang", state.lang); applyLanguage(); });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showPage(b.dataset.page));
  $("product-select").addEventListener("change", fillBatches);
  $("create-batch").addEventListener("click", createBatch);
  for (const b of document.querySelectorAll("button[data-step]")) {
    b.addEventListener("click", () => { const c = $("job-count"); c.value = Math.max(1, (parseInt(c.value, 10) || 0) + parseInt(b.dataset.step, 10)); });
  }
  $("start-job").addEventListener("click", startJob);
  $("pause-job").addEventListener("click", () => jobAction("pause"));
  $("resume-job").addEventListener("click", () => jobAction("resume"));
  $("cancel-job").addEventListener("click", () => jobAction("cancel"));
  $("resolve-printed").addEventListener("click", () => jobAction("resolve", { allPrinted: true }));
  $("resolve-void").addEventListener("click", () => jobAction("resolve", { allVoid: true }));
  $("reprint").addEventListener("click", () => stampAction("reprint"));
  $("void").addEventListener("click", () => stampAction("void"));
  $("preview-show").addEventListener("click", showPreview);
  $("photo-file").addEventListener("change", uploadPhoto);
  $("new-produced").value = new Date().toISOString().slice(0, 10);
  applyLanguage();
  fetch("/api/session", { credentials: "same-origin" }).then((r) => r.ok ? r.json().then(start) : showLogin(), showLogin);
});
"""#
}
