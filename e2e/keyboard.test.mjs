// The keyboard alone (issue #23): notes written with Ctrl-Alt-N, found and
// opened with the palette (Ctrl-K), the search box reached with `/` and
// Ctrl-F, the list walked with the arrow keys, the shortcuts listed with
// `?`, every dialog closed with Escape and the focus back where it was.
// And the app installs: its manifest and icons are served as such, and
// kept with the rest for offline starts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, titles, saved, listed, eventually, accessibilityProblems, signUp,
  closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

/** What has the focus, as a screen reader would name it. */
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return `${el.tagName.toLowerCase()} ${el.getAttribute('aria-label') ?? el.querySelector('.note-title')?.textContent ?? el.textContent}`;
});

/** Writes a note with the keyboard only: Ctrl-Alt-N, then typing. */
async function writeNote(page, text) {
  await page.keyboard.press('Control+Alt+N');
  await eventually(async () => (await focused(page)) === 'textarea Note text', 'the caret in a new note');
  await page.keyboard.type(text);
  await saved(page);
}

const noteText = (page) => page.getByRole('textbox', { name: 'Note text' }).inputValue();

test('the keyboard alone writes, finds and opens notes, and each dialog gives the focus back', async () => {
  const server = await startServer();
  const p = await openProfile();
  const page = await openApp(p.context, server.url);

  await writeNote(page, 'Tags <b> & "co"\nnot markup');
  await writeNote(page, 'Groceries\nmilk');
  await writeNote(page, 'Packing list\npassport');
  await writeNote(page, 'Recipes\nbread');
  await eventually(async () => (await titles(page)).join(', ') === 'Recipes, Packing list, Groceries, Tags <b> & "co"', 'four notes');

  // Ctrl-K from inside the text: the palette, its combobox focused.
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await page.keyboard.press('Control+K');
  await palette.waitFor();
  assert.equal(await focused(page), 'input Command or note title');
  assert.deepEqual(await accessibilityProblems(page), [], 'the palette passes axe');
  // Up and Down move the active choice, as the combobox tells.
  const combo = page.getByRole('combobox', { name: 'Command or note title' });
  const active = async () => palette.locator(`#${await combo.getAttribute('aria-activedescendant')}`).textContent();
  assert.match(await active(), /^New note/);
  await page.keyboard.press('ArrowDown');
  assert.match(await active(), /^Show the Trash/);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.equal(await active(), 'Tags <b> & "co"Note', 'Up from the first wraps to the last, a title as text');
  // Escape closes it, and the caret is back in the note.
  await page.keyboard.press('Escape');
  await palette.waitFor({ state: 'hidden' });
  assert.equal(await focused(page), 'textarea Note text');
  assert.equal(await noteText(page), 'Recipes\nbread');

  // A title typed, Enter: that note, ready to be written in.
  await page.keyboard.press('Control+K');
  await combo.fill('packing');
  await eventually(async () => (await palette.getByRole('option').allTextContents()).join() === 'Packing listNote',
    'only the note that matches');
  await page.keyboard.press('Enter');
  await palette.waitFor({ state: 'hidden' });
  await eventually(async () => (await noteText(page)) === 'Packing list\npassport', 'the note opened');
  await eventually(async () => (await focused(page)) === 'textarea Note text', 'the caret in it');

  // Ctrl-F from the text: the search box. Down: into the list, and along it.
  await page.keyboard.press('Control+F');
  assert.equal(await focused(page), 'input Search notes');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'button Recipes');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'button Groceries');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'button Tags <b> & "co"', 'the last row stays');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(page), 'button Packing list');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await eventually(async () => (await noteText(page)) === 'Recipes\nbread', 'Enter opens the row');

  // `?` on a row: the shortcuts; Escape: back on the row.
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await page.keyboard.press('?');
  await help.waitFor();
  assert.match(await help.textContent(), /Ctrl\+K[\s\S]*Ctrl\+Alt\+N/);
  assert.deepEqual(await accessibilityProblems(page), [], 'the shortcuts pass axe');
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'hidden' });
  assert.equal(await focused(page), 'button Recipes');

  // `/` from the row: the search box; there `/` and `?` are typed, not shortcuts.
  await page.keyboard.press('/');
  assert.equal(await focused(page), 'input Search notes');
  await page.keyboard.type('groc?/');
  assert.equal(await page.getByRole('searchbox', { name: 'Search notes' }).inputValue(), 'groc?/');
  assert.equal(await help.isVisible(), false);
  await page.keyboard.press('Escape');
  await listed(page);

  // Commands: the Trash and back, then the shortcuts from the palette.
  await page.keyboard.press('Control+K');
  await combo.fill('trash');
  await page.keyboard.press('Enter');
  await page.getByRole('searchbox', { name: 'Search the trash' }).waitFor();
  await page.keyboard.press('Control+K');
  await combo.fill('notes');
  await page.keyboard.press('Enter');
  await page.getByRole('searchbox', { name: 'Search notes' }).waitFor();
  await page.keyboard.press('/');
  await page.keyboard.press('Control+K');
  await combo.fill('shortcuts');
  await page.keyboard.press('Enter');
  await help.waitFor();
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'hidden' });
  assert.equal(await focused(page), 'input Search notes', 'back where the palette was opened');

  assert.deepEqual(p.errors, []);
  await p.close();
  await server.stop();
});

