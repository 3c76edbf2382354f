import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeAllProfiles, stopAllServers, startServer, openProfile, openApp, newNote, titles, openNote, saved, eventually, draftKeys, lists,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await closeAllProfiles(); await stopAllServers(); });

test('a note survives a reload and a browser restart', async () => {
  const profile = await openProfile();
  let page = await openApp(profile.context, server.url);
  await newNote(page, 'Groceries\nmilk, eggs');
  await newNote(page, 'Ideas\nwrite more tests');
  assert.deepEqual(await titles(page), ['Ideas', 'Groceries']);

  await page.reload();
  assert.deepEqual(await titles(page), ['Ideas', 'Groceries']);

  await profile.close();
  const again = await openProfile(profile.dir);
  // Record every list drawn: the first is the copy kept from the last run,
  // marked busy until the database answers.
  await again.context.addInitScript(() => {
    window.__lists = [];
    new MutationObserver(() => {
      const list = document.querySelector('.note-list');
      if (!list) return;
      const seen = { busy: list.getAttribute('aria-busy') === 'true', titles: [...list.querySelectorAll('.note-title')].map((e) => e.textContent) };
      const last = window.__lists[window.__lists.length - 1];
      if (!last || JSON.stringify(last) !== JSON.stringify(seen)) window.__lists.push(seen);
    }).observe(document, { childList: true, subtree: true, attributes: true });
  });
  page = await openApp(again.context, server.url);
  assert.deepEqual(await titles(page), ['Ideas', 'Groceries']);
  const lists = await page.evaluate(() => window.__lists);
  assert.deepEqual(lists[0], { busy: true, titles: ['Ideas', 'Groceries'] }, 'the kept copy is drawn first');
  assert.deepEqual(lists[lists.length - 1], { busy: false, titles: ['Ideas', 'Groceries'] });
  await openNote(page, 'Groceries');
  assert.equal(await page.getByRole('textbox', { name: 'Note text' }).inputValue(), 'Groceries\nmilk, eggs');
  assert.deepEqual(again.errors, []);
  await again.close();
});

test('typing on after an autosave keeps the caret in the note', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await newNote(page, 'Typing');
  const editor = page.getByRole('textbox', { name: 'Note text' });
  await editor.press('End');
  await page.keyboard.type(' one');
  await saved(page);
  // The save makes every view re-read; the text area must stay the same element.
  await page.waitForTimeout(300);
  await page.keyboard.type(' two');
  await saved(page);
  assert.equal(await editor.inputValue(), 'Typing one two');
  await profile.close();
});

test('words typed just before the tab closes are kept', async () => {
  const profile = await openProfile();
  let page = await openApp(profile.context, server.url);
  await newNote(page, 'Closing soon');
  const editor = page.getByRole('textbox', { name: 'Note text' });
  await editor.press('End');
  // The tab closes well inside autosave's 300 ms wait.
  await page.keyboard.type(', the last words');
  await page.close();

  page = await openApp(profile.context, server.url);
  await eventually(async () => (await titles(page))[0] === 'Closing soon, the last words' || null,
    'the last words in the list');
  await openNote(page, 'Closing soon, the last words');
  assert.equal(await page.getByRole('textbox', { name: 'Note text' }).inputValue(), 'Closing soon, the last words');
  assert.deepEqual(profile.errors, []);
  await profile.close();
});

test('a draft left by a page that closed before its save is saved at the next start', async () => {
  const profile = await openProfile();
  let page = await openApp(profile.context, server.url);
  await newNote(page, 'Draft target');
  await newNote(page, 'Changed elsewhere');
  const ids = await eventually(async () => {
    const kept = JSON.parse(await page.evaluate(() => localStorage.getItem('notes.first-page.v1')) ?? '{"notes":[]}');
    const id = (title) => kept.notes.find((n) => n.title === title)?.id;
    return id('Draft target') && id('Changed elsewhere') ? [id('Draft target'), id('Changed elsewhere')] : null;
  }, 'the list kept for the next start');
  await page.close();

  // What a page leaves when it is closed with edits whose save never arrives:
  // the text, and the texts it was typed over. The second note has changed
  // since its draft was typed, so its draft must not undo that change.
  await profile.context.addInitScript(([target, elsewhere]) => {
    if (localStorage.getItem('test.planted')) return;
    localStorage.setItem('test.planted', '1');
    const plant = (id, text, over) => localStorage.setItem(`notes.draft.v1:${id}`,
      JSON.stringify({ account: null, id, text, over }));
    plant(target, 'Draft target, finished', ['Draft target']);
    plant(elsewhere, 'Typed before the change', ['an older text']);
  }, ids);
  page = await openApp(profile.context, server.url);
  await lists(page, ['Changed elsewhere', 'Draft target, finished', 'Typed before the change']);
  await page.getByText('Text typed just before the app closed was kept as a new note').waitFor();
  assert.equal((await draftKeys(page)).length, 0);
  await profile.close();
});

