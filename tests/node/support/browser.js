// Headless Chromium for the page tests (playwright-core): a fresh profile each time (no cookies,
// no localStorage), and the page's script errors and CSP violations collected in `problems`.
// Env: CHROMIUM (default /usr/bin/chromium).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROME_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];

export async function launchBrowser(options = {}) {
  const { locale = 'en-US', viewport = { width: 1280, height: 800 }, ...rest } = options;
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'cinestream-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: false, // --headless=new is in the arguments, as Debian's chromium wants it
    args: CHROME_ARGS,
    locale,
    viewport,
    acceptDownloads: true,
    timeout: 30_000,
    ...rest,
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] || await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Uncaught|TypeError|ReferenceError/.test(msg.text())) {
      problems.push(msg.text());
    }
  });
  page.on('pageerror', (err) => problems.push(String(err)));
  const close = async () => {
    await context.close().catch(() => {});
    await rm(userDataDir, { recursive: true, force: true });
  };
  return { context, page, problems, close };
}
