// A browser profile copied to a second computer (or a device's backup put
// back beside it): both copies share one sync identity, and the server never
// sends an identity its own changes. With nothing pressed, the server tells
// them apart, each takes an identity of its own, and both end with every note.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startServer, openProfile, openApp, newNote, signUp, lists, live, syncStatus, eventually,
  closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

test('two copies of one profile both write, and each ends with every note', async () => {
  const server = await startServer();
  const a = await openProfile();
  let pa = await openApp(a.context, server.url);
  await signUp(pa, 'copied', 'password one');
  await live(pa, 'A live');
  await newNote(pa, 'Before the copy');
  await eventually(async () => !/waiting to sync/.test(await syncStatus(pa)), 'the note synced');
  await a.close();

  const copyDir = mkdtempSync(join(tmpdir(), 'notes-profile-copy-'));
  // A profile in use is locked by these; the copy is another computer's.
  cpSync(a.dir, copyDir, {
    recursive: true,
    filter: (src) => !/Singleton(Lock|Socket|Cookie)$/.test(src),
  });
  const a2 = await openProfile(a.dir);
  const b = await openProfile(copyDir);
  pa = await openApp(a2.context, server.url);
  const pb = await openApp(b.context, server.url);
  await lists(pb, ['Before the copy']);
  await live(pa, 'A live again');
  await live(pb, 'the copy live');

  await newNote(pa, 'Written on A');
  await newNote(pb, 'Written on the copy');
  const all = ['Before the copy', 'Written on A', 'Written on the copy'];
  const t = Date.now();
  await lists(pa, all);
  await lists(pb, all);
  console.log(`copied profile: both list every note ${Date.now() - t} ms after the last one was written`);
  for (const [name, page] of [['A', pa], ['the copy', pb]]) {
    await live(page, `${name} live at the end`);
    assert.doesNotMatch(await syncStatus(page), /waiting to sync|Error/, `${name}: nothing left`);
  }
  await a2.close();
  await b.close();
  rmSync(copyDir, { recursive: true, force: true });
});
