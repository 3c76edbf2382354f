// A first visit as a new user on a modest connection feels it: an empty
// profile (no cache, no service worker, no database), Chromium's network
// emulation at BENCH_MBIT (10) Mbit/s down, half that up, and BENCH_RTT_MS
// (40) ms of round trip; from navigation to the list usable (the database
// answered: "No notes yet" under an enabled "New note"), BENCH_VISITS (5)
// times. Also what moved: the bytes of every response, as sent.
// Run after a release build (scripts/bench.sh does): node bench/first_visit.mjs
import { startServer, openProfile, closeAllProfiles, stopAllServers } from '../e2e/harness.mjs';

const MBIT = Number(process.env.BENCH_MBIT || 10);
const RTT_MS = Number(process.env.BENCH_RTT_MS || 40);
const VISITS = Number(process.env.BENCH_VISITS || 5);

const server = await startServer();
const runs = [];
try {
  for (let i = 0; i < VISITS; i++) {
    const profile = await openProfile();
    const page = await profile.context.newPage();
    const cdp = await profile.context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: RTT_MS,
      downloadThroughput: (MBIT * 1e6) / 8,
      uploadThroughput: (MBIT * 1e6) / 16,
    });
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    await page.addInitScript(() => {
      new MutationObserver((_, obs) => {
        const usable = document.querySelector('.note-list:not([aria-busy="true"]), .empty');
        const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'New note');
        if (usable && button && !button.disabled) {
          window.__usable = performance.now();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true, attributes: true });
    });
    await page.goto(server.url);
    await page.waitForFunction(() => window.__usable !== undefined, null, { timeout: 60_000 });
    const t = await page.evaluate(() => ({
      usable: window.__usable,
      dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
    }));
    runs.push({ ...t, bytes });
    await profile.close();
  }
} finally {
  await closeAllProfiles();
  await stopAllServers();
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`first visit at ${MBIT} Mbit/s, ${RTT_MS} ms RTT, empty cache, ${VISITS} visits:`);
for (const r of runs) {
  console.log(`  list usable ${r.usable.toFixed(0)} ms (DOMContentLoaded ${r.dcl.toFixed(0)} ms), ${r.bytes} bytes received`);
}
console.log(`median: list usable ${median(runs.map((r) => r.usable)).toFixed(0)} ms`);
