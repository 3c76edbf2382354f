// The Markdown preview (#23): a note's headings, links and tasks drawn as
// elements, its raw HTML shown as text and never run, links opening in a new
// tab without the opener, and a task ticked in the preview saved as an edit
// of its line, which merges with another device's edit of another line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, openNote, saved, eventually, closeAllProfiles, pasteAtEnd,
  stopAllServers, signUp, signIn, sync, autoSync, accessibilityProblems, keepScreen,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

const NOTE = [
  'Weekend',
  '# Plan',
  'Read [the guide](https://example.org/guide) and [this](javascript:window.pwned=3).',
  '',
  '<script>window.pwned=1</script>',
  '',
  'An <img src=x onerror="window.pwned=2"> inline.',
  '',
  '- [ ] buy milk',
  '- [ ] call Ann',
].join('\n');

const text = (page) => page.locator('textarea.note-text').inputValue();
const previewButton = (page) => page.getByRole('button', { name: 'Preview' });

test('the preview draws the Markdown, shows raw HTML as text, and a ticked task is saved in its line', async () => {
  const server = await startServer();
  const a = await openProfile();
  const page = await openApp(a.context, server.url);
  await newNote(page, NOTE);

  assert.equal(await previewButton(page).getAttribute('aria-pressed'), 'false');
  await previewButton(page).click();
  assert.equal(await previewButton(page).getAttribute('aria-pressed'), 'true');
  const preview = page.getByRole('region', { name: 'Preview' });
  await preview.getByRole('heading', { name: 'Plan', level: 1 }).waitFor();

  const guide = preview.getByRole('link', { name: 'the guide' });
  assert.equal(await guide.getAttribute('href'), 'https://example.org/guide');
  assert.equal(await guide.getAttribute('target'), '_blank');
  assert.equal(await guide.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await preview.getByRole('link', { name: 'this' }).count(), 0, 'a javascript: link is not a link');
  await preview.getByText('this', { exact: true }).waitFor();

  assert.equal(await preview.locator('script, img').count(), 0, 'no element from raw HTML');
  const shown = await preview.textContent();
  assert.ok(shown.includes('<script>window.pwned=1</script>'), shown);
  assert.ok(shown.includes('<img src=x onerror="window.pwned=2">'), shown);
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  // Wide: the text stays beside the preview; narrower, the preview takes its place.
  assert.ok(await page.locator('textarea.note-text').isVisible());
  await keepScreen(page, 'markdown-side-by-side');
  assert.deepEqual(await accessibilityProblems(page), []);
  // Typed beside it, the preview follows once the typing pauses.
  await pasteAtEnd(page, '\n\n## Later');
  await preview.getByRole('heading', { name: 'Later', level: 2 }).waitFor();
  await saved(page);
  await page.setViewportSize({ width: 900, height: 700 });
  assert.ok(!await page.locator('textarea.note-text').isVisible());
  await keepScreen(page, 'markdown-preview');

  const milk = preview.getByRole('checkbox', { name: 'buy milk' });
  await milk.check();
  await saved(page);
  assert.equal(await text(page), `${NOTE}\n\n## Later`.replace('- [ ] buy milk', '- [x] buy milk'));

  // The open note comes back by itself, previewed as it was left (its text
  // hidden on this narrower screen).
  await page.reload();
  await eventually(async () => await previewButton(page).getAttribute('aria-pressed') === 'true',
    'the note opens previewed again');
  await eventually(async () => (await text(page)).includes('- [x] buy milk\n- [ ] call Ann'), 'the tick after a reload');
  await eventually(() => page.getByRole('region', { name: 'Preview' }).getByRole('checkbox', { name: 'buy milk' }).isChecked(),
    'the box ticked after a reload');

  // Keyboard: the toggle is a button, and the text comes back.
  await previewButton(page).focus();
  await page.keyboard.press('Enter');
  assert.equal(await previewButton(page).getAttribute('aria-pressed'), 'false');
  assert.equal(await page.getByRole('region', { name: 'Preview' }).count(), 0);
  await page.getByRole('textbox', { name: 'Note text' }).waitFor();
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(a.errors, []);
});

test('a task ticked on one device and another line edited on another both stay', async () => {
  const server = await startServer();
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  const pb = await openApp(b.context, server.url);
  await signUp(pa, 'ticker', 'password one');
  await autoSync(pa, false);
  await newNote(pa, 'Errands\n- [ ] post office\n- [ ] bakery');
  assert.match(await sync(pa), /^(Live|Synced|Connecting)/);
  await signIn(pb, 'ticker', 'password one');
  await autoSync(pb, false);
  assert.match(await sync(pb), /^(Live|Synced|Connecting)/);

  // Each device changes its own line before either syncs.
  await openNote(pa, 'Errands');
  await previewButton(pa).click();
  await pa.getByRole('checkbox', { name: 'bakery' }).check();
  await saved(pa);
  await openNote(pb, 'Errands');
  await pb.getByRole('textbox', { name: 'Note text' }).fill('Errands today\n- [ ] post office\n- [ ] bakery');
  await saved(pb);

  for (const p of [pa, pb, pa]) assert.match(await sync(p), /^(Live|Synced|Connecting)/);
  const expected = 'Errands today\n- [ ] post office\n- [x] bakery';
  await eventually(async () => (await text(pa)) === expected, 'A to hold both edits');
  await eventually(async () => (await text(pb)) === expected, 'B to hold both edits');
  await eventually(() => pa.getByRole('checkbox', { name: 'bakery' }).isChecked(), 'A’s box ticked');
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});

test('a box clicked before the preview caught up with a line typed above it ticks nothing, then its own line', async () => {
  const server = await startServer();
  const a = await openProfile();
  const page = await openApp(a.context, server.url);
  await newNote(page, 'Chores\n- [ ] dishes\n- [ ] laundry');
  await previewButton(page).click();
  await page.getByRole('checkbox', { name: 'dishes' }).waitFor();
  // A new task typed above, and "dishes" clicked within the preview's pause:
  // the box's line number is now the new task's.
  const checked = await page.evaluate(() => {
    const area = document.querySelector('textarea.note-text');
    area.value = 'Chores\n- [ ] new\n- [ ] dishes\n- [ ] laundry';
    area.dispatchEvent(new Event('input', { bubbles: true }));
    const box = document.querySelector('.md-preview input[aria-label="dishes"]');
    box.click();
    return box.checked;
  });
  assert.equal(checked, false, 'the box shows the text again');
  await saved(page);
  assert.equal(await text(page), 'Chores\n- [ ] new\n- [ ] dishes\n- [ ] laundry');
  await page.getByRole('checkbox', { name: 'dishes' }).check();
  await saved(page);
  assert.equal(await text(page), 'Chores\n- [ ] new\n- [x] dishes\n- [ ] laundry');
  assert.deepEqual(a.errors, []);
});
