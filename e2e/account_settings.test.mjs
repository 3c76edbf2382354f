// What a user does with their account from the app: a new password, signing
// out everywhere after losing a laptop, deleting the account. The other
// device hears of each at once, says so in words, and loses nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, signUp, lists, live, syncStatus, eventually,
  closeAllProfiles, stopAllServers, twoDevices, accessibilityProblems,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

async function openSettings(page) {
  const summary = page.getByText('Account settings', { exact: true });
  if (!(await page.locator('details.account-settings').evaluate((d) => d.open))) await summary.click();
}

async function changePassword(page, current, next) {
  await openSettings(page);
  await page.getByRole('textbox', { name: 'Current password' }).fill(current);
  await page.getByRole('textbox', { name: 'New password' }).fill(next);
  await page.getByRole('button', { name: 'Change password' }).click();
}

test('a new password signs the other devices out, and they sign in with it keeping what they wrote', async () => {
  const server = await startServer();
  const { pa, pb } = await twoDevices(server, 'Walker');
  await openSettings(pa);
  assert.deepEqual(await accessibilityProblems(pa), [], 'the settings are accessible');

  await changePassword(pa, 'not my password', 'password two');
  await pa.getByText('That is not your current password; nothing was changed.').waitFor();
  await changePassword(pa, 'password one', 'password two');
  await pa.getByText('Password changed.').waitFor();

  // B's live connection ends: it asks for the password, keeping its notes.
  await pb.getByText('Sign in again as Walker').waitFor({ timeout: 10_000 });
  await newNote(pb, 'Written while signed out');
  await pb.getByRole('textbox', { name: 'Password' }).fill('password one');
  await pb.getByRole('button', { name: 'Sign in' }).click();
  await pb.getByText(/wrong username or password/).waitFor();
  await pb.getByRole('textbox', { name: 'Password' }).fill('password two');
  await pb.getByRole('button', { name: 'Sign in' }).click();
  await pb.getByText('Signed in as Walker').waitFor({ timeout: 15_000 });
  await lists(pa, ['Written while signed out']);
  await live(pa, 'A still live: its session was kept');
});

test('a name signs in however it is typed, and shows as it was chosen', async () => {
  const server = await startServer();
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  const pb = await openApp(b.context, server.url);
  await signUp(pa, 'Zoë', 'password one');
  await newNote(pa, 'Written as Zoë');
  // Typed in capitals, decomposed: the same account, shown as chosen.
  await pb.getByRole('textbox', { name: 'Username' }).fill('ZOE\u0308');
  await pb.getByRole('textbox', { name: 'Password' }).fill('password one');
  await pb.getByRole('button', { name: 'Sign in' }).click();
  await pb.getByText('Signed in as Zoë').waitFor({ timeout: 15_000 });
  await lists(pb, ['Written as Zoë']);
  // A look-alike cannot be created beside it.
  const c = await openProfile();
  const pc = await openApp(c.context, server.url);
  await pc.getByRole('textbox', { name: 'Username' }).fill('zoë');
  await pc.getByRole('textbox', { name: 'Password' }).fill('another password');
  await pc.getByRole('button', { name: 'Create account' }).click();
  await pc.getByText('That username is taken; choose another.').waitFor();
});

test('signing out everywhere asks every device for the password and loses nothing', async () => {
  const server = await startServer();
  const { pa, pb } = await twoDevices(server, 'lost-laptop');
  await newNote(pb, 'On the laptop');
  await lists(pa, ['On the laptop']);
  await openSettings(pa);
  pa.once('dialog', (d) => d.accept());
  await pa.getByRole('button', { name: 'Sign out everywhere' }).click();
  await pa.getByText('Signed out everywhere.').waitFor();
  for (const page of [pa, pb]) {
    await page.getByText('Sign in again as lost-laptop').waitFor({ timeout: 10_000 });
    await lists(page, ['On the laptop']);
  }
  await pa.getByRole('textbox', { name: 'Password' }).fill('password one');
  await pa.getByRole('button', { name: 'Sign in' }).click();
  await pa.getByText('Signed in as lost-laptop').waitFor({ timeout: 15_000 });
  await live(pa, 'A live again');
  assert.match(await pb.getByText('Sign in again as lost-laptop').textContent(), /lost-laptop/,
    'B still waits for its password');
});

test('deleting the account tells the other device in words, and both keep their notes', async () => {
  const server = await startServer();
  const { pa, pb } = await twoDevices(server, 'leaving');
  await newNote(pa, 'Kept after the account goes');
  await lists(pb, ['Kept after the account goes']);
  await openSettings(pa);
  await pa.getByRole('textbox', { name: 'Password to delete the account' }).fill('wrong password');
  pa.once('dialog', (d) => d.accept());
  await pa.getByRole('button', { name: 'Delete account' }).click();
  await pa.getByText('That is not your current password; nothing was changed.').waitFor();

  let asked = '';
  pa.once('dialog', (d) => { asked = d.message(); d.accept(); });
  await pa.getByRole('textbox', { name: 'Password to delete the account' }).fill('password one');
  await pa.getByRole('button', { name: 'Delete account' }).click();
  await pa.getByText('Account deleted. Its notes stay on this device').waitFor({ timeout: 10_000 });
  assert.match(asked, /cannot be\s+undone/);
  // Both devices: no account any more, the notes still here, and B says why.
  await eventually(async () => /This account was deleted/.test(await syncStatus(pb)), 'B told', 10_000);
  for (const page of [pa, pb]) {
    await page.getByRole('button', { name: 'Create account' }).waitFor();
    await lists(page, ['Kept after the account goes']);
  }
  // Written afterwards, a note stays on B, and nothing tries to sync it.
  await newNote(pb, 'Written after');
  await lists(pb, ['Written after', 'Kept after the account goes']);
  // The name is free: a new account starts empty and takes B's notes in.
  await signUp(pb, 'leaving', 'a new password');
  await live(pb, 'the new account live');
  await lists(pb, ['Written after', 'Kept after the account goes']);
});
