// Live sync when the server refuses: a session ended on the server (the user
// signs in again), and streams cut by something on the way (it polls).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, openNote, eventually, saved, signIn, signUp,
  lists, titles, syncStatus, syncRequests, live, twoDevices, closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

const status = syncStatus;

test('a session ended on the server: the stream ends, the form asks for the password, and nothing is retried after the 401', async () => {
  const server = await startServer();
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  const pb = await openApp(b.context, server.url);
  await signUp(pa, 'live-ended', 'password one');
  // B's token, as its worker sends it.
  let token;
  await b.context.route('**/sync', async (route) => {
    token ??= route.request().headers().authorization?.replace('Bearer ', '');
    await route.continue();
  });
  await signIn(pb, 'live-ended', 'password one');
  await live(pb, 'B live');
  await b.context.unroute('**/sync');
  assert.ok(token, 'B synced');

  const requests = syncRequests(b.context);
  const ended = await fetch(`${server.url}/api/sessions`, {
    method: 'DELETE', headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(ended.status, 204);
  await pb.getByText('Sign in again as').waitFor({ timeout: 10_000 });
  const askedAt = Date.now();
  await newNote(pa, 'Written after B was signed out');
  // Longer than the longest backoff: nothing is tried again.
  await new Promise((r) => setTimeout(r, 31_000));
  const after401 = requests.filter((r) => r.at > askedAt);
  assert.deepEqual(after401.map((r) => r.path), [], 'no request after the 401');
  assert.match(await status(pb), /^Error: This browser's sign-in has ended/);
  assert.ok(!(await titles(pb)).includes('Written after B was signed out'));

  // Signing in again: live again, and what was missed arrives.
  await pb.getByRole('textbox', { name: 'Password' }).fill('password one');
  await pb.getByRole('button', { name: 'Sign in' }).click();
  await pb.getByText('Signed in as live-ended').waitFor({ timeout: 15_000 });
  await lists(pb, ['Written after B was signed out']);
  await live(pb, 'B live after signing in again');
  await a.close();
  await b.close();
});

test('streams that end at once (a proxy in the way) turn to checking every 30 s, said in the status, and edits still arrive', async () => {
  const server = await startServer();
  const { a, b, pa, pb } = await twoDevices(server, 'live-polling');
  // From now on something between B and the server answers the stream and
  // closes it at once, as some proxies do.
  await b.context.route('**/sync/events', (route) => route.fulfill({
    status: 200, contentType: 'text/event-stream', body: 'data: {"server_version":0}\n\n',
  }));
  const cutAt = Date.now();
  await server.restart(); // ends B's open stream: its next ones meet the proxy
  await eventually(async () => /^Checking for changes every 30 s \(live updates do not get through this network\)/
    .test(await status(pb)), 'B to say it checks every 30 s', 20_000);
  console.log(`polling ${Date.now() - cutAt} ms after streams began to be cut`);
  const requests = syncRequests(b.context);
  await newNote(pa, 'Written while B polls');
  await eventually(async () => (await titles(pb)).includes('Written while B polls'), 'the note in B', 35_000);
  const streams = requests.filter((r) => r.path === '/sync/events').length;
  assert.ok(streams <= 1, `${streams} streams tried while polling`);
  await a.close();
  await b.close();
});
