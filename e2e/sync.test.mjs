import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, pasteNewNote, titles, openNote, eventually, saved, signUp, signIn,
  sync, listed, lists, autoSync,
  closeAllProfiles, stopAllServers,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await closeAllProfiles(); await stopAllServers(); });

test('offline: writing and Sync give a clear state and lose nothing; back online Sync sends everything', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await signUp(page, 'offline-user', 'password one');
  await newNote(page, 'Before going offline');
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);

  await profile.context.setOffline(true);
  await newNote(page, 'Written offline');
  await openNote(page, 'Before going offline');
  await page.getByRole('textbox', { name: 'Note text' }).fill('Before going offline, edited offline');
  await saved(page);
  const status = await sync(page);
  assert.match(status, /^Offline/, status);
  assert.match(status, /2 notes waiting to sync/, status);
  assert.deepEqual((await titles(page)).sort(), ['Before going offline, edited offline', 'Written offline']);

  await profile.context.setOffline(false);
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);
  assert.doesNotMatch(await page.locator('.sync-status').textContent(), /waiting to sync/);

  // The server has every change: a fresh device of the same account gets them.
  const other = await openProfile();
  const fresh = await openApp(other.context, server.url);
  await signIn(fresh, 'offline-user', 'password one');
  assert.match(await sync(fresh), /^(Live|Synced|Connecting)/);
  await lists(fresh, ['Before going offline, edited offline', 'Written offline']);
  await profile.close();
  await other.close();
});

test('a server of another schema version: Sync says to reload for the new release and offers it, and nothing is lost', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await signUp(page, 'older-app', 'password one');
  // The note waits for the Sync pressed below (pushed by itself, it could
  // go before the server "moves on").
  await autoSync(page, false);
  await newNote(page, 'Written before the server moved on');
  // The server's answer to an app whose schema it no longer has.
  await profile.context.route('**/sync', (route) => route.fulfill({
    status: 409, contentType: 'application/json',
    body: JSON.stringify({ error: 'schema version mismatch: the client has 2, the server has 3; update the app before syncing' }),
  }));
  const status = await sync(page);
  assert.match(status, /^Error: This version of the app cannot sync with the server \(schema version mismatch: .+\)\. Reload the page to update the app, then Sync again; your notes are safe on this device\./, status);
  assert.match(status, /1 note waiting to sync/, status);

  // The server has the new release too: its Reload button gets it.
  await profile.context.unroute('**/sync');
  const offer = page.getByRole('status').filter({ hasText: 'Reload to update the app, then Sync again.' });
  await Promise.all([page.waitForEvent('load'), offer.getByRole('button', { name: 'Reload' }).click()]);
  await listed(page);
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);
  assert.deepEqual(await titles(page), ['Written before the server moved on']);
  await profile.close();
});

