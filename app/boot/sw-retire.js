// The service worker of a debug build (scripts/offline-shell.sh writes it as
// dist/sw.js): it keeps nothing, and removes a release's worker and copy that
// this origin may still have. Otherwise a browser that once visited a release
// here would go on being served that release instead of this build.

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("notes-shell-")) await caches.delete(name);
    }
    await self.registration.unregister();
  })());
});
