// The service worker: it keeps the app's own files so that the app opens
// without a network (on a plane, with the server down), as the notes in it
// already work offline. A release build writes it to dist/sw.js with `SHELL`
// declared above this text (scripts/offline-shell.sh): the build's files and
// a version that changes whenever one of them does. The browser compares the
// whole script on each visit, so a new build installs a new worker.
//
// Everything is served from the cache of its build: index.html and the files
// it names (their names carry content hashes) stay consistent with each other,
// and a visit never waits on the network. A new build is fetched in the
// background and served from the next visit on. /sync and /api always go to
// the network.

const CACHE = `notes-shell-${SHELL.version}`;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // All or nothing: a file that fails to arrive fails the install, and the
    // browser tries again on a later visit.
    await cache.addAll(SHELL.files.map((f) => new Request(f, { cache: "no-cache" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("notes-shell-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Every page of the app is index.html (as the server answers), but
    // not the API's own addresses.
    if (/^\/(api|sync|health)(\/|$)/.test(url.pathname)) return;
    event.respondWith(cached("/", request));
  } else if (url.pathname === "/db_worker.js") {
    event.respondWith(cached(url.pathname, request).then(asRequested));
  } else if (SHELL.files.includes(url.pathname)) {
    event.respondWith(cached(url.pathname, request));
  }
});

/** A worker's address is that of its script's response; db_worker.js reads
 * the files to load from its query, which the cached copy's address lacks.
 * A new response has no address, so the worker keeps the one it asked for. */
function asRequested(response) {
  return new Response(response.body, response);
}

/** The build's copy of `key`, or the network if the cache lost it. */
async function cached(key, request) {
  const hit = await caches.match(key, { cacheName: CACHE });
  return hit ?? fetch(request);
}
