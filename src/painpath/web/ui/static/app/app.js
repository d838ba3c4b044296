// The patient app's pages: installs the service worker, keeps entries made offline in the
// outbox and sends them when the connection returns, drives the body map, the day list in the
// patient's own time zone, and the wearable upload's progress bar.
import { enqueue, entries, forget, newId, onChange, sync } from "/static/app/outbox.js";

const PAGES_CACHE = "painpath-pages";
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || "";
const patientId = Number(meta("painpath-patient"));
const timeZone = meta("painpath-time-zone") || "UTC";
let csrfToken = meta("csrf-token");

function say(element, text) {
  if (element) element.textContent = text;
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

// ---- service worker ------------------------------------------------------------------------

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
    const ready = await navigator.serviceWorker.ready;
    const links = [...document.querySelectorAll("a[data-offline]")].map((link) => link.pathname);
    if (links.length && ready.active) ready.active.postMessage({ type: "keep-pages", urls: links });
    document.documentElement.dataset.worker = "ready";
  } catch (error) {
    document.documentElement.dataset.worker = "failed";
  }
}

// ---- sync status ---------------------------------------------------------------------------

const statusBox = document.getElementById("sync-status");

async function freshToken() {
  try {
    const response = await fetch("/app/", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok || response.redirected) return null;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const token = page.querySelector('meta[name="csrf-token"]')?.content;
    if (token) csrfToken = token;
    return token || null;
  } catch {
    return null;
  }
}

async function showStatus(result) {
  if (!statusBox || !patientId) return;
  const kept = await entries(patientId);
  const waiting = kept.filter((entry) => entry.state === "pending");
  const rejected = kept.filter((entry) => entry.state === "rejected");
  const text = statusBox.querySelector("[data-status-text]");
  let message;
  if (waiting.length) {
    const why = result && result.status === "signed-out"
      ? "Sign in again to send them."
      : "They will be sent when you are online.";
    message = `${plural(waiting.length, "entry", "entries")} saved on this phone. ${why}`;
  } else if (result && result.sent) {
    message = `All entries sent to your care team (${plural(result.sent, "entry", "entries")} just now).`;
  } else {
    message = "Everything is sent.";
  }
  say(text, message);
  statusBox.dataset.waiting = String(waiting.length);
  statusBox.dataset.state = waiting.length ? "waiting" : "sent";
  const list = statusBox.querySelector("[data-rejected]");
  if (!list) return;
  list.replaceChildren();
  for (const entry of rejected) {
    const item = document.createElement("li");
    item.textContent = `Not accepted: ${describe(entry)}. ${entry.error} `;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link-button";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => forget(entry.key));
    item.append(remove);
    list.append(item);
  }
  list.hidden = !rejected.length;
}

function describe(entry) {
  const item = entry.item;
  if (entry.kind === "pain_diary_entry") return `diary, pain ${item.pain} on ${item.local_date}`;
  if (entry.kind === "dose_log") return `dose ${item.taken ? "taken" : "skipped"}`;
  return `${item.instrument} answers`;
}

// navigator.onLine and the "online" event are hints only (a phone can be "online" with no
// route to the server): while entries wait, sending is tried again with a growing pause.
const RETRY_FIRST_MS = 5000;
const RETRY_MOST_MS = 60000;
let retryTimer = null;
let retryDelay = RETRY_FIRST_MS;

function retryLater(result) {
  clearTimeout(retryTimer);
  retryTimer = null;
  if (!result || !result.waiting || result.status === "signed-out") {
    retryDelay = RETRY_FIRST_MS;
    return;
  }
  retryTimer = setTimeout(sendNow, retryDelay);
  retryDelay = Math.min(retryDelay * 2, RETRY_MOST_MS);
}

async function sendNow() {
  if (!patientId) return null;
  if (statusBox) statusBox.dataset.syncing = "true";
  try {
    const result = await sync(patientId, () => csrfToken, freshToken);
    await showStatus(result);
    retryLater(result);
    return result;
  } finally {
    if (statusBox) statusBox.dataset.syncing = "false";
  }
}

