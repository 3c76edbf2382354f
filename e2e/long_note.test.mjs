import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeAllProfiles, stopAllServers, startServer, openProfile, openApp, newNote, openNote, saved, signUp, signIn, sync,
  pasteAtEnd, eventually,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await closeAllProfiles(); await stopAllServers(); });

test('a note pasted past what a note holds says so and keeps the words; shortened, it saves and syncs whole', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await signUp(page, 'long-notes', 'password one');
  await newNote(page, 'Log\nkept from the build');

  // 1.1 MB of one pasted line: more than a note holds (1 MB).
  const pasted = `\n${'w'.repeat(1_100_000)}`;
  await pasteAtEnd(page, pasted);
  await page.locator('.save-state', {
    hasText: /^Not saved: This note is too long: 1\.05 MB, and a note holds at most 1\.00 MB\. Move part of it into another note\.$/,
  }).waitFor();
  const editor = page.getByRole('textbox', { name: 'Note text' });
  assert.equal(await editor.inputValue(), `Log\nkept from the build${pasted}`, 'the words stay in the editor');
  assert.equal(await page.getByRole('button', { name: 'Retry save' }).count(), 0, 'no Retry: it would fail again');

  // A reload keeps the words too, and names the note they could not go into.
  await page.reload();
  await page.getByRole('status').filter({
    hasText: /^Text typed earlier in “Log” could not be saved yet\. This note is too long: 1\.05 MB, .*kept on this device/,
  }).waitFor();
  await openNote(page, 'Log');
  await eventually(async () => (await editor.inputValue()) === `Log\nkept from the build${pasted}`,
    'the words are back in the editor');

  // Cut down to 0.9 MB, it saves, and Sync takes it to the server whole.
  const kept = `Log\nkept from the build\n${'w'.repeat(900_000)}`;
  await editor.evaluate((el, t) => {
    el.value = t;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, kept);
  await saved(page);
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);

  const other = await openProfile();
  const second = await openApp(other.context, server.url);
  await signIn(second, 'long-notes', 'password one');
  assert.match(await sync(second), /^(Live|Synced|Connecting)/);
  await openNote(second, 'Log');
  await eventually(async () => (await second.getByRole('textbox', { name: 'Note text' }).inputValue()) === kept,
    'the whole note on the other device');
});
