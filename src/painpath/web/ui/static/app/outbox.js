// The patient app's outbox: entries made on this phone (diary, doses, questionnaire answers)
// wait in IndexedDB until the mobile sync API has stored them.
//
// Nothing lost: an entry leaves the outbox only after the server answered for its batch.
// Nothing doubled: each entry carries a client id made here (the server keeps one row per
// kind and client id), and a batch whose answer never arrived is sent again unchanged, with
// the same batch id (the server replays its first answer and adds nothing).

const DB_NAME = "painpath-app";
const DB_VERSION = 1;
const ENTRIES = "entries";
const BATCHES = "batches";
const MAX_BATCH = 100;
const ITEM_INDEX = /^items\.(\d+)(?:\.|$)/;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let opened = null;
function database() {
  if (!opened) {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(ENTRIES)) {
        const entries = db.createObjectStore(ENTRIES, { keyPath: "key" });
        entries.createIndex("patient", "patient_id");
      }
      if (!db.objectStoreNames.contains(BATCHES)) {
        const batches = db.createObjectStore(BATCHES, { keyPath: "batch_id" });
        batches.createIndex("patient", "patient_id");
      }
    };
    opened = request(req);
  }
  return opened;
}

async function store(name, mode) {
  const db = await database();
  return db.transaction(name, mode).objectStore(name);
}

async function all(name, patientId) {
  const found = await request((await store(name, "readonly")).index("patient").getAll(patientId));
  return found.sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
}

export function newId() {
  return crypto.randomUUID().replaceAll("-", "");
}

/** Keep an entry (a sync item without its kind's client id) until it is sent. */
export async function enqueue(patientId, kind, item) {
  const clientId = item.client_id || newId();
  const entry = {
    key: `${patientId}:${kind}:${clientId}`,
    patient_id: patientId,
    kind,
    item: { ...item, kind, client_id: clientId },
    state: "pending",
    error: null,
    created_at: new Date().toISOString(),
  };
  await request((await store(ENTRIES, "readwrite")).put(entry));
  changed();
  return entry;
}

export async function entries(patientId) {
  return all(ENTRIES, patientId);
}

export async function forget(key) {
  await request((await store(ENTRIES, "readwrite")).delete(key));
  changed();
}

const listeners = new Set();
export function onChange(listener) {
  listeners.add(listener);
}
function changed(detail) {
  for (const listener of listeners) listener(detail || {});
}

async function nextBatch(patientId) {
  // A batch sent before whose answer was lost goes again exactly as it was.
  const waiting = await all(BATCHES, patientId);
  if (waiting.length) return waiting[0];
  const pending = (await entries(patientId)).filter((entry) => entry.state === "pending");
  if (!pending.length) return null;
  const chosen = pending.slice(0, MAX_BATCH);
  const batch = {
    batch_id: newId(),
    patient_id: patientId,
    keys: chosen.map((entry) => entry.key),
    body: { batch_id: "", items: chosen.map((entry) => entry.item) },
    created_at: new Date().toISOString(),
  };
  batch.body.batch_id = batch.batch_id;
  await request((await store(BATCHES, "readwrite")).put(batch));
  return batch;
}

async function settle(batch, rejected) {
  // The batch and its entries leave together: either the server has them, or one was refused.
  const db = await database();
  const tx = db.transaction([ENTRIES, BATCHES], "readwrite");
  tx.objectStore(BATCHES).delete(batch.batch_id);
  const entryStore = tx.objectStore(ENTRIES);
  if (rejected) {
    const entry = await request(entryStore.get(rejected.key));
    if (entry) entryStore.put({ ...entry, state: "rejected", error: rejected.message });
  } else {
    for (const key of batch.keys) entryStore.delete(key);
  }
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
}

function refusedItem(problem, batch) {
  const named = (problem.errors || []).map((error) => error.field || "");
  for (const field of named) {
    const match = ITEM_INDEX.exec(field);
    if (match && batch.keys[Number(match[1])]) {
      return { key: batch.keys[Number(match[1])], message: problem.detail || "refused" };
    }
  }
  return null;
}

let running = null;

/**
 * Send every pending entry. `token()` gives the CSRF token for the cookie session and
 * `refreshToken()` a fresh one (the page may be an older copy from the offline cache).
 * Resolves to {sent, waiting, rejected, status}; status is "done", "offline",
 * "signed-out" or "error".
 */
export function sync(patientId, token, refreshToken) {
  if (!running) {
    running = run(patientId, token, refreshToken).finally(() => {
      running = null;
    });
  }
  return running;
}

async function post(patientId, batch, csrf) {
  return fetch(`/api/patients/${patientId}/sync`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(batch.body),
  });
}

async function run(patientId, token, refreshToken) {
  let sent = 0;
  let status = "done";
  let csrf = token();
  let refreshed = false;
  for (;;) {
    const batch = await nextBatch(patientId);
    if (!batch) break;
    let response;
    try {
      response = await post(patientId, batch, csrf);
    } catch {
      status = "offline";
      break;
    }
    if (response.ok) {
      const answer = await response.json();
      await settle(batch, null);
      sent += answer.results ? answer.results.length : batch.keys.length;
      continue;
    }
    if (response.status === 401) {
      status = "signed-out";
      break;
    }
    if (response.status === 403 && !refreshed) {
      refreshed = true;
      csrf = (await refreshToken()) || csrf;
      continue;
    }
    if (response.status === 422) {
      const problem = await response.json().catch(() => ({}));
      const refused = refusedItem(problem, batch);
      if (refused) {
        await settle(batch, refused);
        continue;
      }
    }
    status = "error";
    break;
  }
  const left = await entries(patientId);
  const result = {
    sent,
    waiting: left.filter((entry) => entry.state === "pending").length,
    rejected: left.filter((entry) => entry.state === "rejected"),
    status,
  };
  changed(result);
  return result;
}
