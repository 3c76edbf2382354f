import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, titles, signUp, signIn, sync, lists, listed, eventually,
  closeAllProfiles, stopAllServers,
} from './harness.mjs';

// Sessions end after 6 s unused here (90 days by default).
let server;
before(async () => { server = await startServer(undefined, ['--session-idle', '6s']); });
after(async () => { await closeAllProfiles(); await stopAllServers(); });

test('a session the server ended: Sync asks for the password again, and signing in again sends every change', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await signUp(page, 'idle-user', 'password one');
  await newNote(page, 'Before the break');
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);

  // A second tab of the same browser: it learns of the ended session too.
  const tab = await openApp(profile.context, server.url);
  await page.waitForTimeout(8_000);
  await newNote(page, 'Written after the session ended');
  const status = await sync(page);
  assert.match(status, /^Error: This browser's sign-in has ended/, status);
  assert.match(status, /your notes are safe on this device/, status);
  assert.match(status, /1 note waiting to sync/, status);
  await page.getByText('Sign in again as idle-user').waitFor();
  await tab.getByText('Sign in again as idle-user').waitFor();
  assert.deepEqual((await titles(page)).sort(), ['Before the break', 'Written after the session ended']);

  // A wrong password says so and changes nothing.
  const password = page.getByRole('textbox', { name: 'Password' });
  await password.fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();
  await page.getByText('Sign in again as idle-user').waitFor();

  await password.fill('password one');
  await password.press('Enter');
  await page.getByText('Signed in as idle-user').waitFor();
  await page.getByText('Signed in again.').waitFor();
  await tab.getByText('Signed in as idle-user').waitFor();
  await tab.close();
  assert.doesNotMatch(await page.locator('.sync-status').textContent(), /Error/);
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);
  assert.doesNotMatch(await page.locator('.sync-status').textContent(), /waiting to sync/);

  // The new session is kept: after a reload Sync still works.
  await page.reload();
  await listed(page);
  await page.getByText('Signed in as idle-user').waitFor();
  assert.match(await sync(page), /^(Live|Synced|Connecting)/);

  // The server has every change: another device of the account gets them.
  const other = await openProfile();
  const fresh = await openApp(other.context, server.url);
  await signIn(fresh, 'idle-user', 'password one');
  assert.match(await sync(fresh), /^(Live|Synced|Connecting)/);
  await lists(fresh, ['Before the break', 'Written after the session ended']);
  await profile.close();
  await other.close();
});

test('signing out of an ended session still asks about the changes it would lose', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await signUp(page, 'leaving-user', 'password two');
  await page.waitForTimeout(8_000);
  await newNote(page, 'Not sent yet');
  assert.match(await sync(page), /^Error: This browser's sign-in has ended/);
  await page.getByText('Sign in again as leaving-user').waitFor();

  // Sign out: unsynced changes are asked about first; Cancel keeps them.
  let asked = '';
  page.once('dialog', (d) => { asked = d.message(); d.dismiss(); });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await eventually(() => asked, 'the question about unsynced changes');
  assert.match(asked, /not synced and would be lost/);
  await page.getByText('Sign in again as leaving-user').waitFor();
  assert.deepEqual(await titles(page), ['Not sent yet']);
  await profile.close();
});
