// Live sync when the network or the server goes away: nothing lost, nothing
// pressed, and no storm of retries meanwhile.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, openNote, eventually, saved, signIn, signUp,
  lists, titles, syncStatus, syncRequests, live, twoDevices, closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

const status = syncStatus;

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