async function keep(kind, item, confirmation) {
  await enqueue(patientId, kind, item);
  const notice = document.getElementById("app-notice");
  say(notice, confirmation);
  if (notice) notice.hidden = false;
  await showStatus(null);
  await sendNow();
}

// ---- the patient's own days ----------------------------------------------------------------

function localDay(moment) {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(moment);
}

function fillDays(select) {
  // Count back on the calendar, not in 24-hour steps (a daylight-saving day has 23 or 25).
  const [year, month, day] = localDay(new Date()).split("-").map(Number);
  const names = ["Today", "Yesterday"];
  const words = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: "long", day: "numeric", month: "long" });
  const options = [];
  for (let back = 0; back < 7; back += 1) {
    const date = new Date(Date.UTC(year, month - 1, day - back));
    const parts = words.formatToParts(date);
    const part = (type) => parts.find((entry) => entry.type === type)?.value || "";
    const option = document.createElement("option");
    option.value = date.toISOString().slice(0, 10);
    option.textContent = `${names[back] || part("weekday")}, ${part("day")} ${part("month")}`;
    options.push(option);
  }
  select.replaceChildren(...options);
}

// ---- diary ---------------------------------------------------------------------------------

function bodyMap(form) {
  const buttons = [...form.querySelectorAll("button[data-region]")];
  const summary = form.querySelector("[data-region-summary]");
  const update = () => {
    const chosen = buttons.filter((button) => button.getAttribute("aria-pressed") === "true");
    say(summary, chosen.length
      ? `Chosen: ${chosen.map((button) => button.dataset.name).join(", ")}.`
      : "No areas chosen.");
  };
  for (const button of buttons) {
    button.addEventListener("click", () => {
      const pressed = button.getAttribute("aria-pressed") === "true";
      button.setAttribute("aria-pressed", String(!pressed));
      update();
    });
  }
  update();
  return () => buttons.filter((b) => b.getAttribute("aria-pressed") === "true").map((b) => b.dataset.region);
}

function diaryForm(form) {
  const regions = bodyMap(form);
  const daySelect = form.querySelector("select[name=local_date]");
  if (daySelect) fillDays(daySelect);
  const error = form.querySelector("[data-pain-error]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const pain = data.get("pain");
    if (pain === null) {
      say(error, "Choose how bad your pain is, from 0 (no pain) to 10 (worst imaginable).");
      error.hidden = false;
      form.querySelector("input[name=pain]")?.focus();
      return;
    }
    error.hidden = true;
    const number = (name) => (data.get(name) ? Number(String(data.get(name)).replace(",", ".")) : null);
    const triggers = String(data.get("triggers") || "").split(",").map((t) => t.trim()).filter(Boolean);
    const item = {
      local_date: data.get("local_date"),
      pain: Number(pain),
      body_regions: regions(),
      qualities: data.getAll("qualities"),
      triggers,
      sleep_hours: number("sleep_hours"),
      mood: number("mood"),
      notes: String(data.get("notes") || "").trim() || null,
      recorded_at: new Date().toISOString(),
      client_id: newId(),
    };
    await keep("pain_diary_entry", item, `Saved: pain ${item.pain} out of 10 on ${item.local_date}.`);
    form.reset();
    for (const button of form.querySelectorAll("button[data-region]")) button.setAttribute("aria-pressed", "false");
    if (daySelect) fillDays(daySelect);
    form.querySelector("[data-region-summary]") && say(form.querySelector("[data-region-summary]"), "No areas chosen.");
  });
}

// ---- doses ---------------------------------------------------------------------------------

function doseForm(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const taken = !(event.submitter && event.submitter.value === "false");
    const asNeeded = form.dataset.asNeeded === "true";
    const item = {
      medication_request_id: Number(form.dataset.medicationRequest),
      effective_at: new Date().toISOString(),
      taken,
      as_needed: taken ? asNeeded : null,
      client_id: newId(),
    };
    if (!taken) item.reason_not_taken = "skipped by the patient";
    const name = form.dataset.medicine;
    await keep("dose_log", item, `Logged: ${name} ${taken ? "taken" : "skipped"} at ${new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit" }).format(new Date())}.`);
  });
}

// ---- questionnaires ------------------------------------------------------------------------

