// Two devices edit one line while apart: both versions show side by side,
// each named by the device that wrote it (a name from the browser, or one
// the user gave), and "Keep both" keeps them as two lines, on every device.
// What "Dismiss" would delete is said beside it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, newNote, openNote, saved, twoDevices, lists, eventually, keepScreen,
  accessibilityProblems, closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

test('a same-line conflict shows both versions side by side, and Keep both keeps them as two lines everywhere', async () => {
  const server = await startServer();
  const { a, b, pa, pb } = await twoDevices(server, 'keeps-both');
  // A is renamed by its user; B keeps the name its browser gave it.
  assert.equal(await pb.locator('.device-name').textContent(), 'Chrome on Linux');
  await pa.getByRole('button', { name: 'Rename this device' }).click();
  await pa.getByRole('textbox', { name: 'This device\'s name' }).fill('Kitchen tablet');
  await pa.getByRole('button', { name: 'Save', exact: true }).click();
  await eventually(async () => (await pa.locator('.device-name').textContent()) === 'Kitchen tablet', 'the new name');
  await newNote(pa, 'Groceries\nmilk\nbread');
  await lists(pb, ['Groceries']);

  await a.context.setOffline(true);
  await b.context.setOffline(true);
  for (const [page, line] of [[pa, 'oat milk'], [pb, 'milk and eggs']]) {
    await openNote(page, 'Groceries');
    await page.getByRole('textbox', { name: 'Note text' }).fill(`Groceries\n${line}\nbread`);
    await saved(page);
  }
  await a.context.setOffline(false);
  await b.context.setOffline(false);

  const panel = (page) => page.getByRole('region', { name: 'Conflicting edits' });
  await eventually(async () => (await panel(pa).count()) + (await panel(pb).count()) > 0,
    'a conflict shown', 15_000);
  const [loser] = (await panel(pa).count()) ? [pa] : [pb];
  const figures = panel(loser).locator('figure');
  assert.equal(await figures.count(), 2, 'the line now and the other version, side by side');
  const captions = (await figures.locator('figcaption').allTextContents()).join(' | ');
  const own = loser === pa ? 'Kitchen tablet' : 'Chrome on Linux';
  const other = loser === pa ? 'Chrome on Linux' : 'Kitchen tablet';
  assert.match(captions, new RegExp(`from this device \\(${own}\\)`), captions);
  assert.ok(captions.includes(`from ${other}`), captions);
  assert.match(await panel(loser).textContent(), /Dismiss deletes the other version/);
  assert.deepEqual(await accessibilityProblems(loser), [], 'no serious accessibility problem');
  await keepScreen(loser, 'laptop-conflict');

  await loser.getByRole('button', { name: 'Keep both versions of line 2' }).click();
  const both = (text) => /^Groceries\n(oat milk\nmilk and eggs|milk and eggs\noat milk)\nbread$/.test(text);
  for (const page of [pa, pb]) {
    await eventually(async () => both(await page.getByRole('textbox', { name: 'Note text' }).inputValue()),
      'both versions as lines', 15_000);
    await eventually(async () => (await panel(page).count()) === 0, 'no conflict left');
  }
  await a.close();
  await b.close();
});
