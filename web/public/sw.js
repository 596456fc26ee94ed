// Spool's service worker: keeps the app shell (index.html and its hashed assets) so the dashboard
// opens offline or on a poor connection. The API is never cached: it is always live data.
const CACHE = 'spool-shell-v1';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => Promise.all([cacheShell(cache), cache.addAll(['/manifest.webmanifest', '/icon.svg'])]))
      .then(() => self.skipWaiting()),
  );
});

// index.html and the scripts and styles it names: the page that installed the worker loaded them
// before the worker existed, so without this the first offline visit would depend on the HTTP cache.
async function cacheShell(cache) {
  const response = await fetch('/', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`the app shell answered ${response.status}`);
  const html = await response.clone().text();
  const assets = [...new Set(html.match(/\/assets\/[\w.-]+/g) ?? [])];
  await Promise.all([cache.put('/', response), cache.addAll(assets)]);
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;

  // Pages: network first (a new release shows at once), the cached shell when offline.
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request)
        .then((response) => {
          const copy = response.clone();
          if (response.ok) caches.open(CACHE).then((cache) => cache.put('/', copy));
          return response;
        })
        .catch(() => caches.match('/').then((cached) => cached || Response.error())),
    );
    return;
  }

  // Hashed assets never change: cache first, fill the cache on first use.
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.match(request).then(
        (cached) =>
          cached ||
          fetch(request).then((response) => {
            const copy = response.clone();
            if (response.ok) caches.open(CACHE).then((cache) => cache.put(request, copy));
            return response;
          }),
      ),
    );
  }
});
