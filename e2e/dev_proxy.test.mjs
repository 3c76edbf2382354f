// `trunk serve` (development) forwards /sync and /api to the server as
// Trunk.toml says. The poke stream must come through it as it is written:
// a proxy that buffered it would turn live sync into sync-when-the-buffer-
// fills. The page served here is a plain one, so no wasm is built; the proxy
// rules are the project's own, pointed at a test server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startServer, stopAllServers, eventually } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const children = [];
after(async () => {
  for (const child of children) child.kill('SIGTERM');
  await stopAllServers();
});

async function freePort() {
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}

/** Starts `trunk serve` on a plain page with Trunk.toml's proxies aimed at `backend`. */
async function trunkServe(backend) {
  const dir = mkdtempSync(join(tmpdir(), 'notes-trunk-'));
  const proxies = [...readFileSync(join(root, 'Trunk.toml'), 'utf8')
    .matchAll(/^backend = "http:\/\/127\.0\.0\.1:8080(\/[^"]*)"/gm)].map((m) => m[1]);
  assert.deepEqual(proxies.sort(), ['/api', '/sync'], 'the proxies Trunk.toml declares');
  const port = await freePort();
  writeFileSync(join(dir, 'index.html'), '<!DOCTYPE html><html><head><title>dev</title></head><body></body></html>');
  writeFileSync(join(dir, 'Trunk.toml'), [
    '[build]', 'target = "index.html"', 'dist = "dist"', 'offline = true',
    '[serve]', 'addresses = ["127.0.0.1"]', `port = ${port}`, 'no_autoreload = true',
    ...proxies.flatMap((path) => ['[[proxy]]', `backend = "${backend}${path}"`]),
  ].join('\n'));
  const child = spawn(process.env.TRUNK ?? 'trunk', ['serve', '--skip-version-check'], {
    cwd: dir, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NO_COLOR: 'true' },
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(url)).ok, 'trunk serve to answer', 30_000);
  return { url, stop: () => { child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); } };
}

/** cr-sqlite's packed key of one text column (crates/sync/src/pk.rs). */
function textKey(text) {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([1, (1 << 3) | 3, bytes.length]), bytes]).toString('base64');
}

test('the poke stream comes through trunk serve\'s proxy as it is written, uncompressed', async () => {
  const server = await startServer(undefined, ['--heartbeat', '1s']);
  const dev = await trunkServe(server.url);
  const json = { 'content-type': 'application/json' };
  const credentials = JSON.stringify({ username: 'dev-proxy', password: 'password one' });
  assert.equal((await fetch(`${dev.url}/api/accounts`, { method: 'POST', headers: json, body: credentials })).status, 201);
  const { token } = await (await fetch(`${dev.url}/api/sessions`, { method: 'POST', headers: json, body: credentials })).json();

  const stream = await fetch(`${dev.url}/sync/events`, {
    headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip, br, zstd' },
  });
  assert.equal(stream.status, 200);
  assert.equal(stream.headers.get('content-type'), 'text/event-stream');
  assert.equal(stream.headers.get('content-encoding'), null);
  const reader = stream.body.getReader();
  const decoder = new TextDecoder();
  const next = async () => decoder.decode((await reader.read()).value);
  assert.match(await next(), /^data: \{"server_version":0\}/);
  // A heartbeat a second: each arrives on its own, not after a buffer fills.
  for (let i = 0; i < 2; i += 1) {
    const t = Date.now();
    assert.match(await next(), /^:/);
    assert.ok(Date.now() - t < 2_000);
  }

  // A push (through the proxy too): its poke follows at once.
  const push = {
    protocol: 4, schema_version: 9, site_id: randomBytes(16).toString('hex'), since: 0, head: 1,
    changes: [{ table: 'notes', pk: textKey('n1'), cid: 'created_at', val: { int: '1' },
      col_version: 1, db_version: 1, cl: 1, seq: 0 }],
  };
  const r = await fetch(`${dev.url}/sync`, {
    method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify(push),
  });
  assert.equal(r.status, 200, await r.clone().text());
  const pushed = Date.now();
  let chunk;
  do chunk = await next(); while (chunk.startsWith(':'));
  assert.match(chunk, /^data: \{"server_version":[1-9]\d*\}/);
  const waited = Date.now() - pushed;
  console.log(`poke through trunk serve ${waited} ms after the push's answer`);
  assert.ok(waited < 500, `${waited} ms`);
  await reader.cancel();
  dev.stop();
});
