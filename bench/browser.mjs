// Browser benchmarks (numbers, not pass/fail). Run: scripts/bench.sh
//   1. initial sync of N notes (default 10,000) into an empty browser replica,
//      from pressing Sync to "Synced" (HTTP + merge + stored on OPFS);
//   2. cold start to first rendered list with 5,000 notes (a browser restart,
//      from navigation start to the first note title on screen);
//   3. local edit commit latency on the autosave path: Ctrl+S (save now) to
//      "Saved" (UI -> worker -> SQLite commit on OPFS -> UI), p50/p95 over 1,000 edits.
import { randomBytes } from 'node:crypto';
import { startServer, openProfile, openApp, signUp, signIn, sync, newNote } from '../e2e/harness.mjs';

const NOTES = Number(process.env.BENCH_NOTES || 10_000);
const COLD_NOTES = 5_000;
const EDITS = Number(process.env.BENCH_EDITS || 1_000);

/** cr-sqlite's packed primary key for one TEXT column. */
function packText(s) {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > 255) throw new Error('id too long for this helper');
  return Buffer.concat([Buffer.from([1, (1 << 3) | 3, bytes.length]), bytes]).toString('base64');
}

/** Pushes `count` notes to the account as another device would. */
async function seed(base, username, count) {
  const body = JSON.stringify({ username, password: 'benchmark password' });
  const headers = { 'content-type': 'application/json' };
  await fetch(`${base}/api/accounts`, { method: 'POST', headers, body });
  const { token } = await (await fetch(`${base}/api/sessions`, { method: 'POST', headers, body })).json();
  const site = randomBytes(16).toString('hex');
  let changes = [];
  const flush = async () => {
    const r = await fetch(`${base}/sync`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${token}` },
      body: JSON.stringify({ protocol: 1, schema_version: 1, site_id: site, since: 0, changes }),
    });
    if (r.status !== 200) throw new Error(`seed: ${r.status} ${await r.text()}`);
    changes = [];
  };
  for (let i = 0; i < count; i++) {
    const pk = packText(`seed-${String(i).padStart(6, '0')}`);
    const t = String(1_700_000_000_000 + i);
    const cols = [['body', { text: `Seeded note ${i}\nwith a second line of text` }], ['created_at', { int: t }], ['updated_at', { int: t }]];
    cols.forEach(([cid, val], seq) => changes.push({ table: 'notes', pk, cid, val, col_version: 1, db_version: i + 1, cl: 1, seq }));
    if (changes.length >= 9_000) await flush();
  }
  if (changes.length) await flush();
}

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const server = await startServer();
try {
  // 1. Initial sync.
  await seed(server.url, 'bench-sync', NOTES);
  const a = await openProfile();
  let page = await openApp(a.context, server.url);
  await signIn(page, 'bench-sync', 'benchmark password');
  const t0 = Date.now();
  const status = await sync(page);
  const initialSync = (Date.now() - t0) / 1000;
  if (!status.startsWith('Synced')) throw new Error(status);
  await page.locator('.note-list .note-title').first().waitFor();
  const listed = (Date.now() - t0) / 1000;
  const shown = await page.locator('.note-list .note-title').count();
  const more = await page.getByRole('button', { name: /Show more/ }).textContent();
  await a.close();

  // 2. Cold start with 5,000 notes.
  await seed(server.url, 'bench-cold', COLD_NOTES);
  const b = await openProfile();
  page = await openApp(b.context, server.url);
  await signIn(page, 'bench-cold', 'benchmark password');
  await sync(page);
  await b.close();
  const coldRuns = [];
  for (let run = 0; run < 3; run++) {
    const again = await openProfile(b.dir);
    const p = await again.context.newPage();
    await p.addInitScript(() => {
      new MutationObserver((_, obs) => {
        if (document.querySelector('.note-list .note-title')) {
          window.__firstList = performance.now();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await p.goto(server.url);
    await p.waitForFunction(() => window.__firstList !== undefined, null, { timeout: 30_000 });
    coldRuns.push(await p.evaluate(() => window.__firstList));
    await again.close();
  }

  // 3. Edit commit latency.
  const c = await openProfile();
  page = await openApp(c.context, server.url);
  await newNote(page, 'Latency');
  await page.evaluate(() => {
    window.__lat = [];
    const state = document.querySelector('.save-state');
    let start = null;
    document.addEventListener('keydown', (e) => { if (e.ctrlKey && e.key === 's') start = performance.now(); }, true);
    new MutationObserver(() => {
      if (start !== null && state.textContent === 'Saved') { window.__lat.push(performance.now() - start); start = null; }
    }).observe(state, { childList: true, characterData: true, subtree: true });
  });
  const editor = page.getByRole('textbox', { name: 'Note text' });
  for (let i = 0; i < EDITS; i++) {
    await editor.press(String(i % 10));
    await editor.press('Control+s');
    await page.waitForFunction((n) => window.__lat.length >= n, i + 1);
  }
  const lat = await page.evaluate(() => window.__lat);
  await c.close();

  console.log(`| measurement | result |`);
  console.log(`|---|---|`);
  console.log(`| initial sync of ${NOTES} notes (${NOTES * 3} changes) into an empty browser replica | ${initialSync.toFixed(2)} s to "Synced", ${listed.toFixed(2)} s to the list (${shown} rows + "${more}") |`);
  console.log(`| cold start to first rendered list, ${COLD_NOTES} notes (3 browser restarts) | ${coldRuns.map((x) => x.toFixed(0)).join(' / ')} ms |`);
  console.log(`| edit commit latency, Ctrl+S to "Saved", ${lat.length} edits | p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms |`);
} finally {
  await server.stop();
}