test('two devices of one account write offline and converge; a same-line conflict keeps both versions', async () => {
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  const pb = await openApp(b.context, server.url);
  await signUp(pa, 'two-devices', 'password one');
  await newNote(pa, 'Shared note\nline two\nline three');
  assert.match(await sync(pa), /^(Live|Synced|Connecting)/);
  await signIn(pb, 'two-devices', 'password one');
  assert.match(await sync(pb), /^(Live|Synced|Connecting)/);
  await lists(pb, ['Shared note']);

  await a.context.setOffline(true);
  await b.context.setOffline(true);
  await newNote(pa, 'Only on A');
  await newNote(pb, 'Only on B');
  // Both edit the first line; A edits line two, B line three.
  await openNote(pa, 'Shared note');
  await pa.getByRole('textbox', { name: 'Note text' }).fill('Shared note, A’s title\nline two, edited on A\nline three');
  await saved(pa);
  await openNote(pb, 'Shared note');
  await pb.getByRole('textbox', { name: 'Note text' }).fill('Shared note, B’s title\nline two\nline three, edited on B');
  await saved(pb);
  await a.context.setOffline(false);
  await b.context.setOffline(false);

  // Sync in both orders, repeatedly.
  for (const p of [pb, pa, pb, pa]) assert.match(await sync(p), /^(Live|Synced|Connecting)/);
  const ta = (await titles(pa)).sort();
  const tb = (await titles(pb)).sort();
  assert.deepEqual(ta, tb);
  assert.equal(ta.length, 3);
  assert.ok(ta.includes('Only on A') && ta.includes('Only on B'));
  const shared = ta.find((t) => t.startsWith('Shared note,'));
  await openNote(pa, shared);
  await openNote(pb, shared);
  const textA = await pa.getByRole('textbox', { name: 'Note text' }).inputValue();
  const textB = await pb.getByRole('textbox', { name: 'Note text' }).inputValue();
  assert.equal(textA, textB);
  // Different lines merged; the same line shows one version and keeps the other.
  const [first, two, three] = textA.split('\n');
  assert.deepEqual([two, three], ['line two, edited on A', 'line three, edited on B']);
  const other = first === 'Shared note, A’s title' ? 'Shared note, B’s title' : 'Shared note, A’s title';
  assert.ok(['Shared note, A’s title', 'Shared note, B’s title'].includes(first), first);
  for (const p of [pa, pb]) {
    assert.equal(await p.locator('.note-list .conflict-badge').textContent(), '1 conflicting edit');
    await p.getByRole('region', { name: 'Conflicting edits' }).getByText(other).waitFor();
  }

  // A chooses the other version; after syncing, both show it and no conflict.
  await pa.getByRole('button', { name: 'Use the other version of line 1' }).click();
  await eventually(async () => (await pa.getByRole('textbox', { name: 'Note text' }).inputValue()).startsWith(other), 'the kept version');
  for (const p of [pa, pb]) assert.match(await sync(p), /^(Live|Synced|Connecting)/);
  await eventually(async () => (await pb.getByRole('textbox', { name: 'Note text' }).inputValue()).startsWith(other), 'the kept version on B');
  assert.equal(await pb.locator('.note-list .conflict-badge').count(), 0);
  assert.equal(await pb.getByRole('region', { name: 'Conflicting edits' }).count(), 0);
  await a.close();
  await b.close();
});