test('the palette offers what the screen does: History with a note open, Sync and Sign out when signed in', async () => {
  const server = await startServer();
  const p = await openProfile();
  const page = await openApp(p.context, server.url);
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  const combo = page.getByRole('combobox', { name: 'Command or note title' });
  const offered = async (typed) => {
    await page.keyboard.press('Control+K');
    await combo.fill(typed);
    await palette.getByRole('status').filter({ hasText: /choose|Nothing/ }).waitFor();
    return (await palette.getByRole('option').allTextContents()).filter((o) => o.endsWith('Command'));
  };
  assert.deepEqual(await offered('s'), ['Show the TrashCommand', 'Keyboard shortcutsCommand'], 'signed out, no note open');
  await page.keyboard.press('Escape');

  await signUp(page, 'keys', 'password one');
  await writeNote(page, 'Signed in\nand synced');
  assert.deepEqual(await offered('s'), [
    'Sync nowCommand', 'Show the TrashCommand', 'History of this noteCommand',
    'Move this note to the TrashCommand', 'Sign outCommand', 'Keyboard shortcutsCommand',
  ]);
  await combo.fill('history');
  await page.keyboard.press('Enter');
  await page.getByRole('region', { name: 'History' }).waitFor();

  await offered('sync');
  await page.keyboard.press('Enter');
  await eventually(async () => /^(Live|Synced)/.test(await page.locator('.sync-status').textContent()), 'synced');
  await offered('sign out');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Create account' }).waitFor();
  assert.deepEqual(p.errors, []);
  await p.close();
  await server.stop();
});

/** Width and height of a PNG, from its header. */
const pngSize = (bytes) => {
  const view = new DataView(bytes);
  return `${view.getUint32(16)}x${view.getUint32(20)}`;
};

test('the app installs: its manifest and icons are served as such, and open offline too', async () => {
  const server = await startServer();
  const res = await fetch(`${server.url}/manifest.webmanifest`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/manifest+json');
  const manifest = await res.json();
  assert.equal(manifest.name, 'Notes');
  assert.equal(manifest.start_url, '/');
  assert.equal(manifest.display, 'standalone');
  assert.ok(manifest.icons.some((i) => i.purpose === 'maskable'), 'a maskable icon');
  for (const icon of manifest.icons) {
    const got = await fetch(new URL(icon.src, server.url));
    assert.equal(got.status, 200, icon.src);
    assert.equal(got.headers.get('content-type'), icon.type, icon.src);
    if (icon.type === 'image/png') assert.equal(pngSize(await got.arrayBuffer()), icon.sizes, icon.src);
  }

  const p = await openProfile();
  const page = await openApp(p.context, server.url);
  // The browser reads the manifest the page links to, without an error.
  const cdp = await p.context.newCDPSession(page);
  const read = await cdp.send('Page.getAppManifest');
  assert.match(read.url, /\/manifest\.webmanifest$/);
  assert.deepEqual(read.errors, []);
  for (const rel of ['icon', 'apple-touch-icon']) {
    const href = await page.locator(`link[rel="${rel}"]`).getAttribute('href');
    assert.equal((await fetch(new URL(href, server.url))).status, 200, rel);
  }

  // Kept by the service worker: offline, the page, its manifest and its icons.
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 20_000 });
  await p.context.setOffline(true);
  await page.reload();
  await page.getByRole('button', { name: 'New note' }).waitFor();
  const offline = await page.evaluate(async (srcs) => Promise.all(
    ['/manifest.webmanifest', ...srcs].map(async (src) => (await fetch(src)).status)), manifest.icons.map((i) => i.src));
  assert.deepEqual(offline, offline.map(() => 200));
  assert.deepEqual(p.errors, []);
  await p.close();
  await server.stop();
});
