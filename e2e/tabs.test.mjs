import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeAllProfiles, startServer, openProfile, openApp, newNote, titles, openNote, eventually, saved } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await closeAllProfiles(); await server.stop(); });

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
  // 2's saves wait for it, each newer than the one before.
  const leader = tab1.workers().find((w) => w.url().includes('db_worker'));
  leader.evaluate(() => { for (const end = Date.now() + 6_000; Date.now() < end;); }).catch(() => {});
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
