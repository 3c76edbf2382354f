// Keeping notes in order as a user does: pin a note and it heads the list
// (here and on another device), sort by title or creation, tags written in
// the text listed with their counts, and a tag narrowing the list and search.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, titles, eventually, closeAllProfiles, stopAllServers,
  twoDevices, openNote, saved,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

async function shows(page, expected, what) {
  return eventually(async () => JSON.stringify(await titles(page)) === JSON.stringify(expected)
    && (await titles(page)).join(' | '), `${what}: ${expected.join(', ') || 'nothing'}`);
}

const sortBy = (page, label) => page.getByRole('combobox', { name: 'Sort by' }).selectOption({ label });

test('a pinned note heads the list in every order, on every device, and the order chosen is kept', async () => {
  const server = await startServer();
  const { pa, pb } = await twoDevices(server, 'pinner');
  await newNote(pa, 'banana');
  await newNote(pa, 'Apple');
  await newNote(pa, 'cherry');
  await shows(pa, ['cherry', 'Apple', 'banana'], 'newest first');

  await openNote(pa, 'banana');
  await pa.getByRole('button', { name: 'Pin', exact: true }).click();
  await pa.getByRole('button', { name: 'Unpin' }).waitFor();
  await shows(pa, ['banana', 'cherry', 'Apple'], 'the pinned note first');
  assert.equal(await pa.locator('.note-list li').first().locator('.pin-mark').textContent(), 'Pinned');
  await shows(pb, ['banana', 'cherry', 'Apple'], 'the pin reached the other device');

  await sortBy(pa, 'Title');
  await shows(pa, ['banana', 'Apple', 'cherry'], 'by title, case ignored, the pin first');
  await sortBy(pa, 'Created');
  await shows(pa, ['banana', 'cherry', 'Apple'], 'last created first');
  await sortBy(pa, 'Title');
  await pa.reload();
  await shows(pa, ['banana', 'Apple', 'cherry'], 'the order chosen is kept by the browser');

  // A pin is not an edit: unpinned, the note goes back where its last edit
  // puts it on a device listing the last edited first.
  await openNote(pa, 'banana');
  await pa.getByRole('button', { name: 'Unpin' }).click();
  await pa.getByRole('button', { name: 'Pin', exact: true }).waitFor();
  await shows(pa, ['Apple', 'banana', 'cherry'], 'unpinned, back in its place');
  await shows(pb, ['cherry', 'Apple', 'banana'], 'unpinned on the other device too (newest first there)');
});

test('tags written in the text are listed with their counts and narrow the list and search', async () => {
  const server = await startServer();
  const a = await openProfile();
  const page = await openApp(a.context, server.url);
  await newNote(page, 'Kyoto trip\n#travel #japan');
  await newNote(page, 'Lisbon\nmaybe in May #travel');
  await newNote(page, 'Budget\n#money, not # a heading, C# is no tag');

  await page.getByText('Tags (3)').click();
  const tag = (name) => page.locator('.tag-list').getByRole('button', { name: new RegExp(`^#${name} \\(`) });
  assert.equal(await tag('travel').getAttribute('aria-label'), '#travel (2 notes)');
  assert.equal(await tag('japan').getAttribute('aria-label'), '#japan (1 note)');
  assert.equal(await tag('money').getAttribute('aria-label'), '#money (1 note)');
  await tag('travel').click();
  await shows(page, ['Lisbon', 'Kyoto trip'], 'only the notes tagged #travel');
  assert.equal(await tag('travel').getAttribute('aria-pressed'), 'true');
  await page.getByRole('searchbox', { name: 'Search notes' }).fill('kyoto');
  await shows(page, ['Kyoto trip'], 'a search within the tag');
  await page.getByRole('searchbox', { name: 'Search notes' }).fill('budget');
  await page.getByText('No note matches your search.').waitFor();
  await page.getByRole('searchbox', { name: 'Search notes' }).press('Escape');

  // A tag merges like the text: removing it from the text removes it here.
  await openNote(page, 'Lisbon');
  await page.getByRole('textbox', { name: 'Note text' }).fill('Lisbon\nmaybe in May');
  await saved(page);
  await shows(page, ['Kyoto trip'], 'untagged, it left the tag');
  await eventually(async () => (await tag('travel').getAttribute('aria-label')) === '#travel (1 note)', 'the count follows');
  await page.getByRole('button', { name: 'Show every note, not only #travel' }).click();
  await shows(page, ['Lisbon', 'Budget', 'Kyoto trip'], 'every note again');
});