test('search filters the list as you type; delete can be undone', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await newNote(page, 'Alpha note');
  await newNote(page, 'Beta note');
  // Typing right after "New note" goes into the new note, never the previous one.
  await eventually(async () => (await titles(page)).sort().join() === 'Alpha note,Beta note', 'both notes listed');
  await page.getByRole('searchbox', { name: 'Search notes' }).fill('alp');
  await page.waitForFunction(() => document.querySelectorAll('.note-list .note-title').length === 1);
  assert.deepEqual(await titles(page), ['Alpha note']);
  await page.getByRole('searchbox', { name: 'Search notes' }).press('Escape');
  await page.waitForFunction(() => document.querySelectorAll('.note-list .note-title').length === 2);

  await openNote(page, 'Beta note');
  await page.getByRole('button', { name: 'Delete note' }).click();
  await page.getByText('Moved to Trash.').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.note-list .note-title').length === 1);
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.note-list .note-title').length === 2);
  assert.deepEqual((await titles(page)).sort(), ['Alpha note', 'Beta note']);
  await profile.close();
});

test('a DB worker that cannot load says so and what to do, and the notes are still there after', async () => {
  // Without the service worker, which would serve its own good copy of the
  // worker's code (the broken one here stands for a half-deployed release).
  const profile = await openProfile(undefined, { serviceWorkers: 'block' });
  let page = await openApp(profile.context, server.url);
  await newNote(page, 'Kept through a failure\nof the worker');
  await page.close();

  // The worker's code fails to load (as a broken or half-deployed release would).
  await profile.context.route('**/db_worker.js*', (route) => route.fulfill({
    contentType: 'text/javascript', body: 'await import("/no-such-module.js");',
  }));
  page = await profile.context.newPage();
  await page.goto(server.url);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /^The database worker failed: .+ Notes already saved stay in this browser; reload the page to try again\.$/);
  await page.close();

  await profile.context.unroute('**/db_worker.js*');
  page = await openApp(profile.context, server.url);
  assert.deepEqual(await titles(page), ['Kept through a failure']);
  await profile.close();
});

test('an app that cannot load says so and what to do', async () => {
  const profile = await openProfile();
  // The wasm does not arrive (a dead network on a first visit, a broken deploy).
  await profile.context.route('**/app-*_bg.wasm', (route) => route.fulfill({ status: 503, body: '' }));
  const page = await profile.context.newPage();
  await page.goto(server.url);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /^The app could not load \(.+\)\. Check the connection and reload the page; notes saved in this browser are kept\.$/);
  await profile.close();
});

test('the last screen shows while the app’s wasm is on its way, and turns into what to do if it never arrives', async () => {
  // A browser that used the app keeps its last screen (read here to carry
  // it to a fresh profile, whose requests this test can hold).
  const used = await openProfile();
  const before = await openApp(used.context, server.url);
  await newNote(before, 'Kept on screen');
  // Kept once the list shows the note's title (not just a new, empty note).
  const kept = () => before.evaluate(() => localStorage.getItem('notes.first-screen.v1'));
  await eventually(async () => (await kept())?.includes('Kept on screen'), 'the screen to be kept');
  const screen = await kept();
  await used.close();

  const profile = await openProfile();
  await profile.context.addInitScript((kept) => {
    if (!localStorage.getItem('notes.first-screen.v1')) localStorage.setItem('notes.first-screen.v1', kept);
  }, screen);
  let answer;
  const held = new Promise((resolve) => { answer = resolve; });
  await profile.context.route('**/app-*_bg.wasm', async (route) => { await held; await route.fulfill({ status: 503, body: '' }); });
  const page = await profile.context.newPage();
  await page.goto(server.url);
  const title = page.locator('.note-list .note-title', { hasText: 'Kept on screen' });
  await title.waitFor();
  assert.equal(await page.locator('.note-list').getAttribute('aria-busy'), 'true');
  // Not the app yet: nothing on it can be used (nor reached by a screen reader).
  assert.equal(await page.locator('#kept-screen').evaluate((e) => e.inert), true);
  await page.getByRole('status').filter({ hasText: 'Loading Notes…' }).waitFor({ state: 'attached' });

  answer();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /^The app could not load \(.+\)\. Check the connection and reload the page; notes saved in this browser are kept\.$/);
  assert.equal(await title.count(), 0);
  await profile.close();
});

test('once a note is written, the app asks the browser to keep its storage', async () => {
  const profile = await openProfile();
  await profile.context.addInitScript(() => {
    window.__persistAsked = 0;
    const persist = navigator.storage.persist.bind(navigator.storage);
    navigator.storage.persist = () => { window.__persistAsked += 1; return persist(); };
  });
  const page = await openApp(profile.context, server.url);
  assert.equal(await page.evaluate(() => window.__persistAsked), 0, 'not for an empty notebook');
  await newNote(page, 'Worth keeping');
  await newNote(page, 'Also worth keeping');
  assert.equal(await page.evaluate(() => window.__persistAsked), 1, 'once');
  await profile.close();
});
