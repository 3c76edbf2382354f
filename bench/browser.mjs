// Browser benchmarks (numbers, not pass/fail). Run: scripts/bench.sh
//   1. initial sync of N notes (default 10,000) into an empty browser replica,
//      which signing in starts, from its first request to "Live" (HTTP +
//      merge + stored on OPFS), and the
//      bytes that pull moves, plain and as the server compresses it;
//   2. cold start to first rendered list with 5,000 notes (a browser restart):
//      from navigation start to the first note title on screen (the last
//      screen kept, drawn by index.html before the wasm arrives) and to the
//      frame that shows it, and to the database's list; BENCH_RESTARTS (3)
//      restarts, and their medians;
//   3. local edit commit latency on the autosave path: Ctrl+S (save now) to
//      "Saved" (UI -> worker -> SQLite commit on OPFS -> UI), p50/p95 over 1,000 edits;
//   4. the same in a 5,000-line note, typing in its middle (BENCH_LONG_EDITS, 500);
//   5. live propagation: from the frame that shows "Saved" on device A to the
//      frame that draws the text in device B's open note (push, poke, pull,
//      merge, re-read, draw), BENCH_LIVE_EDITS (200) edits a little over a
//      second apart (A pushes at most one round of saves a second), with the
//      time split by the requests' own timings;
//   6. one idle visible tab (signed in, live) for BENCH_IDLE_MINUTES (10):
//      the requests it makes besides its stream;
//   7. search over 10,000 notes of 1.2 KB (bench/search.mjs): the first
//      search after the first sync (indexing what is left), then the query
//      leaving the box to the results drawn, p50/p95;
//   8. export of those 10,000 notes from the app (the button to the download)
//      and import of that zip into an empty browser (the file given to
//      "Imported N notes.").
// 3 and 4 run twice: back to back (the next key right after "Saved", so each
// save also waits for the re-reads the previous one triggered), and with
// BENCH_PAUSE_MS (100) between edits, as a typist's pauses give (autosave
// itself fires 300 ms after the last key). BENCH_PARTS picks parts (a comma
// list of sync, start, edits, live, idle, search, transfer; all but idle by default):
// BENCH_PARTS=edits runs only 3 and 4.
// BENCH_RTT_MS puts a network's round trip between the browser and the server
// for the cold start and live propagation (a proxy that holds each chunk for
// half of it each way).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { createServer, connect } from 'node:net';
import { startServer, openProfile, openApp, signIn, signUp, sync, newNote, pasteNewNote, openNote } from '../e2e/harness.mjs';
import { words, noteLines, timeQueries } from './search.mjs';

const NOTES = Number(process.env.BENCH_NOTES || 10_000);
const COLD_NOTES = 5_000;
const EDITS = Number(process.env.BENCH_EDITS || 1_000);
const LONG_EDITS = Number(process.env.BENCH_LONG_EDITS || 500);
const LONG_LINES = 5_000;
const PAUSE_MS = Number(process.env.BENCH_PAUSE_MS || 100);
const PARTS = process.env.BENCH_PARTS || 'all';
const RTT_MS = Number(process.env.BENCH_RTT_MS || 0);
const RESTARTS = Number(process.env.BENCH_RESTARTS || 3);
const LIVE_EDITS = Number(process.env.BENCH_LIVE_EDITS || 200);
const want = (part) => (PARTS === 'all' && part !== 'idle') || PARTS.split(',').includes(part);
const IDLE_MINUTES = Number(process.env.BENCH_IDLE_MINUTES || 10);
/** Changes per seeded note: the notes row (2 columns) and 2 lines (their text). */
const CHANGES_PER_NOTE = 4;

/** cr-sqlite's packed primary key (as patched: widths are signed, big-endian). */
function packKey(values) {
  const parts = [Buffer.from([values.length])];
  const width = (n) => { let w = 1; while (w < 8 && !(n >= -(2n ** BigInt(8 * w - 1)) && n < 2n ** BigInt(8 * w - 1))) w++; return w; };
  const int = (n, w) => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b.subarray(8 - w); };
  for (const v of values) {
    if (typeof v === 'bigint') {
      const w = width(v);
      parts.push(Buffer.from([(w << 3) | 1]), int(v, w));
    } else {
      const bytes = Buffer.from(v, 'utf8');
      const w = width(BigInt(bytes.length));
      parts.push(Buffer.from([(w << 3) | 3]), int(BigInt(bytes.length), w), bytes);
    }
  }
  return Buffer.concat(parts).toString('base64');
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Signs `username` in (creating the account first if `create`); its token. */
async function token(base, username, create = false) {
  const body = JSON.stringify({ username, password: 'benchmark password' });
  if (create) await fetch(`${base}/api/accounts`, { method: 'POST', headers: JSON_HEADERS, body });
  const r = await fetch(`${base}/api/sessions`, { method: 'POST', headers: JSON_HEADERS, body });
  return (await r.json()).token;
}

