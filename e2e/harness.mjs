// Shared by the end-to-end journeys: the real server (fresh data directory,
// serving the built app from dist/) and headless Chromium driven through the UI.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];

const runningServers = new Set();

/** Starts the server binary (with `args` added to its command line);
 * resolves to { url, stop, restart, metric, dataDir }. */
export async function startServer(staticDir = process.env.NOTES_STATIC_DIR ?? join(root, 'dist'), args = []) {
  const dir = mkdtempSync(join(tmpdir(), 'notes-e2e-'));
  const bin = process.env.NOTES_SERVER_BIN || join(root, 'target/debug/server');
  const spawnAt = (listen) => {
    const child = spawn(bin, ['--listen', listen, '--data-dir', join(dir, 'data'),
      '--static-dir', staticDir, ...args], { env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const url = new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const m = line.match(/listening on (http:\/\/\S+)/);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`server exited early (${code})`)));
    });
    return { child, url };
  };
  const stopChild = async (child) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  let running = spawnAt('127.0.0.1:0');
  const url = await running.url;
  const server = {
    url,
    dataDir: join(dir, 'data'),
    async stop() {
      runningServers.delete(server);
      await stopChild(running.child);
      rmSync(dir, { recursive: true, force: true });
    },
    /** Stops the server (gracefully) and starts it again on the same
     * address and data once `whileDown` is done. */
    async restart(whileDown = async () => {}) {
      await stopChild(running.child);
      await whileDown();
      running = spawnAt(new URL(url).host);
      await running.url;
    },
    /** A counter or gauge of GET /metrics. */
    async metric(name) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.split(' ')[1]);
    },
  };
  runningServers.add(server);
  return server;
}

/** Stops every server a test file started, also those a failed test never
 * reached its own stop for: a running child would keep the file from ending. */
export async function stopAllServers() {
  await Promise.all([...runningServers].map((s) => s.stop()));
}

const openContexts = new Set();

/** A browser profile (its own OPFS), persistent across restarts. */
export async function openProfile(dir = mkdtempSync(join(tmpdir(), 'notes-profile-')), options = {}) {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args: ARGS, ...options,
  });
  openContexts.add(context);
  const errors = [];
  context.on('weberror', (e) => errors.push(e.error().message));
  const close = async () => { openContexts.delete(context); await context.close(); };
  return { context, dir, errors, close };
}

/** Closes browsers a failed test left open (or the test file never exits). */
export async function closeAllProfiles() {
  await Promise.all([...openContexts].map((c) => c.close().catch(() => {})));
  openContexts.clear();
}

/** Opens the app in a new tab and waits until the database answers. */
export async function openApp(context, url) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(url);
  await page.getByRole('button', { name: 'New note' }).waitFor();
  await listed(page, 20_000);
  return page;
}

/** Creates a note through the UI and waits until it is saved. */
export async function newNote(page, text) {
  await page.getByRole('button', { name: 'New note' }).click();
  const editor = page.getByRole('textbox', { name: 'Note text' });
  await editor.waitFor();
  await editor.fill(text);
  await saved(page);
}

/** Creates a note by pasting a long text at once, as a user pastes a
 * document (fill() would be far too slow), and waits until it is saved. */
export async function pasteNewNote(page, text) {
  await page.getByRole('button', { name: 'New note' }).click();
  await paste(page, text, false);
  await saved(page);
}

/** Pastes `text` at the end of the note shown, as one input event. */
export async function pasteAtEnd(page, text) {
  await paste(page, text, true);
}

/** Puts `text` in the note shown as a user's paste does: one input event. */
async function paste(page, text, atEnd) {
  await page.getByRole('textbox', { name: 'Note text' }).evaluate((el, [t, end]) => {
    el.value = end ? el.value + t : t;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, [text, atEnd]);
}

/** The keys of the drafts the app keeps in localStorage (`app/src/ui/drafts.rs`). */
export function draftKeys(page) {
  return page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('notes.draft')));
}

export async function saved(page) {
  await page.locator('.save-state', { hasText: /^Saved$/ }).waitFor({ timeout: 10_000 });
}

/**
 * Waits for the notes list as the database gives it: at start the list drawn
 * first is the copy the browser kept (aria-busy) until the database answers.
 */
