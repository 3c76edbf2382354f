// Live sync: devices of one account see each other's edits with nothing
// pressed, through the poke stream and the leader's scheduler.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, openProfile, openApp, newNote, openNote, eventually, saved, signUp, signIn,
  lists, titles, syncStatus, syncRequests, closeAllProfiles, stopAllServers,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await closeAllProfiles(); await stopAllServers(); });

const status = syncStatus;

test('two devices, nothing pressed: signing in brings the notes, a new note and a typed line arrive within 2 s, the caret and unsaved words stay', async () => {
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  const pb = await openApp(b.context, server.url);
  await signUp(pa, 'live-two', 'password one');
  await newNote(pa, 'Groceries\nmilk');
  // Signing in on a second device brings the account's notes by itself.
  await signIn(pb, 'live-two', 'password one');
  await lists(pb, ['Groceries']);
  await eventually(async () => /^Live/.test(await status(pb)), 'B to be live');
  assert.match(await status(pa), /^Live/);

  // A new note in A appears in B's list.
  await newNote(pa, 'Made on A');
  let t0 = Date.now();
  await eventually(async () => (await pb.locator('.note-list .note-title').allTextContents()).includes('Made on A'),
    'the note in B', 2_000);
  console.log(`note A → B list: ${Date.now() - t0} ms after the test saw A's "Saved"`);

  // B opens Groceries and is typing (not saved yet) at the end of line 1.
  await openNote(pb, 'Groceries');
  const editorB = pb.getByRole('textbox', { name: 'Note text' });
  await editorB.evaluate((el) => { el.focus(); el.setSelectionRange(9, 9); });
  await pb.keyboard.type(' list');
  await openNote(pa, 'Groceries');
  const editorA = pa.getByRole('textbox', { name: 'Note text' });
  await editorA.evaluate((el) => { el.focus(); el.setSelectionRange(el.value.length, el.value.length); });
  await pa.keyboard.type('\neggs');
  await pa.keyboard.press('Control+s');
  await saved(pa);
  t0 = Date.now();
  await eventually(async () => (await editorB.inputValue()).includes('eggs'), 'the line in B', 2_000);
  console.log(`line A → B editor: ${Date.now() - t0} ms after the test saw A's "Saved"`);
  assert.equal(await editorB.inputValue(), 'Groceries list\nmilk\neggs', 'B keeps its unsaved words');
  const caret = await editorB.evaluate((el) => [el.selectionStart, el.selectionEnd]);
  assert.deepEqual(caret, [14, 14], 'B keeps its caret');
  // And B's words reach A the same way.
  await eventually(async () => (await editorA.inputValue()) === 'Groceries list\nmilk\neggs', 'B\'s words in A', 5_000);

  // A round B runs by itself says so while it runs (here a slow one).
  await b.context.route('**/sync', async (route) => {
    await new Promise((r) => setTimeout(r, 1_500));
    await route.continue();
  });
  await pa.keyboard.type('\nbread');
  await pa.keyboard.press('Control+s');
  await saved(pa);
  await eventually(async () => /^Syncing…/.test(await status(pb)), 'B to say Syncing…', 3_000);
  await eventually(async () => (await editorB.inputValue()).endsWith('bread'), 'the slow line in B', 5_000);
  await eventually(async () => /^Live/.test(await status(pb)), 'B live again');
  await b.context.unroute('**/sync');
  await a.close();
  await b.close();
});

test('five tabs hold one stream; when the leader tab closes another opens it within 2 s, and edits keep arriving', async () => {
  const own = await startServer();
  const a = await openProfile();
  const b = await openProfile();
  const tabs = [await openApp(a.context, own.url)]; // the first tab's worker leads
  await signUp(tabs[0], 'five-tabs', 'password one');
  for (let i = 1; i < 5; i += 1) tabs.push(await openApp(a.context, own.url));
  await eventually(async () => /^Live/.test(await status(tabs[4])), 'the fifth tab to say Live');
  // Pages opened after the first are the service worker's: the stream
  // passes through it untouched.
  assert.ok(await tabs[4].evaluate(() => navigator.serviceWorker.controller !== null));
  assert.equal(await own.metric('notes_live_streams'), 1);
  const pb = await openApp(b.context, own.url);
  await signIn(pb, 'five-tabs', 'password one');
  await eventually(async () => (await own.metric('notes_live_streams')) === 2, 'B\'s stream');
  const opened = await own.metric('notes_live_streams_opened_total');

  const closedAt = Date.now();
  await tabs[0].close();
  await newNote(pb, 'Written while the leader changed');
  await eventually(async () => (await own.metric('notes_live_streams_opened_total')) === opened + 1,
    'a stream from the next leader', 2_000);
  console.log(`a new leader's stream ${Date.now() - closedAt} ms after the leader tab closed`);
  await eventually(async () => (await own.metric('notes_live_streams')) === 2, 'the old stream gone');
  for (const tab of tabs.slice(1)) await lists(tab, ['Written while the leader changed']);
  const typedAt = Date.now();
  await newNote(pb, 'And after');
  await eventually(async () => (await titles(tabs[4])).includes('And after'), 'the next note in every tab', 2_000);
  console.log(`… and the next note in the fifth tab ${Date.now() - typedAt} ms after B started typing it`);
  assert.equal(await own.metric('notes_live_streams'), 2, 'still one stream for the five tabs');
  await a.close();
  await b.close();
});

test('a minute of typing sends at most 60 pushes, and the other device ends with every word', async () => {
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, server.url);
  const pb = await openApp(b.context, server.url);
  await signUp(pa, 'live-typist', 'password one');
  await signIn(pb, 'live-typist', 'password one');
  await newNote(pa, 'Typing');
  await lists(pb, ['Typing']);
  await openNote(pb, 'Typing');
  const requests = syncRequests(a.context);
  const editor = pa.getByRole('textbox', { name: 'Note text' });
  await editor.evaluate((el) => { el.focus(); el.setSelectionRange(el.value.length, el.value.length); });
  const start = Date.now();
  let words = 0;
  // Words typed at a steady pace, with the short pauses that let autosave
  // (300 ms after the last key) save about every word.
  while (Date.now() - start < 60_000) {
    await pa.keyboard.type(` word${words}`, { delay: 40 });
    words += 1;
    await new Promise((r) => setTimeout(r, 320));
  }
  const typed = await editor.inputValue();
  const pushes = requests.filter((r) => r.path === '/sync' && r.at - start <= 60_000
    && (JSON.parse(r.request.postData() ?? '{}').changes ?? []).length > 0).length;
  console.log(`${words} words in 60 s: ${pushes} pushes`);
  assert.ok(pushes <= 60, `${pushes} pushes`);
  assert.ok(pushes >= 20, `${pushes} pushes: the words went as they were typed`);
  const editorB = pb.getByRole('textbox', { name: 'Note text' });
  await eventually(async () => (await editorB.inputValue()) === typed, 'every word in B', 5_000);
  await a.close();
  await b.close();
});