/**
 * A `/sync` request body from `site` (the server's default page size); past
 * the first page, `epoch` is the last answer's (docs/PROTOCOL.md, section 6).
 */
const heads = new Map();
const syncBody = (site, since, changes, epoch) => {
  // `head` never goes down for one site (docs/PROTOCOL.md, section 4).
  const head = Math.max(heads.get(site) ?? 0, ...changes.map((c) => c.db_version));
  heads.set(site, head);
  return JSON.stringify({
    protocol: 4, schema_version: 9, site_id: site, since, head, changes,
    ...(epoch ? { seen: { epoch, version: since } } : {}),
  });
};

/** Pushes `count` notes to the account as another device would. */
async function seed(base, username, count, linesOf = (i) => [`Seeded note ${i}`, 'with a second line of text']) {
  const bearer = await token(base, username, true);
  const site = randomBytes(16).toString('hex');
  let changes = [];
  const flush = async () => {
    const r = await fetch(`${base}/sync`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${bearer}` },
      body: syncBody(site, 0, changes),
    });
    if (r.status !== 200) throw new Error(`seed: ${r.status} ${await r.text()}`);
    changes = [];
  };
  for (let i = 0; i < count; i++) {
    const id = `seed-${String(i).padStart(6, '0')}`;
    const t = 1_700_000_000_000 + i;
    const rows = [['notes', packKey([id]), [['created_at', { int: String(t) }], ['updated_at', { int: String(t) }]]]];
    // Lines at the first fractional-index keys ("a ", "a!", "a\"", ...); a
    // line's key is (note_id, pos, lineage, edited_at, id), its text the value.
    linesOf(i).map((text, k) => [`a${String.fromCharCode(32 + k)}`, text]).forEach(([pos, text], k) => {
      const line = `${id}-l${k}`;
      rows.push(['lines', packKey([id, pos, line, BigInt(t), line]), [['text', { text }]]]);
    });
    let seq = 0;
    for (const [table, pk, cols] of rows) {
      for (const [cid, val] of cols) {
        changes.push({ table, pk, cid, val, col_version: 1, db_version: i + 1, cl: 1, seq: seq++ });
      }
    }
    if (changes.length >= 9_000) await flush();
  }
  if (changes.length) await flush();
}

/**
 * Bytes of a first pull of everything in the account, as the server sends it
 * to a client accepting `encodings` (each page asked for with the cursor the
 * plain answer gives, so every encoding moves the same changes).
 */
async function pullBytes(base, username, encodings) {
  const bearer = await token(base, username);
  const site = randomBytes(16).toString('hex');
  const post = (since, encoding) => new Promise((resolve, reject) => {
    const url = new URL(`${base}/sync`);
    const req = httpRequest({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${bearer}`, ...(encoding ? { 'accept-encoding': encoding } : {}) },
    }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => resolve({ encoding: r.headers['content-encoding'] ?? 'none', body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(syncBody(site, since, [], epoch));
  });
  const sizes = Object.fromEntries(['none', ...encodings].map((e) => [e, 0]));
  let epoch;
  for (let since = 0; ;) {
    const plain = await post(since, null);
    sizes.none += plain.body.length;
    for (const encoding of encodings) {
      const got = await post(since, encoding);
      sizes[got.encoding] = (sizes[got.encoding] ?? 0) + got.body.length;
    }
    const answer = JSON.parse(plain.body);
    if (!answer.more) return sizes;
    since = answer.server_version;
    epoch = answer.epoch;
  }
}

/** A TCP proxy to `url` that delays every chunk by `rttMs / 2` each way;
 * resolves to its own URL (one port for the whole run: one origin). */
