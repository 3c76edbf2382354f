import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, titles, openNote, eventually, saved,
  closeAllProfiles, stopAllServers,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await closeAllProfiles(); await stopAllServers(); });

test('a deleted note waits in the Trash: open it, restore it, or empty the trash', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await newNote(page, 'Keep me');
  await newNote(page, 'Bin me\nwith a second line');
  await page.getByRole('button', { name: 'Delete note' }).click();
  await page.getByText('Moved to Trash.').waitFor();
  await eventually(async () => (await titles(page)).join() === 'Keep me', 'the list without it');

  await page.getByRole('button', { name: 'Trash', exact: true }).click();
  await openNote(page, 'Bin me');
  assert.equal(await page.getByRole('textbox', { name: 'Note text' }).inputValue(), 'Bin me\nwith a second line');
  assert.ok(await page.getByText('This note is in the Trash.').isVisible());
  await page.getByRole('button', { name: 'Restore Bin me' }).click();
  await page.getByText('Note restored.').waitFor();
  await eventually(async () => (await titles(page)).sort().join() === 'Bin me,Keep me', 'the restored note');
  // Word that something was done goes by itself.
  await page.getByText('Note restored.').waitFor({ state: 'detached', timeout: 10_000 });

  // Into the trash again; then empty it (asked twice) — survives a reload too.
  await openNote(page, 'Bin me');
  await page.getByRole('button', { name: 'Delete note' }).click();
  await page.getByText('Moved to Trash.').waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Trash', exact: true }).click();
  await page.locator('.note-list .note-title', { hasText: 'Bin me' }).waitFor();
  await page.getByRole('button', { name: 'Empty trash' }).click();
  await page.getByRole('button', { name: 'Yes, empty trash' }).click();
  await page.getByText('The trash is empty.').waitFor();
  await page.getByRole('button', { name: 'Notes', exact: true }).click();
  await eventually(async () => (await titles(page)).join() === 'Keep me', 'only the kept note');
  assert.deepEqual(profile.errors, []);
  await profile.close();
});

test('History shows an earlier version of a note, and restoring it can be undone', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await newNote(page, 'Plan\nfirst draft');
  const editor = page.getByRole('textbox', { name: 'Note text' });
  await editor.fill('Plan\nsecond draft, much better');
  await saved(page);

  await page.getByRole('button', { name: 'History' }).click();
  const history = page.getByRole('region', { name: 'History' });
  // The text now heads the list; each version shows what changed after it.
  await history.locator('.note-item').first().click();
  assert.equal(await history.getByLabel('Version text').textContent(), 'Plan\nsecond draft, much better');
  await history.locator('.note-item').nth(1).click();
  const text = history.getByLabel('Version text');
  await text.locator('del').waitFor();
  assert.deepEqual(await text.locator('.line').allTextContents(), ['Plan', 'first draft', 'second draft, much better']);
  assert.equal(await text.locator('del').textContent(), 'first draft');
  assert.equal(await text.locator('ins').textContent(), 'second draft, much better');
  await history.getByRole('button', { name: 'Restore this version' }).click();
  await page.getByText('Version restored.').waitFor();
  await eventually(async () => (await editor.inputValue()) === 'Plan\nfirst draft', 'the restored text');

  // The text it replaced is now in history.
  await page.getByRole('button', { name: 'History' }).click();
  await history.locator('.note-item').nth(1).click();
  await text.locator('del').waitFor();
  assert.equal(await text.locator('del').textContent(), 'second draft, much better');
  assert.equal(await text.locator('ins').textContent(), 'first draft');
  await history.getByRole('button', { name: 'Back to note' }).click();
  await openNote(page, 'Plan');
  assert.deepEqual(profile.errors, []);
  await profile.close();
});
