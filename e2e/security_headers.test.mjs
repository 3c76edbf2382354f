// The app under its Content-Security-Policy: it loads, starts its worker
// and wasm, syncs live and reloads (through its service worker) without a
// single violation, and the policy is in force (an injected inline script
// does not run). The security headers are on the page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, signUp, live, closeAllProfiles, stopAllServers,
} from './harness.mjs';

after(async () => { await closeAllProfiles(); await stopAllServers(); });

/** Violations the page sees, and console errors of the page and its workers. */
async function watchPolicy(context) {
  await context.addInitScript(() => {
    window.__violations = [];
    addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.effectiveDirective} ${e.blockedURI || 'inline'} ${e.sample}`);
    });
  });
  const errors = [];
  context.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) errors.push(m.text());
  });
  return errors;
}

const violations = (page) => page.evaluate(() => window.__violations);

test('the app runs under its policy without a violation, and the policy holds', async () => {
  const server = await startServer();
  const p = await openProfile();
  const consoleErrors = await watchPolicy(p.context);
  const page = await openApp(p.context, server.url);

  // As the server sends them, and as the page got them (by then, maybe
  // from the service worker's cache, which keeps them).
  const sent = Object.fromEntries((await fetch(server.url)).headers);
  const got = await (await page.goto(server.url)).allHeaders();
  assert.equal(got['content-security-policy'], sent['content-security-policy']);
  const headers = sent;
  const csp = headers['content-security-policy'];
  assert.ok(csp, 'a Content-Security-Policy');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'( 'sha256-[A-Za-z0-9+/=]+')+;/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'no-referrer');
  await page.getByRole('button', { name: 'New note' }).waitFor();

  await signUp(page, 'casey', 'password one');
  await live(page, 'live sync under the policy');
  await newNote(page, 'Under the policy');
  // Served by the service worker from its cache this time.
  await page.reload();
  await page.getByText('Under the policy').first().waitFor();
  await live(page, 'live again after the reload');

  assert.deepEqual(await violations(page), [], 'no violation');
  assert.deepEqual(consoleErrors, [], 'no policy error in the console');
  assert.deepEqual(p.errors, [], 'no page error');

  // An inline script the policy does not name is blocked, and seen.
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true;';
    document.body.append(s);
    return window.__injected === true;
  });
  assert.equal(ran, false, 'an injected inline script does not run');
  await page.waitForFunction(() => window.__violations.length > 0);
  assert.match((await violations(page))[0], /^script-src-elem inline/);
  await p.close();
});