async function slowProxy(url, rttMs) {
  const { hostname, port } = new URL(url);
  const later = (fn) => setTimeout(fn, rttMs / 2);
  const proxy = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    client.on('data', (d) => later(() => upstream.write(d)));
    upstream.on('data', (d) => later(() => client.write(d)));
    client.on('end', () => later(() => upstream.end()));
    upstream.on('end', () => later(() => client.end()));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxy.unref(); // the bench ends when its work does
  return `http://127.0.0.1:${proxy.address().port}`;
}

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const server = await startServer();
try {
  let page;
  let initialSync, listed, shown, more, pulled, coldRuns, lat, latPaused, longLat, longPaused;
  if (want('sync')) {
    // 1. Initial sync.
    await seed(server.url, 'bench-sync', NOTES);
    const a = await openProfile();
    page = await openApp(a.context, server.url);
    // Signing in starts the first sync by itself. Timed from its first
    // request (its own start time, as the click on Sync started it before)
    // to the frames that show "Live" and the first title, both on the wall
    // clock the page and the request timings share.
    const firstRequest = new Promise((resolve) => a.context.on('requestfinished', (r) => {
      if (new URL(r.url()).pathname === '/sync') resolve(r.timing().startTime);
    }));
    await page.evaluate(() => {
      const marks = (window.__syncMarks = {});
      const now = () => performance.timeOrigin + performance.now();
      new MutationObserver(() => {
        const status = document.querySelector('.sync-status')?.textContent ?? '';
        if (/^Syncing/.test(status)) marks.syncing ??= now();
        if (marks.syncing === undefined) return;
        if (/^(Live|Synced)/.test(status)) marks.synced ??= now();
        if (document.querySelector('.note-list .note-title')) marks.listed ??= now();
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await signIn(page, 'bench-sync', 'benchmark password');
    await page.waitForFunction(() => window.__syncMarks.synced !== undefined && window.__syncMarks.listed !== undefined,
      null, { timeout: 60_000 });
    const marks = await page.evaluate(() => window.__syncMarks);
    const start = await firstRequest;
    initialSync = (marks.synced - start) / 1000;
    listed = (marks.listed - start) / 1000;
    shown = await page.locator('.note-list .note-title').count();
    more = await page.getByRole('button', { name: /Show more/ }).textContent();
    await a.close();
    pulled = await pullBytes(server.url, 'bench-sync', ['zstd', 'gzip']);
  }
  if (want('start')) {
    // 2. Cold start with 5,000 notes.
    await seed(server.url, 'bench-cold', COLD_NOTES);
    const site = RTT_MS > 0 ? await slowProxy(server.url, RTT_MS) : server.url;
    const b = await openProfile();
    page = await openApp(b.context, site);
    await signIn(page, 'bench-cold', 'benchmark password');
    await sync(page);
    // As a user would: the synced list on screen (the app keeps its first
    // page for the next start), and a moment for the browser to store that.
    await page.locator('.note-list:not([aria-busy="true"]) .note-title').first().waitFor();
    await page.waitForTimeout(1_000);
    await b.close();
    coldRuns = [];
    for (let run = 0; run < RESTARTS; run++) {
      const again = await openProfile(b.dir);
      const p = await again.context.newPage();
      await p.addInitScript(() => {
        // The first list drawn (the copy kept from the last run), and the
        // first from the database (no longer aria-busy).
        new MutationObserver((_, obs) => {
          if (window.__firstList === undefined && document.querySelector('.note-list .note-title')) {
            window.__firstList = performance.now();
            // The frame that puts it on screen.
            requestAnimationFrame(() => { window.__firstListFrame = performance.now(); });
          }
          if (document.querySelector('.note-list:not([aria-busy="true"]) .note-title')) {
            window.__dbList = performance.now();
            obs.disconnect();
          }
        }).observe(document, { childList: true, subtree: true, attributes: true });
      });
      await p.goto(site);
      await p.waitForFunction(() => window.__dbList !== undefined, null, { timeout: 30_000 });
      coldRuns.push(await p.evaluate(() => [window.__firstList, window.__dbList, window.__firstListFrame]));
      await p.waitForTimeout(1_000);
      await again.close();
    }
  }

  /** Ctrl+S to "Saved" on the open note, `edits` times, typing at `caret`. */
  async function commitLatency(page, edits, caret, pauseMs = 0) {
    await page.evaluate(() => {
      window.__lat = [];
      if (window.__latInstalled) return;
      window.__latInstalled = true;
      let start = null;
      document.addEventListener('keydown', (e) => { if (e.ctrlKey && e.key === 's') start = performance.now(); }, true);
      new MutationObserver(() => {
        const state = document.querySelector('.save-state');
        if (start !== null && state && state.textContent === 'Saved') { window.__lat.push(performance.now() - start); start = null; }
      }).observe(document.body, { childList: true, characterData: true, subtree: true });
    });
    const editor = page.getByRole('textbox', { name: 'Note text' });
    if (caret !== undefined) {
      await editor.evaluate((el, at) => { el.focus(); el.setSelectionRange(at, at); }, caret);
    }
    for (let i = 0; i < edits; i++) {
      await editor.press(String(i % 10));
      await editor.press('Control+s');
      await page.waitForFunction((n) => window.__lat.length >= n, i + 1);
      if (pauseMs) await page.waitForTimeout(pauseMs);
    }
    return page.evaluate(() => window.__lat);
  }

  if (want('edits')) {
    // 3. Edit commit latency.
    const c = await openProfile();
    page = await openApp(c.context, server.url);
    await newNote(page, 'Latency');
    lat = await commitLatency(page, EDITS);
    latPaused = await commitLatency(page, EDITS, undefined, PAUSE_MS);

    // 4. The same, typing into the middle of a 5,000-line note.
    const lines = Array.from({ length: LONG_LINES }, (_, i) => `Line ${i}: some words of a long note, as people write them.`);
    await pasteNewNote(page, lines.join('\n'));
    const middle = lines.slice(0, LONG_LINES / 2).join('\n').length;
    longLat = await commitLatency(page, LONG_EDITS, middle);
    longPaused = await commitLatency(page, LONG_EDITS, undefined, PAUSE_MS);
    await c.close();
  }

  let searchFirst, searchTimes;
  if (want('search')) {
    // 7. Search over 10,000 notes of made-up words.
    const next = words();
    const notes = Array.from({ length: NOTES }, () => noteLines(next));
    await seed(server.url, 'bench-search', NOTES, (i) => notes[i]);
    const d = await openProfile();
    page = await openApp(d.context, server.url);
    await signIn(page, 'bench-search', 'benchmark password');
    await page.waitForFunction(() => /^(Live|Synced)/.test(document.querySelector('.sync-status')?.textContent ?? ''),
      null, { timeout: 120_000 });
    // The first search right after the sync: it indexes what the background
    // has not yet.
    [searchFirst] = await timeQueries(page, [notes[0][0].split(' ')[1]]);
    const pick = words(0x1234567);
    const queries = [];
    for (let i = 0; i < 20; i++) {
      const w = pick();
      const line = notes[(i * 97) % NOTES][1].split(' ');
      queries.push(w, w.slice(0, 3), `${pick()} ${pick()}`, `"${line[3]} ${line[4]}"`);
    }
    searchTimes = await timeQueries(page, queries);
    await d.close();
  }

  let transfer;
  if (want('transfer')) transfer = await exportAndImport();

  let propagation;
  if (want('live')) propagation = await livePropagation();
  let idle;
  if (want('idle')) idle = await idleTab();

  console.log(`| measurement | result |`);
  console.log(`|---|---|`);
  if (want('sync')) {
    console.log(`| initial sync of ${NOTES} notes (${NOTES * CHANGES_PER_NOTE} changes) into an empty browser replica, from its first request | ${initialSync.toFixed(2)} s to "Live", ${listed.toFixed(2)} s to the list (${shown} rows + "${more}") |`);
    console.log(`| bytes of that first pull as the server sends them | ${Object.entries(pulled).map(([e, n]) => `${e} ${n}`).join(', ')} |`);
  }
  if (want('start')) {
    const runs = (i) => `${coldRuns.map((r) => r[i].toFixed(0)).join(' / ')} ms (median ${pct(coldRuns.map((r) => r[i]), 50).toFixed(0)})`;
    console.log(`| cold start to first rendered list, ${COLD_NOTES} notes (${RESTARTS} browser restarts${RTT_MS ? `, ${RTT_MS} ms round trip` : ''}) | ${runs(0)}: the last screen kept; ${runs(1)}: the database's answer; ${runs(2)}: the frame that shows the first list |`);
  }
  const both = (a, b) => `p50 ${pct(a, 50).toFixed(1)} ms, p95 ${pct(a, 95).toFixed(1)} ms back to back; p50 ${pct(b, 50).toFixed(1)} ms, p95 ${pct(b, 95).toFixed(1)} ms with ${PAUSE_MS} ms pauses`;
  if (want('edits')) {
    console.log(`| edit commit latency, Ctrl+S to "Saved", ${lat.length} edits | ${both(lat, latPaused)} |`);
    console.log(`| the same in a ${LONG_LINES}-line note, typing in its middle, ${longLat.length} edits | ${both(longLat, longPaused)} |`);
  }
  if (want('live')) {
    const { total, parts } = propagation;
    const split = Object.entries(parts).map(([name, xs]) => `${name} ${pct(xs, 50).toFixed(1)}`).join(', ');
    console.log(`| live propagation, A's "Saved" frame to the text drawn in B, ${total.length} edits${RTT_MS ? `, ${RTT_MS} ms round trip` : ', loopback'} | p50 ${pct(total, 50).toFixed(1)} ms, p95 ${pct(total, 95).toFixed(1)} ms, max ${pct(total, 100).toFixed(1)} ms; medians of the parts (ms): ${split} |`);
  }
  if (want('search')) {
    console.log(`| search over ${NOTES} notes of 1.2 KB, query leaving the box (after its 150 ms pause) to the results drawn, ${searchTimes.length} queries (words, 3-letter prefixes, two words, phrases) | p50 ${pct(searchTimes, 50).toFixed(1)} ms, p95 ${pct(searchTimes, 95).toFixed(1)} ms, max ${pct(searchTimes, 100).toFixed(1)} ms; the first search after the first sync (indexing what was left): ${searchFirst.toFixed(0)} ms |`);
  }
  if (want('transfer')) {
    console.log(`| export of ${NOTES} notes of 1.2 KB in the app, "Export all notes" to the download | ${(transfer.exportMs / 1000).toFixed(2)} s, a zip of ${(transfer.zipBytes / 1e6).toFixed(1)} MB |`);
    console.log(`| import of that zip into an empty browser, the file given to "Imported …" | ${(transfer.importMs / 1000).toFixed(2)} s |`);
  }
  if (want('idle')) {
    console.log(`| one idle visible tab for ${IDLE_MINUTES} minutes: requests besides the stream | ${idle.requests.length} (${idle.requests.map((t) => `${(t / 1000).toFixed(0)} s`).join(', ')} after it went live); streams opened: ${idle.streams} |`);
  }
} finally {
  await server.stop();
}

/** 8. Every note out of one browser as a zip, and into another. */
async function exportAndImport() {
  const next = words(0x5eed);
  const notes = Array.from({ length: NOTES }, () => noteLines(next));
  await seed(server.url, 'bench-transfer', NOTES, (i) => notes[i]);
  const from = await openProfile();
  const page = await openApp(from.context, server.url);
  await signIn(page, 'bench-transfer', 'benchmark password');
  await page.waitForFunction(() => /^(Live|Synced)/.test(document.querySelector('.sync-status')?.textContent ?? ''),
    null, { timeout: 120_000 });
  await page.locator('details.notes-in-out summary').click();
  let started = performance.now();
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.getByRole('button', { name: 'Export all notes' }).click(),
  ]);
  const exportMs = performance.now() - started;
  const zip = join(mkdtempSync(join(tmpdir(), 'notes-bench-')), 'notes.zip');
  await download.saveAs(zip);
  await from.close();

  const to = await openProfile();
  const fresh = await openApp(to.context, server.url);
  await fresh.locator('details.notes-in-out summary').click();
  started = performance.now();
  await fresh.getByLabel('Import notes…').setInputFiles(zip);
  await fresh.locator('.transfer-said', { hasText: /^Imported/ }).waitFor({ timeout: 300_000 });
  const importMs = performance.now() - started;
  await to.close();
  return { exportMs, importMs, zipBytes: statSync(zip).size };
}

/** One visible tab, signed in and live, left alone: what it asks the server. */
async function idleTab() {
  const a = await openProfile();
  const page = await openApp(a.context, server.url);
  await signUp(page, 'bench-idle', 'benchmark password');
  await newNote(page, 'Idle');
  await page.waitForFunction(() => /^Live/.test(document.querySelector('.sync-status')?.textContent ?? ''));
  await page.waitForTimeout(2_000); // the save's push has ended
  const start = Date.now();
  const requests = [];
  let streams = 0;
  a.context.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path === '/sync/events') streams += 1;
    else if (!/\.(js|wasm|css|html)$/.test(path)) requests.push(Date.now() - start);
  });
  await page.waitForTimeout(IDLE_MINUTES * 60_000);
  await a.close();
  return { requests, streams };
}