export async function listed(page, timeout = 10_000) {
  await page.locator('.note-list:not([aria-busy="true"]), .empty').first().waitFor({ timeout });
}

/** The titles in the notes list (as the database gives it), top to bottom. */
export async function titles(page) {
  await listed(page);
  if (await page.locator('.empty').count()) return [];
  return page.locator('.note-list .note-title').allTextContents();
}

/** Waits for the list to hold `expected`, in any order: what a Sync merged is
 * listed a moment after the status says "Synced". */
export async function lists(page, expected) {
  const want = JSON.stringify([...expected].sort());
  await eventually(async () => JSON.stringify((await titles(page)).sort()) === want, `the list ${want}`);
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually(fn, what, timeout = 10_000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

export async function openNote(page, title) {
  await listed(page);
  await page.locator('.note-list').getByRole('button', { name: new RegExp(`^${title}`) }).click();
  await page.getByRole('textbox', { name: 'Note text' }).waitFor();
  // The text area is read-only until the note is read from the database
  // (a note in the trash stays read-only, under its banner).
  await page.waitForFunction(() => document.querySelector('textarea.note-text')?.readOnly === false
    || document.querySelector('.trash-banner') !== null);
}

export async function signUp(page, username, password) {
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText(`Signed in as ${username}`).waitFor({ timeout: 15_000 });
}

export async function signIn(page, username, password) {
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${username}`).waitFor({ timeout: 15_000 });
}

/** Presses Sync and waits for the status line to say how it went. */
export async function sync(page) {
  const button = page.getByRole('button', { name: 'Sync', exact: true });
  await button.click();
  return eventually(async () => {
    const s = await page.locator('.sync-status').textContent();
    return await button.isEnabled() && /^(Synced|Live|Connecting|Error|Offline)/.test(s) && !/Syncing/.test(s) ? s : null;
  }, 'the sync to finish', 30_000);
}

/** The status line, as the user reads it. */
export const syncStatus = (page) => page.locator('.sync-status').textContent();

/** Records the /sync and /sync/events requests a profile makes (its DB
 * worker's included), as they start. */
export function syncRequests(context) {
  const seen = [];
  context.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path === '/sync' || path === '/sync/events') seen.push({ at: Date.now(), path, request: r });
  });
  return seen;
}

/** Waits until the status line says Live. */
export const live = (page, what) => eventually(async () => /^Live/.test(await syncStatus(page)), what, 15_000);

/** Two profiles signed in to one new account on `server`, both live. */
export async function twoDevices(server, username) {
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  const pb = await openApp(b.context, server.url);
  await signUp(pa, username, 'password one');
  await signIn(pb, username, 'password one');
  await live(pa, 'A live');
  await live(pb, 'B live');
  return { a, b, pa, pb };
}

/** Turns "Sync automatically" off (or on): a journey that orders its
 * devices' syncs by hand. Right after signing in, a status the worker sent
 * before the click can redraw the box once more; the box sends the state it
 * shows, so clicking again while it shows the wrong one is safe. */
export async function autoSync(page, on) {
  const box = page.getByRole('checkbox', { name: 'Sync automatically' });
  await eventually(async () => {
    if ((await box.isChecked()) !== on) await box.click();
    await page.waitForTimeout(300);
    return (await box.isChecked()) === on;
  }, `Sync automatically ${on ? 'on' : 'off'}`);
}

/** Where journeys keep screenshots of the main screens, for a person to look
 * at after a run (CI keeps the directory as an artifact). */
export const SCREENS_DIR = process.env.E2E_SCREENS_DIR || join(root, 'target', 'e2e-screens');

/** Keeps a screenshot of `page` as `${name}.png` in SCREENS_DIR. */
export async function keepScreen(page, name) {
  mkdirSync(SCREENS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENS_DIR, `${name}.png`) });
}

/** The serious and critical accessibility violations axe-core finds on the
 * page as it is now, as "rule: target" lines. */
export async function accessibilityProblems(page) {
  // Evaluated, not added as a <script>: the app's Content-Security-Policy
  // blocks inline scripts it does not name (DevTools' evaluation is exempt).
  if (!await page.evaluate(() => 'axe' in window)) {
    await page.evaluate(readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
  }
  const found = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document, { resultTypes: ['violations'] });
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${v.help})`));
  });
  return found;
}
