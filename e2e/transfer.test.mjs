// Your notes in and out of the app: every note exported as a zip and
// imported into another browser (pins, the Trash and all), one note as a
// Markdown file, files picked or dropped, and what could not be imported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startServer, openProfile, openApp, newNote, openNote, titles, eventually,
  closeAllProfiles, stopAllServers,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await closeAllProfiles(); await stopAllServers(); });

async function openInOut(page) {
  const box = page.locator('details.notes-in-out');
  if (!(await box.getAttribute('open') !== null)) await box.locator('summary').click();
}

const said = (page) => page.locator('.transfer-said').textContent();

async function importFiles(page, files) {
  await openInOut(page);
  await page.getByLabel('Import notes…').setInputFiles(files);
  return eventually(async () => {
    const s = await said(page);
    return /^(Imported|No notes|The import stopped)/.test(s) ? s : null;
  }, 'the import to finish', 30_000);
}

test('every note exported as a zip (offline too) comes back in another browser, pinned and trashed ones too, and twice adds nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'notes-transfer-'));
  const a = await openProfile();
  const pa = await openApp(a.context, server.url);
  await newNote(pa, 'Old idea\nno longer needed');
  await pa.getByRole('button', { name: 'Delete note' }).click();
  await pa.getByText('Moved to Trash.').waitFor();
  await newNote(pa, 'Trip\npack the tent #travel');
  await newNote(pa, 'Groceries\nmilk #shop');
  await pa.getByRole('button', { name: 'Pin', exact: true }).click();
  await pa.getByRole('button', { name: 'Unpin' }).waitFor();

  // One note as a Markdown file, with its front matter.
  const [one] = await Promise.all([
    pa.waitForEvent('download'),
    pa.getByRole('button', { name: 'Export .md' }).click(),
  ]);
  assert.equal(one.suggestedFilename(), 'Groceries.md');
  const md = readFileSync(await one.path(), 'utf8');
  assert.match(md, /^---\nid: ".+"\ncreated: \d{4}-.+Z\nupdated: .+\ntags: \["shop"\]\npinned: true\n---\nGroceries\nmilk #shop\n$/);

  // Offline: the transfer worker comes from the service worker's copy.
  await pa.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 20_000 });
  await a.context.setOffline(true);
  await openInOut(pa);
  const [all] = await Promise.all([
    pa.waitForEvent('download'),
    pa.getByRole('button', { name: 'Export all notes' }).click(),
  ]);
  await a.context.setOffline(false);
  assert.match(all.suggestedFilename(), /^notes-\d{4}-\d\d-\d\d\.zip$/);
  const zip = join(dir, all.suggestedFilename());
  await all.saveAs(zip);
  assert.match(await said(pa), /^Exported every note to notes-/);

  const b = await openProfile();
  const pb = await openApp(b.context, server.url);
  assert.equal(await importFiles(pb, zip), 'Imported 3 notes.');
  await eventually(async () => (await titles(pb)).join() === 'Groceries,Trip', 'the imported notes, the pinned one first');
  assert.equal(await pb.locator('.note-list li').first().locator('.pin-mark').textContent(), 'Pinned');
  await pb.getByRole('button', { name: 'Trash', exact: true }).click();
  await eventually(async () => (await titles(pb)).join() === 'Old idea', 'the trashed note in the Trash');
  await pb.getByRole('button', { name: 'Notes', exact: true }).click();

  assert.equal(await importFiles(pb, zip), 'Imported 0 notes (3 were already here).');
  await openNote(pb, 'Trip');
  assert.equal(await pb.getByRole('textbox', { name: 'Note text' }).inputValue(), 'Trip\npack the tent #travel');
  await a.close();
  await b.close();
});

test('Markdown picked or dropped becomes notes, and files that cannot are named with the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'notes-transfer-'));
  writeFileSync(join(dir, 'Recipe.md'), '# Pancakes\r\nflour, eggs, milk\r\n');
  writeFileSync(join(dir, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  assert.equal(await importFiles(page, [join(dir, 'Recipe.md'), join(dir, 'photo.jpg')]), 'Imported 1 note.');
  await eventually(async () => (await titles(page)).join() === '# Pancakes', 'the imported note');
  const skipped = page.locator('details.skipped');
  assert.equal(await skipped.locator('summary').textContent(), '1 file was not imported');
  assert.match(await skipped.locator('li').textContent(), /^photo\.jpg: not a kind of file this app imports/);

  // Dropped on the page, as from a file manager.
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(['Dropped here\nfrom the desktop'], 'dropped.txt', { type: 'text/plain' }));
    document.querySelector('.app').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await eventually(async () => (await titles(page)).sort().join() === '# Pancakes,Dropped here', 'the dropped note');
  await profile.close();
});