/** Edits on A, each timed from A's "Saved" frame to B's frame that shows it. */
async function livePropagation() {
  const site = RTT_MS > 0 ? await slowProxy(server.url, RTT_MS) : server.url;
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, site);
  const pb = await openApp(b.context, site);
  await signUp(pa, 'bench-live', 'benchmark password');
  await signIn(pb, 'bench-live', 'benchmark password');
  await newNote(pa, 'Propagation\n');
  await pb.locator('.note-list .note-title', { hasText: 'Propagation' }).waitFor({ timeout: 10_000 });
  await openNote(pb, 'Propagation');
  // Each request's own timing, once it has finished.
  const requests = { a: [], b: [] };
  for (const [name, context] of [['a', a.context], ['b', b.context]]) {
    context.on('requestfinished', (r) => {
      if (new URL(r.url()).pathname !== '/sync') return;
      const t = r.timing();
      const changes = (JSON.parse(r.postData() ?? '{}').changes ?? []).length;
      requests[name].push({ start: t.startTime, end: t.startTime + t.responseEnd, changes });
    });
  }
  // In A: when "Saved" is drawn; in B: when the note shows the edit. Both
  // on the wall clock (timeOrigin + now), which the two pages share.
  await pa.evaluate(() => {
    window.__saved = [];
    new MutationObserver(() => {
      if (document.querySelector('.save-state')?.textContent === 'Saved' && window.__armed) {
        window.__armed = false;
        requestAnimationFrame(() => window.__saved.push(performance.timeOrigin + performance.now()));
      }
    }).observe(document.body, { childList: true, characterData: true, subtree: true });
  });
  await pb.evaluate(() => {
    window.__shown = [];
    const area = document.querySelector('textarea.note-text');
    const look = () => {
      const want = `edit ${window.__shown.length}`;
      if (area.value.includes(want)) window.__shown.push(performance.timeOrigin + performance.now());
      requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
  await openNote(pa, 'Propagation');
  const editor = pa.getByRole('textbox', { name: 'Note text' });
  await editor.evaluate((el) => { el.focus(); el.setSelectionRange(el.value.length, el.value.length); });
  const total = [];
  const parts = { 'save → push sent': [], 'push round trip': [], 'push sent → pull sent (poke)': [], 'pull round trip': [], 'pull answered → drawn (merge, re-read, frame)': [] };
  for (let i = 0; i < LIVE_EDITS; i++) {
    const began = Date.now();
    await pa.evaluate(() => { window.__armed = true; });
    await editor.pressSequentially(`\nedit ${i}`);
    await editor.press('Control+s');
    await pa.waitForFunction((n) => window.__saved.length > n, i);
    await pb.waitForFunction((n) => window.__shown.length > n, i, { timeout: 10_000 });
    const saved = (await pa.evaluate((n) => window.__saved[n], i));
    const shown = (await pb.evaluate((n) => window.__shown[n], i));
    total.push(shown - saved);
    await new Promise((r) => setTimeout(r, 100)); // the requests' timings arrive
    const push = requests.a.find((r) => r.changes > 0 && r.start >= saved - 50);
    const pull = push && requests.b.find((r) => r.start >= push.start);
    if (push && pull) {
      parts['save → push sent'].push(push.start - saved);
      parts['push round trip'].push(push.end - push.start);
      parts['push sent → pull sent (poke)'].push(pull.start - push.start);
      parts['pull round trip'].push(pull.end - pull.start);
      parts['pull answered → drawn (merge, re-read, frame)'].push(shown - pull.end);
    }
    requests.a.length = 0;
    requests.b.length = 0;
    // A pushes at most one round of saves a second: wait it out, so each
    // edit is timed alone.
    await new Promise((r) => setTimeout(r, Math.max(0, 1_150 - (Date.now() - began))));
  }
  await a.close();
  await b.close();
  return { total, parts };
}
