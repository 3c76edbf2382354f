// Search as a user types it: every word anywhere in a note, in any order,
// ignoring case and accents, the word being typed as a prefix, "phrases",
// matches marked in a snippet, best first; and what another device wrote
// is found as soon as it arrives.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, titles, eventually, closeAllProfiles, stopAllServers,
  twoDevices, lists, openNote,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

async function search(page, text) {
  await page.getByRole('searchbox', { name: 'Search notes' }).fill(text);
}

async function found(page, expected, what) {
  return eventually(async () => JSON.stringify(await titles(page)) === JSON.stringify(expected)
    && (await titles(page)).join(' | '), `${what}: ${expected.join(', ') || 'nothing'}`);
}

test('a search finds words anywhere, ignoring case and accents, best first, with the matches marked', async () => {
  const server = await startServer();
  const a = await openProfile();
  const page = await openApp(a.context, server.url);
  await newNote(page, 'Groceries\nbutter\ncream and coffee');
  await newNote(page, 'Café crème\nmet Zoë at the CAFÉ');
  await newNote(page, 'Coffee\ntasting notes');

  await search(page, 'cafe');
  await found(page, ['Café crème'], 'accents and case ignored');
  await search(page, 'coffee butter');
  await found(page, ['Groceries'], 'words on other lines, in another order');
  await search(page, 'coff');
  await found(page, ['Coffee', 'Groceries'], 'a prefix, the title match first');
  await search(page, '"and coffee"');
  await found(page, ['Groceries'], 'a phrase');
  await search(page, 'butter');
  await eventually(async () => (await page.locator('.note-list mark').first().textContent()) === 'butter',
    'the match marked in the snippet');
  await found(page, ['Groceries'], 'one word');
  await search(page, 'lighthouse');
  await page.getByText('No note matches your search.').waitFor();
  await page.getByRole('searchbox', { name: 'Search notes' }).press('Escape');
  await found(page, ['Coffee', 'Café crème', 'Groceries'], 'Escape shows every note');
});

test('what another device writes is found when it arrives', async () => {
  const server = await startServer();
  const { pa, pb } = await twoDevices(server, 'searcher');
  await search(pb, 'harbour');
  await pb.getByText('No note matches your search.').waitFor();
  await newNote(pa, 'Sailing\nleave the harbour at noon');
  await found(pb, ['Sailing'], 'the arrived note found');
  await lists(pa, ['Sailing']);
});

test('the trash is searched on its own, with the matches marked', async () => {
  const server = await startServer();
  const a = await openProfile();
  const page = await openApp(a.context, server.url);
  await newNote(page, 'Old plans\nvisit the lighthouse');
  await newNote(page, 'Kept\nnothing to see');
  await openNote(page, 'Old plans');
  await page.getByRole('button', { name: 'Delete note' }).click();
  await page.getByText('Moved to Trash.').waitFor();
  await search(page, 'lighthouse');
  await page.getByText('No note matches your search.').waitFor();
  await page.getByRole('button', { name: 'Trash', exact: true }).click();
  await page.getByRole('searchbox', { name: 'Search the trash' }).fill('lighthou');
  await eventually(async () => (await page.locator('.note-list mark').first().textContent().catch(() => '')) === 'lighthouse',
    'the trashed note found, the match marked');
  await page.getByRole('searchbox', { name: 'Search the trash' }).fill('nothing');
  await page.getByText('No note in the trash matches your search.').waitFor();
});
