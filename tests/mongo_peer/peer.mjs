// Starts CongoDB (a MongoDB wire-protocol server, in memory) on 127.0.0.1 and a free port, writes
// the port to the file given as the first argument (or stdout), and runs until SIGTERM/SIGINT or
// until its standard input closes, so a test that dies never leaves it behind.
import { writeFileSync, renameSync } from 'node:fs';
import { CongoServer } from './vendor/congodb/index.js';

const portFile = process.argv[2];
const server = new CongoServer({ host: '127.0.0.1', port: 0, storage: 'memory' });
await server.start();
// CongoServer keeps the requested port (0); the bound one is on its net.Server.
const port = server.server.address().port;
if (portFile) {
  writeFileSync(portFile + '.tmp', String(port));
  renameSync(portFile + '.tmp', portFile);
} else {
  process.stdout.write(`${port}\n`);
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await server.stop();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
