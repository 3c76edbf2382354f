// The multi-node mode as a user meets it: the app served by three nodes
// (one NATS with JetStream between them) behind a round-robin proxy, so
// that each request of a browser may land on any node. Two browsers of one
// account stay live; the node holding the account is killed (kill -9) and
// both go on, with nothing lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import {
  openProfile, openApp, newNote, openNote, saved, signUp, signIn, live, lists,
  eventually, closeAllProfiles,
} from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.NOTES_SERVER_BIN || join(root, 'target/debug/server');
const dir = mkdtempSync(join(tmpdir(), 'notes-cluster-'));
const children = new Set();
let nodes = [];
let proxy;

function startNats() {
  const store = join(dir, 'nats');
  mkdirSync(store, { recursive: true });
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', store,
    '--ports_file_dir', store], { stdio: 'ignore' });
  children.add(child);
  return eventually(() => {
    const file = readdirSync(store).find((f) => f.endsWith('.ports'));
    if (!file) return false;
    return JSON.parse(readFileSync(join(store, file), 'utf8')).nats[0];
  }, 'nats-server to start');
}

function startNode(natsUrl, id) {
  const child = spawn(bin, ['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data'),
    '--static-dir', join(root, 'dist'), '--nats', natsUrl, '--node-id', id, '--shards', '16',
    '--lease', '3s', '--trusted-proxy', '127.0.0.1'],
  { env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) resolve({ id, url: m[1], child });
    });
    child.on('exit', (code) => reject(new Error(`node ${id} exited early (${code})`)));
  });
}

/** Round-robin over the nodes still listening, as a load balancer with
 * health checks does: a request that finds its node gone goes to the next. */
function startProxy(backends) {
  let next = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (left) => {
        const target = new URL(backends[next % backends.length].url);
        next += 1;
        const upstream = request({
          host: target.hostname, port: target.port, method: req.method, path: req.url,
          headers: { ...req.headers, host: target.host },
        }, (answer) => {
          if (process.env.PROXY_LOG) console.log(`${Date.now() % 100000} ${req.method} ${req.url} → ${target.port} ${answer.statusCode}`);
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
          // A node that dies mid-answer (a live stream) ends it here too,
          // as a load balancer does, rather than leaving it open and silent.
          answer.on('close', () => { if (!answer.complete) res.destroy(); });
        });
        upstream.on('error', (e) => {
          if (process.env.PROXY_LOG) console.log(`${Date.now() % 100000} ${req.method} ${req.url} → ${target.port} ${e.code}`);
          if (left > 0 && !res.headersSent) attempt(left - 1);
          else res.destroy();
        });
        res.on('close', () => upstream.destroy());
        upstream.end(body);
      };
      attempt(backends.length);
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

before(async () => {
  const natsUrl = await startNats();
  nodes = await Promise.all(['a', 'b', 'c'].map((id) => startNode(natsUrl, id)));
  await eventually(async () => {
    let served = 0;
    for (const n of nodes) served += (await (await fetch(`${n.url}/health`)).json()).shards;
    return served === 16;
  }, 'every shard served', 20_000);
  proxy = await startProxy(nodes);
});

after(async () => {
  await closeAllProfiles();
  proxy?.close();
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const inList = (page, title) => eventually(
  async () => (await page.locator('.note-list .note-title').allTextContents()).includes(title),
  `"${title}" in the list`, 15_000,
);

test('two browsers behind a round-robin proxy over three nodes stay live, and keep going when the account\'s node is killed', async () => {
  const url = `http://127.0.0.1:${proxy.address().port}`;
  const a = await openProfile();
  const b = await openProfile();
  const pa = await openApp(a.context, url);
  const pb = await openApp(b.context, url);
  await signUp(pa, 'spread', 'password one');
  await newNote(pa, 'Groceries\nmilk');
  await signIn(pb, 'spread', 'password one');
  await lists(pb, ['Groceries']);
  await live(pa, 'A live');
  await live(pb, 'B live');

  // Live across nodes: a note made in A shows in B's list, nothing pressed.
  await newNote(pa, 'Made on A');
  const t0 = Date.now();
  await inList(pb, 'Made on A');
  console.log(`A → B through the proxy: ${Date.now() - t0} ms`);

  // The node holding the account's shard: the shard is the token's.
  const session = await fetch(`${url}/api/sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'spread', password: 'password one' }),
  });
  const shard = Number((await session.json()).token.split('.')[0]);
  let holder;
  for (const n of nodes) {
    if ((await (await fetch(`${n.url}/health`)).json()).held.includes(shard)) holder = n;
  }
  assert.ok(holder, `a node holds shard ${shard}`);
  holder.child.kill('SIGKILL');
  const killed = Date.now();

  // Both go on: B writes, A sees it once another node took the shard.
  await newNote(pb, 'Written after the kill');
  await inList(pa, 'Written after the kill');
  console.log(`B → A after kill -9 of node ${holder.id}: ${Date.now() - killed} ms`);
  await openNote(pa, 'Groceries');
  const editor = pa.getByRole('textbox', { name: 'Note text' });
  await editor.evaluate((el) => { el.focus(); el.setSelectionRange(el.value.length, el.value.length); });
  await pa.keyboard.type('\neggs');
  await pa.keyboard.press('Control+s');
  await saved(pa);
  await openNote(pb, 'Groceries');
  await eventually(async () => (await pb.getByRole('textbox', { name: 'Note text' }).inputValue()) === 'Groceries\nmilk\neggs',
    'A\'s line in B', 15_000);
  const all = ['Groceries', 'Made on A', 'Written after the kill'];
  for (const page of [pa, pb]) {
    const shown = await page.locator('.note-list .note-title').allTextContents();
    for (const title of all) assert.ok(shown.includes(title), `${title} in ${shown}`);
  }
  await a.close();
  await b.close();
});
