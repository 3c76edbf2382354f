import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeAllProfiles, stopAllServers, startServer, openProfile, openApp, newNote, titles, openNote, eventually, saved } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await closeAllProfiles(); await stopAllServers(); });

/** Keeps `page`'s DB worker busy for `ms`, as a slow device would. */
function holdUp(page, ms) {
  const worker = page.workers().find((w) => w.url().includes('db_worker'));
  worker.evaluate((ms) => { for (const end = Date.now() + ms; Date.now() < end;); }, ms).catch(() => {});
}

/**
 * Writes `text` as a new note in `writer`, waits until `reader` lists it and
 * opens it there; the two tabs' text areas, writer's first.
 */
async function openInBoth(writer, reader, text) {
  await newNote(writer, text);
  const title = text.split('\n')[0];
  await eventually(async () => (await titles(reader)).includes(title), 'the other tab to show the note', 3_000);
  await openNote(reader, title);
  return [writer, reader].map((tab) => tab.getByRole('textbox', { name: 'Note text' }));
}

test('two tabs see each other’s edits live, and closing the leader tab loses nothing', async () => {
  const profile = await openProfile();
  const tab1 = await openApp(profile.context, server.url); // first tab: holds the database
  const tab2 = await openApp(profile.context, server.url);

  await newNote(tab1, 'Written in tab 1');
  await eventually(async () => (await titles(tab2)).includes('Written in tab 1'), 'tab 2 to show the note', 3_000);

  await openNote(tab2, 'Written in tab 1');
  await tab2.getByRole('textbox', { name: 'Note text' }).fill('Edited in tab 2');
  await saved(tab2);
  await eventually(async () => (await titles(tab1)).includes('Edited in tab 2'), 'tab 1 to show the edit', 3_000);

  // Type in tab 2 while the leader's tab closes.
  const editor = tab2.getByRole('textbox', { name: 'Note text' });
  await editor.press('End');
  await editor.pressSequentially(' and more words', { delay: 20 });
  await tab1.close();
  await editor.pressSequentially(' after the leader left', { delay: 20 });
  await saved(tab2);
  const expected = 'Edited in tab 2 and more words after the leader left';
  assert.equal(await editor.inputValue(), expected);
  assert.equal(await tab2.locator('.error, .fatal, .save-state.failed').count(), 0, 'no error shown');

  // The text is in the database, not just on screen.
  await tab2.reload();
  await tab2.locator('.note-list').waitFor();
  await openNote(tab2, 'Edited in tab 2');
  assert.equal(await tab2.getByRole('textbox', { name: 'Note text' }).inputValue(), expected);
  assert.deepEqual(profile.errors, []);
  await profile.close();
});

test('saves waiting for a leader tab that hangs are written in the order they were made', async () => {
  const profile = await openProfile();
  const tab1 = await openApp(profile.context, server.url); // holds the database
  const tab2 = await openApp(profile.context, server.url);
  await newNote(tab2, 'In order');
  const editor = tab2.getByRole('textbox', { name: 'Note text' });
  await editor.press('End');

  // The leader stops answering (its worker busy, as a hung tab's is); tab
  // 2's first save waits for it, and the newer ones behind that.
  holdUp(tab1, 6_000);
  const words = ['one', 'two', 'three', 'four', 'five', 'six'];
  for (const word of words) {
    await editor.pressSequentially(` ${word}`);
    await editor.press('Control+s');
  }
  await tab2.waitForTimeout(300);
  assert.equal(await tab2.locator('.save-state').textContent(), 'Saving…', 'the saves wait for the leader');

  // Tab 2 takes over the database and writes what waited: the newest text last.
  await tab1.close();
  await saved(tab2);
  const expected = `In order ${words.join(' ')}`;
  await tab2.reload();
  await openNote(tab2, 'In order');
  assert.equal(await tab2.getByRole('textbox', { name: 'Note text' }).inputValue(), expected);
  assert.deepEqual(profile.errors, []);
  await profile.close();
});

test('a save made while an older one waits keeps the line another tab wrote meanwhile', async () => {
  const profile = await openProfile();
  const tab1 = await openApp(profile.context, server.url); // holds the database
  const tab2 = await openApp(profile.context, server.url);
  const [editor2, editor1] = await openInBoth(tab2, tab1, 'Shared\nmiddle\nend');

  // While the leader is slow to answer, tab 1 changes the first line, and
  // tab 2 the last one, twice: its second save is made while its first
  // still waits, and lands after tab 1's.
  holdUp(tab1, 4_000);
  await editor1.press('Control+Home');
  await editor1.press('End');
  await editor1.pressSequentially(' by tab 1');
  await editor1.press('Control+s');
  await editor2.press('Control+End');
  await editor2.pressSequentially(' one');
  await editor2.press('Control+s');
  await editor2.pressSequentially(' two');
  await editor2.press('Control+s');

  await saved(tab2);
  const expected = 'Shared by tab 1\nmiddle\nend one two';
  await eventually(async () => (await editor2.inputValue()) === expected, `tab 2 to show “${expected}”`);
  await eventually(async () => (await editor1.inputValue()) === expected, `tab 1 to show “${expected}”`);
  await tab2.reload();
  await openNote(tab2, 'Shared');
  assert.equal(await tab2.getByRole('textbox', { name: 'Note text' }).inputValue(), expected);
  assert.deepEqual(profile.errors, []);
  await profile.close();
});

