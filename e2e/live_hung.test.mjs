// Live sync when a request never gets an answer: the round gives up after
// 60 s like a lost connection, instead of "Syncing…" for good.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, openNote, eventually, saved, signIn, signUp,
  lists, titles, syncStatus, syncRequests, live, twoDevices, closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

const status = syncStatus;

test('a sync the server never answers ends after 60 s like a lost connection, and the next one goes through', async () => {
  const server = await startServer();
  const a = await openProfile();
  const pa = await openApp(a.context, server.url);
  await signUp(pa, 'live-hung', 'password one');
  await live(pa, 'A live');
  // Every status the line shows, however briefly: the retry after giving up
  // may come within milliseconds (full jitter), too soon for polling to see.
  await pa.evaluate(() => {
    window.statusesSeen = [];
    new MutationObserver(() => {
      const text = document.querySelector('.sync-status')?.textContent ?? '';
      if (window.statusesSeen.at(-1)?.text !== text) window.statusesSeen.push({ text, at: Date.now() });
    }).observe(document.body, { childList: true, characterData: true, subtree: true });
  });
  // Something on the way swallows /sync: no answer, no error.
  await a.context.route('**/sync', () => {});
  await newNote(pa, 'Written while the server hangs');
  await eventually(async () => /^Syncing…/.test(await status(pa)), 'the round to start');
  const started = Date.now();
  const gaveUp = () => pa.evaluate(() => window.statusesSeen.find((s) => /^Offline — retrying/.test(s.text)));
  const offline = await eventually(gaveUp, 'the round to give up', 75_000);
  const waited = offline.at - started;
  console.log(`a /sync with no answer gave up after ${waited} ms`);
  assert.ok(waited >= 55_000, `${waited} ms`);
  assert.match(offline.text, /^Offline — retrying in \d+ s · 1 note waiting to sync/);
  await a.context.unroute('**/sync');
  await eventually(async () => /^Live/.test(await status(pa)) && !/waiting to sync/.test(await status(pa)),
    'the note to go through', 45_000);
  await a.close();
});
