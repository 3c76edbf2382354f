// An operator restores the account's database from yesterday's backup while
// two devices are open: with nothing pressed, the server gets back every
// note written since, and a device signed in afterwards has them all.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, openProfile, openApp, newNote, signIn, lists, syncStatus, live, twoDevices,
  closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

test('a server restored from a backup gets back, by itself, every note written since', async () => {
  const server = await startServer();
  const { a, b, pa, pb } = await twoDevices(server, 'restored');
  await newNote(pa, 'Before the backup');
  await lists(pb, ['Before the backup']);

  // The first account's database; the server is stopped for the copy, as an
  // operator's backup of a consistent file would be.
  const file = join(server.dataDir, 'users', '1.db');
  const backup = join(server.dataDir, '..', 'backup.db');
  await server.restart(async () => copyFileSync(file, backup));
  await live(pa, 'A live again');
  await live(pb, 'B live again');
  await newNote(pa, 'From A after the backup');
  await newNote(pb, 'From B after the backup');
  const all = ['Before the backup', 'From A after the backup', 'From B after the backup'];
  await lists(pa, all);
  await lists(pb, all);

  await server.restart(async () => {
    for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
    copyFileSync(backup, file);
  });
  const upAt = Date.now();
  // A new device sees only what the server has: everything, once A and B
  // have noticed the server went back and sent their notes again.
  const c = await openProfile();
  const pc = await openApp(c.context, server.url);
  await signIn(pc, 'restored', 'password one');
  await lists(pc, all);
  console.log(`restored: every note on a new device ${Date.now() - upAt} ms after the server was up`);
  for (const [name, page] of [['A', pa], ['B', pb]]) {
    await lists(page, all);
    await live(page, `${name} live after the restore`);
    assert.doesNotMatch(await syncStatus(page), /waiting to sync/, `${name} has nothing left to send`);
  }
  await a.close();
  await b.close();
  await c.close();
});
