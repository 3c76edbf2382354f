// A phone (390×844), light and dark: nothing widens the page (a 200-character
// title ends in "…"), the list and a note take turns (a Back control), the
// account waits behind a menu button, and every control is a fingertip big.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, saved, signUp, eventually, keepScreen,
  accessibilityProblems, closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/** Controls shown that are smaller than 44 px in either direction. */
const smallTargets = (page) => page.evaluate(() => [...document.querySelectorAll('button, input, label, .note-item')]
  .filter((el) => el.offsetParent !== null && !(el.tagName === 'INPUT' && el.type === 'checkbox'))
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([el, r]) => `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`));

const pageWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth);

for (const colorScheme of ['light', 'dark']) {
  test(`on a phone (${colorScheme}): one pane at a time, nothing wider than the screen, fingertip-sized controls`, async () => {
    const server = await startServer();
    const p = await openProfile(undefined, { ...PHONE, colorScheme });
    const page = await openApp(p.context, server.url);
    const list = page.locator('.sidebar');
    const editor = page.getByRole('textbox', { name: 'Note text' });
    assert.ok(await list.isVisible(), 'the list shows first');
    assert.equal(await page.getByRole('textbox', { name: 'Username' }).isVisible(), false,
      'the account box waits behind its menu');
    await keepScreen(page, `phone-${colorScheme}-first-start`);

    await page.getByRole('button', { name: 'New note' }).click();
    await editor.waitFor();
    assert.equal(await list.isVisible(), false, 'the note has the screen to itself');
    const box = await editor.boundingBox();
    assert.ok(box.height > 600, `the text area is ${box.height} px high`);
    await page.keyboard.type(`${'A long title '.repeat(16)}\nthe body`);
    await saved(page);
    assert.deepEqual(await accessibilityProblems(page), [], 'no serious accessibility problem (a note)');
    await keepScreen(page, `phone-${colorScheme}-note`);
    await page.getByRole('button', { name: 'History' }).click();
    await page.getByRole('region', { name: 'History' }).getByRole('button', { name: /^Now/ }).click();
    await page.getByLabel('Version text').waitFor();
    assert.equal(await pageWidth(page), 390, 'History fits the screen');
    assert.deepEqual(await accessibilityProblems(page), [], 'no serious accessibility problem (History)');
    await keepScreen(page, `phone-${colorScheme}-history`);
    await page.getByRole('button', { name: 'Back to note' }).click();

    await page.getByRole('button', { name: 'All notes' }).click();
    await list.waitFor();
    assert.equal(await editor.isVisible(), false, 'back on the list, the note is closed');
    assert.equal(await pageWidth(page), 390, 'nothing widens the page');
    const title = page.locator('.note-title').first();
    assert.ok(await title.evaluate((el) => el.scrollWidth > el.clientWidth
      && getComputedStyle(el).textOverflow === 'ellipsis'), 'the long title ends in "…"');
    assert.deepEqual(await smallTargets(page), [], 'every control is at least 44 px');
    assert.deepEqual(await accessibilityProblems(page), [], 'no serious accessibility problem');
    await keepScreen(page, `phone-${colorScheme}-list`);

    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('textbox', { name: 'Username' }).waitFor();
    assert.deepEqual(await smallTargets(page), [], 'the account form is fingertip-sized too');
    assert.deepEqual(await accessibilityProblems(page), [], 'no serious accessibility problem (account)');
    assert.equal(await pageWidth(page), 390);
    await keepScreen(page, `phone-${colorScheme}-account`);
    await signUp(page, `phone-${colorScheme}`, 'password one');
    await eventually(async () => /^Live/.test(await page.locator('.sync-status').textContent()), 'live');
    assert.equal(await pageWidth(page), 390);
    await p.close();
  });
}
