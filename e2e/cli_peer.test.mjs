// The command-line peer (`notes`, cli/) and the browser app on one account:
// each sees the other's notes and edits, line by line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startServer, openProfile, openApp, newNote, openNote, eventually, saved, signUp, live, lists,
  closeAllProfiles, stopAllServers,
} from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const NOTES = process.env.NOTES_CLI_BIN || join(root, 'target/debug/notes');

let server;
before(async () => { server = await startServer(); });
after(async () => { await closeAllProfiles(); await stopAllServers(); });

/** Runs `notes` with its own data directory; its stdout (it must succeed). */
function cli(dir, args, { input = '', editor } = {}) {
  const env = { ...process.env };
  delete env.VISUAL;
  if (editor) env.EDITOR = editor; else delete env.EDITOR;
  const r = spawnSync(NOTES, ['--data-dir', dir, ...args], { input, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `notes ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('a command-line peer and the browser app see each other\'s notes and line edits', async () => {
  const profile = await openProfile();
  const page = await openApp(profile.context, server.url);
  await signUp(page, 'terminal-user', 'password one');
  await live(page, 'the app live');
  await newNote(page, 'From the browser\nline two\nline three');
  await saved(page);

  const dir = mkdtempSync(join(tmpdir(), 'notes-cli-'));
  cli(dir, ['login', server.url, 'terminal-user'], { input: 'password one\n' });
  await eventually(async () => {
    cli(dir, ['sync']);
    return JSON.parse(cli(dir, ['list', '--json'])).some((n) => n.title === 'From the browser');
  }, 'the browser\'s note on the command line');

  // Written in the terminal: the app shows it by itself (live).
  cli(dir, ['new'], { input: 'From the terminal\nwritten in a shell' });
  await lists(page, ['From the terminal', 'From the browser']);

  // The terminal edits one line of the browser's note while the app edits
  // another: both edits stay, on both sides.
  cli(dir, ['--offline', 'edit', 'From the browser'], { editor: 'sed -i s/two/TWO/' });
  await openNote(page, 'From the browser');
  const text = page.getByRole('textbox', { name: 'Note text' });
  await text.fill('From the browser\nline two\nline THREE');
  await saved(page);
  await eventually(async () => {
    cli(dir, ['sync']);
    return cli(dir, ['show', 'From the browser']) === 'From the browser\nline TWO\nline THREE\n';
  }, 'both edits on the command line');
  await eventually(async () => (await text.inputValue()) === 'From the browser\nline TWO\nline THREE',
    'both edits in the app');
  await profile.close();
});