function questionnaireForm(form) {
  const safety = document.getElementById("safety");
  const urgentChoices = () => [...form.querySelectorAll("input[data-urgent]:checked")];
  form.addEventListener("change", () => {
    if (safety) safety.hidden = urgentChoices().length === 0;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const groups = [...form.querySelectorAll("fieldset[data-item]")];
    const answers = groups.map((group) => {
      const chosen = group.querySelector("input:checked");
      return chosen ? Number(chosen.value) : null;
    });
    const missing = groups.filter((_, index) => answers[index] === null).map((group) => group.dataset.number);
    const error = form.querySelector("[data-answers-error]");
    if (missing.length) {
      say(error, `Answer every question before sending: ${missing.length === 1 ? "question" : "questions"} ${missing.join(", ")}.`);
      error.hidden = false;
      error.focus();
      return;
    }
    error.hidden = true;
    const item = {
      instrument: form.dataset.instrument,
      answers,
      authored_at: new Date().toISOString(),
      assignment_id: Number(form.dataset.assignment),
      occurrence: Number(form.dataset.occurrence),
      client_id: newId(),
    };
    await keep("questionnaire_response", item, `Saved: your ${form.dataset.name} answers.`);
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
  });
}

// ---- wearable upload -----------------------------------------------------------------------

function uploadForm(form) {
  const bar = form.querySelector("progress");
  const percent = form.querySelector("[data-percent]");
  const result = document.getElementById("upload-result");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    data.delete("csrf_token");
    if (!data.get("kind")) data.delete("kind");
    const file = data.get("file");
    if (!file || !file.size) {
      say(result, "Choose the export file first.");
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/patients/${patientId}/wearables/imports`);
    xhr.setRequestHeader("X-CSRF-Token", csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    bar.value = 0;
    say(percent, "0 %");
    form.dataset.upload = "sending";
    xhr.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      const share = Math.round((progress.loaded / progress.total) * 100);
      bar.value = share;
      say(percent, `${share} %`);
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = {};
      }
      if (xhr.status === 200 || xhr.status === 201) {
        bar.value = 100;
        say(percent, "100 %");
        form.dataset.upload = "done";
        say(result, body.already_imported
          ? `This file was sent before: nothing new added (${body.file_name || "export"}).`
          : `Imported ${body.file_name || "your export"}: ${plural(body.samples_added, "new reading", "new readings")}, ${plural(body.days_summarized, "day", "days")} summarized.`);
      } else {
        form.dataset.upload = "failed";
        say(result, `Not imported: ${body.detail || `the server answered ${xhr.status}`}.`);
      }
    });
    xhr.addEventListener("error", () => {
      form.dataset.upload = "failed";
      say(result, "Not sent: there is no connection. Try again when you are online.");
    });
    xhr.send(data);
  });
}

// ---- sign-out forgets the pages kept for offline use ------------------------------------------

function signOutForgetsPages() {
  for (const form of document.querySelectorAll('form[action="/logout"]')) {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.forgotten === "true") return;
      event.preventDefault();
      try {
        await caches.delete(PAGES_CACHE);
      } finally {
        form.dataset.forgotten = "true";
        form.requestSubmit();
      }
    });
  }
}

// ---- start ---------------------------------------------------------------------------------

function online() {
  document.documentElement.dataset.online = String(navigator.onLine);
  for (const element of document.querySelectorAll("[data-needs-network]")) {
    element.disabled = !navigator.onLine;
  }
}

window.addEventListener("online", () => {
  online();
  retryDelay = RETRY_FIRST_MS;
  sendNow();
});
window.addEventListener("offline", online);
onChange(() => showStatus(null));

for (const form of document.querySelectorAll("form[data-outbox=pain_diary_entry]")) diaryForm(form);
for (const form of document.querySelectorAll("form[data-outbox=dose_log]")) doseForm(form);
for (const form of document.querySelectorAll("form[data-outbox=questionnaire_response]")) questionnaireForm(form);
for (const form of document.querySelectorAll("form[data-upload]")) uploadForm(form);
signOutForgetsPages();
online();
registerWorker();
showStatus(null).then(sendNow);
