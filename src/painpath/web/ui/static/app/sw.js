// The patient app's service worker (served as /app/sw.js, scope /app/).
//
// The shell (styles, scripts, icons, manifest) is cached at install under a versioned name;
// activating a new version deletes the caches of the old ones. The app's pages are fetched
// from the network first and kept in a separate cache for offline use; a page the network
// answers with the sign-in page (the session ended) empties that cache, and so does signing
// out (app.js). Entries made offline are not the worker's business: app.js keeps them in
// IndexedDB and sends them through the sync API.

const VERSION = "__SHELL_VERSION__";
const SHELL_PREFIX = "painpath-shell-";
const SHELL = SHELL_PREFIX + VERSION;
const PAGES = "painpath-pages";
const ASSETS = ["__SHELL_ASSETS__"];
const START_PAGES = ["/app/", "/app/diary", "/app/doses", "/app/questionnaires", "/app/upload"];

function isPage(url) {
  return url.origin === self.location.origin && url.pathname.startsWith("/app/")
    && !url.pathname.startsWith("/app/sw.js") && !url.pathname.endsWith(".webmanifest");
}

async function keepPages(urls) {
  const cache = await caches.open(PAGES);
  await Promise.all(urls.map(async (path) => {
    const url = new URL(path, self.location.origin);
    if (!isPage(url)) return;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok && !response.redirected) await cache.put(url.pathname, response);
    } catch {
      // Offline or refused: the page is kept the next time it is opened online.
    }
  }));
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    await shell.addAll(ASSETS);
    await keepPages(START_PAGES);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(SHELL_PREFIX) && name !== SHELL)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep-pages" && Array.isArray(data.urls)) {
    event.waitUntil(keepPages(data.urls.slice(0, 50)));
  }
});

async function page(request) {
  const url = new URL(request.url);
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (response.redirected && new URL(response.url).pathname === "/login") {
      await caches.delete(PAGES); // the session ended: nothing of the record stays behind
    } else if (response.ok && !response.redirected) {
      await cache.put(url.pathname, response.clone());
    }
    return response;
  } catch (error) {
    const kept = (await cache.match(url.pathname)) || (await cache.match("/app/"));
    if (kept) return kept;
    throw error;
  }
}

async function asset(request) {
  const kept = await caches.match(request, { cacheName: SHELL });
  return kept || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(page(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(asset(request));
  }
});