test('leaving a note and coming back while its saves wait for the database keeps every word', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await newNote(page, 'Other');
  await newNote(page, 'Come back');
  const editor = page.getByRole('textbox', { name: 'Note text' });
  await editor.press('End');

  // The database is slow to answer (its worker busy merging a Sync, say):
  // a save waits, the note is left with newer words, then opened again.
  holdUp(page, 3_000);
  await editor.pressSequentially(' one');
  await editor.press('Control+s');
  await editor.pressSequentially(' two');
  await page.locator('.note-list .note-title', { hasText: 'Other' }).click();
  await page.locator('.note-list .note-title', { hasText: 'Come back' }).click();
  await eventually(async () => (await editor.inputValue()).startsWith('Come back one'), 'the note to show again', 10_000);
  await editor.press('End');
  await editor.pressSequentially(' three');
  await saved(page);

  const expected = 'Come back one two three';
  await eventually(async () => (await editor.inputValue()) === expected, `the note to show “${expected}”`);
  await page.reload();
  await openNote(page, 'Come back');
  assert.equal(await page.getByRole('textbox', { name: 'Note text' }).inputValue(), expected);
  assert.deepEqual(profile.errors, []);
  await profile.close();
});

test('leaving a note whose waiting save goes onto another tab’s line keeps that line', async () => {
  const profile = await openProfile();
  const tab1 = await openApp(profile.context, server.url); // holds the database
  const tab2 = await openApp(profile.context, server.url);
  await newNote(tab2, 'Elsewhere');
  const [editor2, editor1] = await openInBoth(tab2, tab1, 'Left\nmiddle\nend');

  // While the leader is slow to answer, tab 1 changes the first line; tab 2
  // changes the last one and opens another note at once: its save lands
  // after tab 1's, and its edit goes onto tab 1's line.
  holdUp(tab1, 3_000);
  await editor1.press('Control+Home');
  await editor1.press('End');
  await editor1.pressSequentially(' by tab 1');
  await editor1.press('Control+s');
  await editor2.press('Control+End');
  await editor2.pressSequentially(' by tab 2');
  await editor2.press('Control+s');
  await tab2.locator('.note-list .note-title', { hasText: 'Elsewhere' }).click();

  const expected = 'Left by tab 1\nmiddle\nend by tab 2';
  await eventually(async () => (await editor1.inputValue()) === expected, `tab 1 to show “${expected}”`);
  await openNote(tab2, 'Left');
  await eventually(async () => (await editor2.inputValue()) === expected, `tab 2 to show “${expected}”`);
  await tab1.waitForTimeout(500); // any save still on its way lands
  await tab2.reload();
  await openNote(tab2, 'Left');
  assert.equal(await tab2.getByRole('textbox', { name: 'Note text' }).inputValue(), expected);
  assert.deepEqual(profile.errors, []);
  await profile.close();
});

test('a note changed in another tab keeps the caret where it was in this one', async () => {
  const profile = await openProfile();
  const tab1 = await openApp(profile.context, server.url);
  const tab2 = await openApp(profile.context, server.url);
  const [editor1, editor2] = await openInBoth(tab1, tab2, 'Caret\nmiddle\nend');
  // Tab 2's caret after "middle", then tab 1 changes the line above it.
  await editor2.press('Control+Home');
  await editor2.press('ArrowDown');
  await editor2.press('End');
  await editor1.press('Control+Home');
  await editor1.press('End');
  await editor1.pressSequentially(' moved by tab 1');
  await editor1.press('Control+s');
  await eventually(async () => (await editor2.inputValue()).startsWith('Caret moved by tab 1'), 'tab 2 to show the change', 5_000);

  await editor2.pressSequentially(' here');
  await saved(tab2);
  assert.equal(await editor2.inputValue(), 'Caret moved by tab 1\nmiddle here\nend');
  assert.deepEqual(profile.errors, []);
  await profile.close();
});

test('a tab of another release of the app is named, and this one goes on saving', async () => {
  const profile = await openProfile();
  const tab1 = await openApp(profile.context, server.url);
  const tab2 = await openApp(profile.context, server.url);
  await newNote(tab1, 'Before the release');
  await eventually(async () => (await titles(tab2)).includes('Before the release'), 'tab 2 to show the note', 3_000);

  // A tab still running a release from before this message format speaks
  // on the tabs' channel: its JSON text must not be taken for a message of
  // this release.
  const other = await profile.context.newPage();
  await other.goto(`${server.url}/health`);
  await other.evaluate(() => new BroadcastChannel('notes-db').postMessage('{"Forward":{"from":"old","id":1,"request":"EmptyTrash"}}'));
  for (const tab of [tab1, tab2]) {
    const notice = tab.getByRole('status').filter({
      hasText: 'Another tab runs a different version of Notes, and the two cannot work together. Reload every tab of Notes to use the newest.',
    });
    await notice.waitFor();
    await notice.getByRole('button', { name: 'Reload' }).waitFor();
  }

  // Nothing was done for it, and both tabs of this release still work together.
  await newNote(tab2, 'After the other tab spoke');
  await eventually(async () => (await titles(tab1)).includes('After the other tab spoke'), 'tab 1 to show it', 3_000);
  assert.ok((await titles(tab1)).includes('Before the release'), 'the earlier note is still there');
  await other.close();
});
