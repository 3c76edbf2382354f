import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeAllProfiles, stopAllServers, startServer, openProfile, openApp, newNote, pasteNewNote, titles, openNote, saved,
  signUp, signIn, sync, eventually, lists, pasteAtEnd, draftKeys,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await closeAllProfiles(); await stopAllServers(); });

/**
 * Gives the site a storage quota of `bytes` (none: the browser's own). The
 * override lasts while its DevTools session does, so the session is kept.
 */
async function quota(page, bytes) {
  page.cdp ??= await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await page.cdp.send('Storage.overrideQuotaForOrigin', bytes === undefined ? { origin } : { origin, quotaSize: bytes });
}

/** ~1 MB of lines: more than the database's files can take without growing. */
const bulk = (c) => `\n${c.repeat(199)}`.repeat(5_000);

/** With no room left, adds `added` to note `title`, whose save then fails. */
async function typeWithNoRoom(page, title, added) {
  await quota(page, 1);
  await openNote(page, title);
  await pasteAtEnd(page, added);
  await page.locator('.save-state', { hasText: /^Not saved: .*storage for this site is full/ }).waitFor();
}

test('a full storage says so and loses no words: opening another note, a reload, then room again', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await newNote(page, 'Plans\nfirst line');
  await newNote(page, 'Other\nsomething');

  const added = `\nsecond line${bulk('x')}`;
  const words = `Plans\nfirst line${added}`;
  await typeWithNoRoom(page, 'Plans', added);
  await page.getByRole('button', { name: 'Retry save' }).waitFor();

  // Leaving the note tries again, fails again, and says where the words are.
  await openNote(page, 'Other');
  const notSaved = page.getByRole('status').filter({ hasText: /“Plans” was not saved\..*kept on this device/ });
  await notSaved.waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Note text' }).inputValue(), 'Other\nsomething');
  assert.notEqual(await page.locator('.save-state').textContent(), 'Saving…');
  // Word of a problem stays until dismissed, however long that takes.
  await page.waitForTimeout(7_000);
  assert.ok(await notSaved.isVisible());

  // Still full after a reload: the note shows the words, not yet saved.
  await page.reload();
  await page.getByRole('status').filter({ hasText: /^Text typed earlier in “Plans” could not be saved yet\. .*full/ }).waitFor();
  await openNote(page, 'Plans');
  const editor = page.getByRole('textbox', { name: 'Note text' });
  assert.equal(await editor.inputValue(), words);
  await page.locator('.save-state', { hasText: /^Not saved: .*full/ }).waitFor();

  // Room again: Retry saves them, and no draft is left to be saved twice.
  await quota(page);
  await page.getByRole('button', { name: 'Retry save' }).click();
  await saved(page);
  assert.deepEqual(await draftKeys(page), []);
  await page.reload();
  assert.deepEqual(await titles(page), ['Plans', 'Other']);
  await openNote(page, 'Plans');
  assert.equal(await page.getByRole('textbox', { name: 'Note text' }).inputValue(), words);
  assert.deepEqual(await draftKeys(page), []);
  assert.deepEqual(profile.errors, []);
  await profile.close();
});

