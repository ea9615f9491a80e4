// Child processes of the page tests: the server binary (and the loopback SMTP server), started on
// loopback, watched for their exit, stopped with SIGTERM then SIGKILL.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export function watch(child) {
  let output = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d) => { if (output.length < 64 * 1024) output += d; });
  let exited = null;
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
    child.once('error', (error) => { exited = { error }; resolve(exited); });
  });
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const done = await Promise.race([exit, sleep(5000, null, { ref: false })]);
    if (!done) { child.kill('SIGKILL'); await exit; }
  };
  return { stop, output: () => output, exited: () => exited };
}

// The port a child wrote to `file` once it listens.
export async function readPort(file, proc, what) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !proc.exited()) {
    try {
      const port = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
      if (port > 0) return port;
    } catch { /* not yet written */ }
    await sleep(50);
  }
  throw new Error(`${what} did not start (${JSON.stringify(proc.exited())}): ${proc.output()}`);
}

// An ephemeral port, released just before the server takes it: for a server whose origin must be
// known before it starts (the links in its email, its CSRF and WebSocket origin checks).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Polls `check` (async, truthy when done) every 100 ms until `ms` passed.
export async function eventually(check, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) { last = e; }
    await sleep(100);
  }
  throw new Error(`${what} did not happen in ${ms} ms (last: ${last})`);
}