test('after signing out, the next user never sees the first user’s notes', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await signUp(page, 'first-user', 'password one');
  await newNote(page, 'Private to the first user');

  // Unsynced changes (offline, they cannot go first) are not discarded
  // without asking.
  await profile.context.setOffline(true);
  await openNote(page, 'Private to the first user');
  await page.getByRole('textbox', { name: 'Note text' }).fill('Private to the first user, edited offline');
  await saved(page);
  let asked = '';
  page.once('dialog', async (d) => { asked = d.message(); await d.dismiss(); });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await eventually(async () => asked, 'the unsynced-changes question');
  assert.match(asked, /not synced/);
  assert.ok(await page.getByText('Signed in as first-user').isVisible());

  await profile.context.setOffline(false);
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Create account' }).waitFor();
  assert.deepEqual(await titles(page), []);

  await signUp(page, 'second-user', 'password two');
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);
  // Not even the list kept for a fast start shows the first user's titles.
  await page.addInitScript(() => {
    window.__seen = new Set();
    new MutationObserver(() => {
      document.querySelectorAll('.note-title').forEach((e) => window.__seen.add(e.textContent));
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  await page.reload();
  assert.deepEqual(await titles(page), []);
  assert.deepEqual(await page.evaluate(() => [...window.__seen]), []);
  await newNote(page, 'Second user’s note');
  assert.deepEqual(await titles(page), ['Second user’s note']);

  // The first user, back on this browser, gets their notes from the server.
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Create account' }).waitFor();
  assert.deepEqual(await titles(page), []);
  await signIn(page, 'first-user', 'password one');
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);
  await eventually(async () => (await titles(page)).length === 1, 'the first user’s note');
  assert.deepEqual(await titles(page), ['Private to the first user, edited offline']);
  await profile.close();
});

test('a 5,000-line note written on one device arrives whole on another (the push spans several requests)', async () => {
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  await signUp(pa, 'long-note', 'password one');
  const lines = Array.from({ length: 5_000 }, (_, i) => `Line ${i} of a long note`);
  await pasteNewNote(pa, lines.join('\n'));
  assert.match(await sync(pa), /^(Live|Synced|Connecting)/);
  assert.doesNotMatch(await pa.locator('.sync-status').textContent(), /waiting to sync/);

  const pb = await openApp(b.context, server.url);
  await signIn(pb, 'long-note', 'password one');
  assert.match(await sync(pb), /^(Live|Synced|Connecting)/);
  await openNote(pb, 'Line 0 of a long note');
  assert.equal(await pb.getByRole('textbox', { name: 'Note text' }).inputValue(), lines.join('\n'));
  await a.close();
  await b.close();
});

test('typing in a note while Sync merges another device’s line into it keeps both', async () => {
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  const pb = await openApp(b.context, server.url);
  await signUp(pa, 'typing-while-syncing', 'password one');
  // A's Sync is pressed at a chosen moment: not by itself.
  await autoSync(pa, false);
  await newNote(pa, 'Plans\nfirst');
  assert.match(await sync(pa), /^(Live|Synced|Connecting)/);
  await signIn(pb, 'typing-while-syncing', 'password one');
  assert.match(await sync(pb), /^(Live|Synced|Connecting)/);
  await openNote(pb, 'Plans');
  await pb.getByRole('textbox', { name: 'Note text' }).fill('Plans\nfirst\nfrom the other device');
  await saved(pb);
  assert.match(await sync(pb), /^(Live|Synced|Connecting)/);

  // A keeps typing while its Sync brings B's line into the note A is editing.
  await openNote(pa, 'Plans');
  const editor = pa.getByRole('textbox', { name: 'Note text' });
  await editor.press('End');
  await editor.pressSequentially(' and more');
  await pa.getByRole('button', { name: 'Sync' }).click();
  // Back at the end of "first and more" (the Sync may have brought B's line
  // below it already), typing on while the Sync runs.
  await editor.press('Control+Home');
  await editor.press('ArrowDown');
  await editor.press('End');
  await editor.pressSequentially(' while syncing', { delay: 60 });
  await eventually(async () => /^(Live|Synced|Connecting)/.test(await pa.locator('.sync-status').textContent()), 'the sync to finish');
  const expected = 'Plans\nfirst and more while syncing\nfrom the other device';
  await eventually(async () => (await editor.inputValue()) === expected, 'A to show both edits', 5_000);
  await saved(pa);

  for (const p of [pa, pb]) assert.match(await sync(p), /^(Live|Synced|Connecting)/);
  await eventually(async () => (await pb.getByRole('textbox', { name: 'Note text' }).inputValue()) === expected,
    'B to show both edits', 5_000);
  await pa.reload();
  await openNote(pa, 'Plans');
  assert.equal(await pa.getByRole('textbox', { name: 'Note text' }).inputValue(), expected);
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.close();
  await b.close();
});

test('words typed just before pressing Sync are in that Sync, and Sign out right after typing sends them first', async () => {
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  await signUp(pa, 'last-words', 'password one');
  await newNote(pa, 'Last words');
  assert.match(await sync(pa), /^(Live|Synced|Connecting)/);

  // Sync pressed right after typing, before autosave would have saved.
  const editor = pa.getByRole('textbox', { name: 'Note text' });
  await editor.press('End');
  await editor.pressSequentially(' typed just before Sync');
  assert.match(await sync(pa), /^(Live|Synced|Connecting)/);
  const pb = await openApp(b.context, server.url);
  await signIn(pb, 'last-words', 'password one');
  assert.match(await sync(pb), /^(Live|Synced|Connecting)/);
  await openNote(pb, 'Last words');
  assert.equal(await pb.getByRole('textbox', { name: 'Note text' }).inputValue(), 'Last words typed just before Sync');

  // Sign out right after typing: syncing by itself, those words go to the
  // server first, so there is nothing to ask about, and B has them.
  await editor.pressSequentially(', and before Sign out');
  let asked = '';
  pa.once('dialog', async (d) => { asked = d.message(); await d.dismiss(); });
  await pa.getByRole('button', { name: 'Sign out' }).click();
  await pa.getByRole('button', { name: 'Create account' }).waitFor();
  assert.equal(asked, '');
  await eventually(async () => (await pb.getByRole('textbox', { name: 'Note text' }).inputValue())
    === 'Last words typed just before Sync, and before Sign out', 'the last words on B');
  assert.deepEqual(a.errors, []);
  await a.close();
  await b.close();
});
