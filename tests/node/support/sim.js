// Starts the CineStream Gemini stand-in (`cinestream gemini-sim`) on a loopback port for a test.
//
//   const sim = await startSim({ apiKey: 'test-key' });
//   ... fetch(`${sim.baseUrl}/sim/stats`) ...
//   await sim.stop();
//
// The binary comes from env CINESTREAM_BINARY (CTest sets it), else /work/main/build/cinestream.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const DEFAULT_BINARY = '/work/main/build/cinestream';

export function simBinary() {
  return process.env.CINESTREAM_BINARY || DEFAULT_BINARY;
}

/**
 * @param {object} [options]
 * @param {string} [options.apiKey]    the only key the stand-in accepts (default: any key)
 * @param {number} [options.seed]      world seed
 * @param {string} [options.today]     the world's today, YYYY-MM-DD
 * @param {object} [options.faults]    initial faults, e.g. {rate_429: 0.2}
 * @param {string[]} [options.extraArgs]
 * @param {number} [options.startTimeoutMs] how long to wait for the port file (default 10 s)
 * @returns {Promise<{baseUrl: string, port: number, stop: () => Promise<void>}>}
 */
export async function startSim(options = {}) {
  const { apiKey, seed, today, faults, extraArgs = [], startTimeoutMs = 10_000 } = options;
  const dir = await mkdtemp(path.join(tmpdir(), 'cinestream-sim-'));
  const portFile = path.join(dir, 'port');
  const args = ['gemini-sim', '--host', '127.0.0.1', '--port', '0', '--port-file', portFile,
    '--log-level', 'warn'];
  if (seed !== undefined) args.push('--seed', String(seed));
  if (apiKey !== undefined) args.push('--api-key', apiKey);
  if (today !== undefined) args.push('--today', today);
  if (faults !== undefined) args.push('--faults', JSON.stringify(faults));
  args.push(...extraArgs);

  const child = spawn(simBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    if (stderr.length < 64 * 1024) stderr += d;
  });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.once('error', (err) => {
      exited = { code: null, signal: null, error: err };
      resolve(exited);
    });
  });

  const cleanup = async () => {
    await rm(dir, { recursive: true, force: true });
  };
  const kill = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    // An unref'd timer: a pending grace period must not keep the test process alive.
    const done = await Promise.race([exitPromise, sleep(3000, null, { ref: false })]);
    if (!done) {
      child.kill('SIGKILL');
      await exitPromise;
    }
  };

  let port = 0;
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      // The stand-in writes FILE.tmp and renames it, so the file is whole once it exists.
      port = Number.parseInt((await readFile(portFile, 'utf8')).trim(), 10);
      if (port > 0) break;
    } catch {
      // not there yet
    }
    await sleep(25);
  }
  if (!(port > 0)) {
    await kill();
    await cleanup();
    const why = exited
      ? `exited early (${exited.error ? exited.error.message : `code ${exited.code}, signal ${exited.signal}`})`
      : `wrote no port file within ${startTimeoutMs} ms`;
    throw new Error(`gemini stand-in ${simBinary()} ${why}\n${stderr}`);
  }

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    stderr: () => stderr,
    async stop() {
      await kill();
      await cleanup();
    },
  };
}

/** POSTs faults to a running stand-in (merged; {reset: true} clears them) and returns the result. */
export async function setFaults(baseUrl, faults) {
  const res = await fetch(`${baseUrl}/sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`POST /sim/faults: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** GETs the stand-in's call counts. */
export async function simStats(baseUrl) {
  const res = await fetch(`${baseUrl}/sim/stats`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET /sim/stats: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}
