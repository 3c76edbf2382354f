// A first-time user on a laptop (1280×800): "New note" puts the caret in
// the note, blank new notes are not kept, the sign-up form says its rule up
// front and which button Enter presses, the notice after signing in says
// only what is true, the open note comes back after a reload, a delete opens
// the next note, and each row shows a line of its text and a relative time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, openNote, saved, titles, lists, eventually,
  keepScreen, accessibilityProblems, closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

const LAPTOP = { viewport: { width: 1280, height: 800 } };
const editor = (page) => page.getByRole('textbox', { name: 'Note text' });
const newNoteButton = (page) => page.getByRole('button', { name: 'New note' });

test('New note takes the typing at once, and a new note left blank is not kept', async () => {
  const server = await startServer();
  const p = await openProfile(undefined, LAPTOP);
  const page = await openApp(p.context, server.url);
  await keepScreen(page, 'laptop-first-start');

  await newNoteButton(page).click();
  await eventually(() => page.evaluate(() => document.activeElement?.classList.contains('note-text')),
    'the caret in the new note');
  await page.keyboard.type('Groceries\nmilk and eggs');
  await saved(page);
  assert.deepEqual(await titles(page), ['Groceries']);

  // Three presses with nothing typed, then back to the first note: no blank
  // "Untitled" anywhere, also after a reload.
  for (let i = 0; i < 3; i++) await newNoteButton(page).click();
  await openNote(page, 'Groceries');
  await page.waitForTimeout(500);
  assert.deepEqual(await titles(page), ['Groceries']);
  await page.reload();
  await lists(page, ['Groceries']);

  // Each row: the title, a line of the text, and when it was edited.
  const row = page.locator('.note-item').first();
  assert.equal(await row.locator('.note-preview').textContent(), 'milk and eggs');
  assert.match(await row.locator('.note-date').textContent(), /^(just now|\d+ min ago)$/);
  assert.deepEqual(await accessibilityProblems(page), [], 'no serious accessibility problem');
  await keepScreen(page, 'laptop-notes');
  await page.emulateMedia({ colorScheme: 'dark' });
  await openNote(page, 'Groceries');
  assert.deepEqual(await accessibilityProblems(page), [], 'no serious accessibility problem (dark)');
  await keepScreen(page, 'laptop-dark-note');
  await p.close();
});

test('the open note comes back after a reload, and a delete opens the next note', async () => {
  const server = await startServer();
  const p = await openProfile(undefined, LAPTOP);
  const page = await openApp(p.context, server.url);
  await newNote(page, 'Oldest');
  await newNote(page, 'Middle');
  await newNote(page, 'Newest');
  await openNote(page, 'Middle');
  await page.reload();
  await eventually(async () => (await editor(page).inputValue()) === 'Middle', 'Middle open again');

  await page.getByRole('button', { name: 'Delete note' }).click();
  await eventually(async () => (await editor(page).inputValue()) === 'Oldest',
    'the next note open after the delete');
  await lists(page, ['Newest', 'Oldest']);
  await p.close();
});

test('signing up: the password rule is shown first, Enter presses the highlighted button, and the notice is true', async () => {
  const server = await startServer();
  const p = await openProfile(undefined, LAPTOP);
  const page = await openApp(p.context, server.url);
  const rule = page.locator('#password-rule');
  assert.match(await rule.textContent(), /8 or more characters/);

  const username = page.getByRole('textbox', { name: 'Username' });
  const password = page.getByRole('textbox', { name: 'Password' });
  await username.fill('newcomer');
  await password.fill('short');
  const before = await username.boundingBox();
  await page.getByRole('button', { name: 'Create account' }).click();
  const error = page.getByRole('alert');
  await error.waitFor();
  assert.equal(await error.textContent(), 'That password is too short: use 8 or more characters.');
  assert.deepEqual(await username.boundingBox(), before, 'the message does not move the fields');
  await keepScreen(page, 'laptop-sign-up-rule');

  // Create account is now the highlighted button: Enter creates the account.
  assert.match(await rule.textContent(), /Enter creates the account/);
  assert.deepEqual(await accessibilityProblems(page), [], 'no serious accessibility problem (sign-up)');
  await password.fill('a good password');
  await password.press('Enter');
  await page.getByText('Signed in as newcomer').waitFor({ timeout: 15_000 });
  await keepScreen(page, 'laptop-signed-in');
  const notice = page.locator('.toast');
  await eventually(async () => /^Signed in\. Your notes sync by themselves\./.test(await notice.textContent()),
    'a notice that claims no local notes');

  // A second device with a note of its own: it is said to join the account.
  const q = await openProfile(undefined, LAPTOP);
  const other = await openApp(q.context, server.url);
  await newNote(other, 'Written before signing in');
  await other.getByRole('textbox', { name: 'Username' }).fill('newcomer');
  await other.getByRole('textbox', { name: 'Password' }).fill('a good password');
  await other.getByRole('textbox', { name: 'Password' }).press('Enter');
  await other.getByText('Signed in as newcomer').waitFor({ timeout: 15_000 });
  assert.match(await other.locator('.toast').textContent(), /notes join your account/);
  await lists(page, ['Written before signing in']);
  await openNote(page, 'Written before signing in');
  assert.deepEqual(await accessibilityProblems(page), [], 'no serious accessibility problem (signed in, a note open)');
  await keepScreen(page, 'laptop-note');

  // Offline, Sync says what happened in words, never the browser's.
  await p.context.setOffline(true);
  await page.getByRole('button', { name: 'Sync', exact: true }).click();
  const status = page.locator('.sync-status');
  await eventually(async () => /^Offline/.test(await status.textContent()), 'the status says offline');
  assert.doesNotMatch(await status.textContent(), /TypeError|Failed to fetch|NetworkError/);
  await p.context.setOffline(false);
  await p.close();
  await q.close();
});
