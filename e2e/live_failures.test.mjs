// Live sync when things go wrong: a device offline, a server restarting, a
// session ended on the server. Each ends with nothing lost and nothing
// pressed, or with the one thing the user must do.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, openNote, eventually, saved, signUp, signIn,
  lists, titles, syncStatus, syncRequests, closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

const status = syncStatus;
const live = (page, what) => eventually(async () => /^Live/.test(await status(page)), what, 15_000);


/** Two profiles signed in to one new account on `server`, both live. */
async function twoDevices(server, username) {
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  const pb = await openApp(b.context, server.url);
  await signUp(pa, username, 'password one');
  await signIn(pb, username, 'password one');
  await live(pa, 'A live');
  await live(pb, 'B live');
  return { a, b, pa, pb };
}

test('a device offline while another writes tries at most twice a minute, and has the words within 2 s of coming back', async () => {
  const server = await startServer();
  const { a, b, pa, pb } = await twoDevices(server, 'live-offline');
  const requests = syncRequests(b.context);
  await b.context.setOffline(true);
  const offAt = Date.now();
  await eventually(async () => /^Offline/.test(await status(pb)), 'B to say it is offline');
  await newNote(pa, 'Written while B was offline');
  await openNote(pa, 'Written while B was offline');
  await pa.getByRole('textbox', { name: 'Note text' }).fill('Written while B was offline\nand edited');
  await saved(pa);
  // A minute offline: nothing but a probe now and then.
  await new Promise((r) => setTimeout(r, 60_000 - (Date.now() - offAt)));
  const tries = requests.filter((r) => r.at >= offAt).length;
  console.log(`offline for 60 s: ${tries} attempts`);
  assert.ok(tries <= 2, `${tries} attempts in a minute offline`);
  assert.deepEqual(await titles(pb), [], 'nothing arrived while offline');

  await b.context.setOffline(false);
  const onAt = Date.now();
  await eventually(async () => (await titles(pb)).includes('Written while B was offline'),
    'the note in B', 2_000);
  console.log(`back online: the note in B ${Date.now() - onAt} ms after the online event`);
  await openNote(pb, 'Written while B was offline');
  assert.equal(await pb.getByRole('textbox', { name: 'Note text' }).inputValue(),
    'Written while B was offline\nand edited');
  await live(pb, 'B live again');
  await a.close();
  await b.close();
});

test('the server restarts: both devices reconnect by themselves and a note written while it was down arrives', async () => {
  const server = await startServer();
  const { a, b, pa, pb } = await twoDevices(server, 'live-restart');
  await newNote(pa, 'Before the restart');
  await lists(pb, ['Before the restart']);
  await server.restart(async () => {
    // While the server is down, A writes and both see that they are cut off.
    await newNote(pa, 'Written while the server was down');
    await eventually(async () => /^(Offline|Error)/.test(await status(pb)), 'B to say it lost the server');
  });
  const upAt = Date.now();
  await lists(pb, ['Before the restart', 'Written while the server was down']);
  console.log(`after the restart: the note in B ${Date.now() - upAt} ms after the server was up`);
  await live(pa, 'A live again');
  await live(pb, 'B live again');
  assert.doesNotMatch(await status(pa), /waiting to sync/);
  assert.equal(await server.metric('notes_live_streams'), 2);
  await a.close();
  await b.close();
});

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

test('a sync the server never answers ends after 60 s like a lost connection, and the next one goes through', async () => {
  const server = await startServer();
  const a = await openProfile();
  const pa = await openApp(a.context, server.url);
  await signUp(pa, 'live-hung', 'password one');
  await live(pa, 'A live');
  // Something on the way swallows /sync: no answer, no error.
  await a.context.route('**/sync', () => {});
  await newNote(pa, 'Written while the server hangs');
  await eventually(async () => /^Syncing…/.test(await status(pa)), 'the round to start');
  const started = Date.now();
  await eventually(async () => !/^Syncing…/.test(await status(pa)), 'the round to give up', 75_000);
  const waited = Date.now() - started;
  console.log(`a /sync with no answer gave up after ${waited} ms`);
  assert.ok(waited >= 55_000, `${waited} ms`);
  assert.match(await status(pa), /^Offline — retrying in \d+ s · 1 note waiting to sync/);
  await a.context.unroute('**/sync');
  await eventually(async () => /^Live/.test(await status(pa)) && !/waiting to sync/.test(await status(pa)),
    'the note to go through', 45_000);
  await a.close();
});
