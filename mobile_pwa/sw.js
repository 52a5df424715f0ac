// hjemmerute service worker: app shell cache-first, the day's route network-first with the cached copy
// as fallback. Bump VERSION with every change to the shell so tablets pick up the new app.
const VERSION = "hjemmerute-shell-v6";
const DATA = "hjemmerute-data-v1";
const SHELL = [
  "/app/",
  "/app/index.html",
  "/app/style.css",
  "/app/i18n.js",
  "/app/store.js",
  "/app/eta.js",
  "/app/app.js",
  "/app/manifest.webmanifest",
  "/app/icons/icon-192.png",
  "/app/icons/icon-512.png",
  "/static/leaflet/leaflet.js",
  "/static/leaflet/leaflet.css",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== VERSION && k !== DATA).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

function isRouteData(url) {
  return url.pathname === "/api/v1/my/day" || /^\/api\/v1\/my\/routes\/\d+\/map$/.test(url.pathname);
}

async function networkFirst(request) {
  const cache = await caches.open(DATA);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request.url, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request.url);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(VERSION);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (isRouteData(url)) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith("/app/") || url.pathname.startsWith("/static/leaflet/")) {
    event.respondWith(
      request.mode === "navigate" ? cacheFirst(new Request("/app/index.html")) : cacheFirst(request)
    );
  }
});