test('a Sync that finds the storage full says so, sign-out asks about words not saved; with room again, Sync brings everything', async () => {
  const a = await openProfile();
  const pa = await openApp(a.context, server.url);
  await signUp(pa, 'full-device', 'password one');
  const lines = Array.from({ length: 5_000 }, (_, i) => `Line ${i} of a long note`);
  await pasteNewNote(pa, lines.join('\n'));
  assert.match(await sync(pa), /^(Live|Synced|Connecting)/);

  const b = await openProfile();
  const pb = await openApp(b.context, server.url);
  // B's first pull (which syncing by itself would run at once) waits for
  // the storage to be full.
  await b.context.route('**/sync', (route) => route.abort());
  await signIn(pb, 'full-device', 'password one');
  await newNote(pb, 'Written on the full device');
  await quota(pb, 1);
  await b.context.unroute('**/sync');
  const status = await sync(pb);
  assert.match(status, /^Error: Storage problem: the browser's storage for this site is full, so Sync could not finish \(your notes are safe\)\. Free some space on this device, then Sync again\./, status);
  // Whether B's note went up with the first page, before the pull filled
  // the storage, depends on the free pages its file had (a migration that
  // rebuilt a table leaves some): either way the status tells the truth.
  if (!/1 note waiting to sync/.test(status)) {
    assert.match(await sync(pa), /^(Live|Synced|Connecting)/);
    await lists(pa, ['Line 0 of a long note', 'Written on the full device']);
  }
  // Pages merged before the storage filled up stay; the rest comes next time.
  assert.ok((await titles(pb)).includes('Written on the full device'));

  // Words that could not be saved are not signed out without asking.
  const added = bulk('z');
  await typeWithNoRoom(pb, 'Written on the full device', added);
  let asked = '';
  pb.once('dialog', async (d) => { asked = d.message(); await d.dismiss(); });
  await pb.getByRole('button', { name: 'Sign out' }).click();
  await eventually(async () => asked, 'the question about words not saved');
  assert.match(asked, /^1 note\(s\) have words that could not be saved on this device yet and would be lost\./);
  assert.ok(await pb.getByText('Signed in as full-device').isVisible());

  await quota(pb);
  await pb.getByRole('button', { name: 'Retry save' }).click();
  await saved(pb);
  assert.match(await sync(pb), /^(Live|Synced|Connecting)/);
  await lists(pb, ['Line 0 of a long note', 'Written on the full device']);
  await openNote(pb, 'Line 0 of a long note');
  assert.equal(await pb.getByRole('textbox', { name: 'Note text' }).inputValue(), lines.join('\n'));
  assert.match(await sync(pa), /^(Live|Synced|Connecting)/);
  await lists(pa, ['Line 0 of a long note', 'Written on the full device']);
  await openNote(pa, 'Written on the full device');
  assert.equal(await pa.getByRole('textbox', { name: 'Note text' }).inputValue(), `Written on the full device${added}`);
  assert.deepEqual(b.errors, []);
  await a.close();
  await b.close();
});

test('words kept from a full storage go with the notebook when its user signs in, and reach the server', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await newNote(page, 'Local plans\nfirst line');
  await newNote(page, 'Local other');
  const added = `\nsecond line${bulk('y')}`;
  await typeWithNoRoom(page, 'Local plans', added);
  await openNote(page, 'Local other');
  await page.getByRole('status').filter({ hasText: /“Local plans” was not saved/ }).waitFor();

  // Room again; the user signs up (the notebook joins the account) and syncs.
  await quota(page);
  await signUp(page, 'full-then-signed-in', 'password one');
  await eventually(async () => (await draftKeys(page)).length === 0, 'the kept words to be saved');
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);

  const other = await openProfile();
  const fresh = await openApp(other.context, server.url);
  await signIn(fresh, 'full-then-signed-in', 'password one');
  assert.match(await sync(fresh), /^(Live|Synced|Connecting)/);
  await lists(fresh, ['Local other', 'Local plans']);
  await openNote(fresh, 'Local plans');
  assert.equal(await fresh.getByRole('textbox', { name: 'Note text' }).inputValue(), `Local plans\nfirst line${added}`);
  assert.deepEqual(profile.errors, []);
  await profile.close();
  await other.close();
});

test('a server without room for a Sync says so, and the words stay on the device', async () => {
  const cramped = await startServer(undefined, ['--max-user-mib', '1']);
  try {
    const profile = await openProfile();
    const page = await openApp(profile.context, cramped.url);
    await signUp(page, 'cramped', 'a good password');
    const words = `Longer than the account's space${bulk('y')}`;
    await pasteNewNote(page, words);

    const status = await sync(page);
    assert.match(status, /^Error: Sync could not finish: the server has no room/);
    assert.match(status, /They are safe on your device; Sync again later/);
    await page.reload();
    await openNote(page, 'Longer than the account');
    assert.equal(await page.getByRole('textbox', { name: 'Note text' }).inputValue(), words);
    assert.deepEqual(profile.errors, []);
    await profile.close();
  } finally {
    await cramped.stop();
  }
});
