// End-to-end tests of the page (web/) in headless Chromium, driven by playwright-core, against the
// real server binary in demo mode (its local Gemini stand-in really scrapes).
//
// Run: node --test tests/node/e2e.test.js        (CTest: ctest -R web_e2e)
// Env: CINESTREAM_BINARY (default /work/main/build/cinestream), CINESTREAM_WEB_DIR (default
//      ../../web from this file), CHROMIUM (default /usr/bin/chromium).
// Screenshots go to tests/artifacts/screenshots/ (git-ignored).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { launchBrowser } from './support/browser.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BINARY = process.env.CINESTREAM_BINARY || '/work/main/build/cinestream';
const WEB_DIR = process.env.CINESTREAM_WEB_DIR || path.resolve(HERE, '../../web');
const SHOTS = path.resolve(HERE, '../artifacts/screenshots');
const T = { timeout: 60_000 };
const BUDGET_BYTES = 100 * 1024;
const DONATION_URL = 'https://example.org/donate';

// The page's texts, as the tests expect them (a change of wording must change a test too).
const TAGLINE = {
  en: 'What\u2019s on in your city, for the next two weeks',
  ua: 'Що йде в кіно у вашому місті найближчі два тижні',
  ru: 'Что идёт в кино в вашем городе в ближайшие две недели',
};

let server;
const openContexts = new Set();

// ------------------------------------------------------------------ server
async function startServer() {
  const dir = await mkdtemp(path.join(tmpdir(), 'cinestream-e2e-'));
  const portFile = path.join(dir, 'port');
  const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--port-file', portFile,
    '--data-dir', path.join(dir, 'data'), '--demo', '--demo-faults', '{"latency_ms":150}',
    // two Gemini calls in flight: the 14 showtime units take a few ticks of the event stream,
    // so the progress is visible on a fast machine too
    '--gemini-max-in-flight', '2', '--workers', '1', '--donation-url', DONATION_URL,
    '--web-dir', WEB_DIR, '--log-level', 'warn', '--access-log', 'false',
    // the suite is one fast client; the per-client limits have tests of their own
    ];
  // run in the temp dir: no stray ./.env is read
  const child = spawn(BINARY, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { if (stderr.length < 64 * 1024) stderr += d; });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
    child.once('error', (error) => { exited = { error }; resolve(exited); });
  });
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const done = await Promise.race([exitPromise, sleep(5000, null, { ref: false })]);
      if (!done) { child.kill('SIGKILL'); await exitPromise; }
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  let port = 0;
  while (Date.now() < deadline && !exited) {
    try {
      port = Number.parseInt((await readFile(portFile, 'utf8')).trim(), 10);
      if (port > 0) break;
    } catch { /* not yet written */ }
    await sleep(50);
  }
  if (!port) {
    await stop();
    throw new Error(`server did not start (${JSON.stringify(exited)}): ${stderr}`);
  }
  const base = `http://127.0.0.1:${port}`;
  while (Date.now() < deadline) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* starting */ }
    await sleep(50);
  }
  return { base, stop, stderr: () => stderr };
}

async function api(pathname, init) {
  const res = await fetch(server.base + pathname, init);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

async function waitFor(what, fn, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// A city with all 14 days scraped (scrapes it from Node when the page has not already).
async function ensureScraped(city) {
  const s = await api(`/api/scrape/status/${city}`);
  const fresh = (d) => d && d.status === 'fresh' && !d.processing && d.days_covered === d.days_total;
  if (fresh(s.json)) return;
  if (!s.json || !s.json.processing) {
    const r = await api('/api/scrape', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ city })
    });
    assert.ok([200, 202].includes(r.status), `scrape ${city}: ${r.status} ${r.text}`);
  }
  await waitFor(`${city} scraped`, async () => fresh((await api(`/api/scrape/status/${city}`)).json));
}

function cityToday(tz, plusDays = 0) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date());
  const get = (t) => Number(parts.find((p) => p.type === t).value);
  return new Date(Date.UTC(get('year'), get('month') - 1, get('day') + plusDays)).toISOString().slice(0, 10);
}

// ------------------------------------------------------------------ browser
// Each test gets its own browser with a fresh --user-data-dir (no cookies, no localStorage).
async function openBrowser(options = {}) {
  const launched = await launchBrowser(options);
  const entry = {
    ...launched,
    close: async () => {
      openContexts.delete(entry);
      await launched.close();
    },
  };
  openContexts.add(entry);
  return entry;
}

async function withBrowser(options, fn) {
  const b = await openBrowser(options);
  try {
    await fn(b);
    assert.deepEqual(b.problems, [], 'script errors or CSP violations on the page');
  } finally {
    await b.close();
  }
}

async function gotoCity(page, city, extra = '') {
  await page.goto(`${server.base}/?city=${city}${extra}`);
  await page.locator('[data-testid="city-view"]').waitFor({ state: 'visible' });
}

async function pickTomorrow(page) {
  const tab = page.locator('[data-testid="date-tab"]').nth(1);
  await tab.click();
  await assertSelectedTab(page, 1);
}

async function assertSelectedTab(page, index) {
  await page.waitForFunction((i) => {
    const tabs = document.querySelectorAll('[data-testid="date-tab"]');
    return tabs[i] && tabs[i].getAttribute('aria-selected') === 'true';
  }, index);
}

async function waitForShowtimes(page) {
  await page.locator('[data-testid="showtime"]').first().waitFor({ state: 'visible' });
}

// ------------------------------------------------------------------ tests
describe('CineStream page in Chromium', () => {
  before(async () => {
    server = await startServer();
  }, T);

  after(async () => {
    for (const b of Array.from(openContexts)) await b.close();
    if (server) await server.stop();
  }, T);

  test('the page opens: texts, visitor counter, demo notice, no script errors; first load under 100 KB', T, async () => {
    await withBrowser({}, async ({ page }) => {
      const sizes = [];
      page.on('requestfinished', async (req) => {
        if (new URL(req.url()).pathname.startsWith('/posters/')) return;
        const s = await req.sizes().catch(() => null);
        if (s) sizes.push({ url: req.url(), bytes: s.responseBodySize + s.responseHeadersSize });
      });
      await page.goto(server.base + '/');
      await page.waitForLoadState('networkidle');
      assert.equal(await page.title(), 'CineStream');
      assert.equal(await page.locator('#picker-heading').textContent(), TAGLINE.en);
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await page.locator('[data-testid="visitors"]').filter({ hasText: /\d+ visitors?/ }).waitFor();
      await page.locator('[data-testid="demo-notice"]').waitFor({ state: 'visible' });
      assert.match(await page.locator('[data-testid="demo-notice"]').textContent(), /simulated/);
      assert.ok(await page.locator('[data-testid="lang-select"]').isVisible());
      assert.ok(await page.locator('[data-testid="city-input"]').isVisible());
      // popular cities to start from (the bundled list is by population)
      const popular = page.locator('[data-testid="popular"] [data-testid="city-chip"]');
      assert.equal(await popular.count(), 8);
      assert.equal(await popular.first().getAttribute('data-id'), 'kyiv');
      // the donation link is shown only when the server configures one (an http(s) URL)
      // the donation link configured on the server (--donation-url)
      const donate = page.locator('[data-testid="donate"]');
      await donate.waitFor({ state: 'visible' });
      assert.equal(await donate.getAttribute('href'), DONATION_URL);
      assert.equal(await donate.textContent(), 'Support the project');
      const total = sizes.reduce((n, s) => n + s.bytes, 0);
      console.log(`first load (no city): ${total} bytes in ${sizes.length} responses`);
      assert.ok(total < BUDGET_BYTES, `first load ${total} bytes: ${JSON.stringify(sizes)}`);
    });

    // No donation link when the server has none (null), nor when it is not http(s).
    for (const url of [null, 'javascript:alert(1)']) {
      await withBrowser({}, async ({ page }) => {
        await page.route('**/api/session', (r) => r.fulfill({ json: { lang: 'en', demo: true, donation_url: url } }));
        await page.goto(server.base + '/');
        await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
        assert.equal(await page.locator('[data-testid="donate"]').isVisible(), false, String(url));
        assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
      });
    }

    // The page's own files, gzipped as the server sends them.
    let gz = 0;
    for (const f of ['index.html', 'common.js', 'app.js', 'style.css', 'favicon.svg']) {
      gz += gzipSync(await readFile(path.join(WEB_DIR, f)), { level: 9 }).length;
    }
    console.log(`index.html + common.js + app.js + style.css + favicon.svg gzipped: ${gz} bytes`);
    assert.ok(gz < 30 * 1024, `static files gzipped: ${gz}`);
  });

  test('switching the language changes the texts, and a reload keeps it (signed cookie)', T, async () => {
    await withBrowser({ locale: 'en-US' }, async ({ page, context }) => {
      await page.goto(server.base + '/');
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      assert.equal(await page.locator('#picker-heading').textContent(), TAGLINE.en);
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/session') && r.request().method() === 'POST');
      await page.locator('[data-testid="lang-select"]').selectOption('ua');
      const res = await saved;
      assert.equal(await page.locator('#picker-heading').textContent(), TAGLINE.ua);
      assert.equal(await page.getAttribute('html', 'lang'), 'uk');
      assert.equal((await page.locator('[data-testid="near-me"]').innerText()).trim(), 'Поруч зі мною');
      assert.equal(res.status(), 200, 'POST /api/session');
      const cookie = (await context.cookies()).find((c) => c.name === 'cs_lang');
      assert.ok(cookie, 'the cs_lang cookie is set');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      // Forget the page's own copy: only the cookie can bring Ukrainian back.
      await page.evaluate(() => localStorage.clear());
      await page.reload();
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      assert.equal(await page.locator('#picker-heading').textContent(), TAGLINE.ua);
      assert.equal(await page.locator('[data-testid="lang-select"]').inputValue(), 'ua');
      // Russian, and city names follow the language
      await page.locator('[data-testid="lang-select"]').selectOption('ru');
      assert.equal(await page.locator('#picker-heading').textContent(), TAGLINE.ru);
      await page.locator('[data-testid="city-input"]').fill('Льв');
      await page.locator('[data-testid="city-option"][data-id="lviv"]').filter({ hasText: 'Львов' }).waitFor();
    });
  });

  test('the first visit follows Accept-Language', T, async () => {
    await withBrowser({ locale: 'uk-UA' }, async ({ page }) => {
      await page.goto(server.base + '/');
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      assert.equal(await page.locator('#picker-heading').textContent(), TAGLINE.ua);
    });
    await withBrowser({ locale: 'ru-RU' }, async ({ page }) => {
      await page.goto(server.base + '/');
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      assert.equal(await page.locator('#picker-heading').textContent(), TAGLINE.ru);
    });
  });

  test('pick a city, watch its scrape progress to the end, showtimes appear; the city is remembered', T, async () => {
    await withBrowser({}, async ({ page }) => {
      // Record every text the progress counter shows (set before any page script runs).
      await page.addInitScript(() => {
        window.__progress = [];
        document.addEventListener('DOMContentLoaded', () => {
          const panel = document.getElementById('scrape-panel');
          const count = document.getElementById('scrape-count');
          const note = () => {
            if (!panel.hidden && count.textContent) window.__progress.push(count.textContent);
          };
          new MutationObserver(note).observe(panel, { subtree: true, childList: true, characterData: true, attributes: true });
        });
      });
      const before = await api('/api/scrape/status/lviv');
      assert.notEqual(before.json?.status, 'fresh', 'Lviv is scraped by this test: it must not be yet');
      await page.goto(server.base + '/');
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      const input = page.locator('[data-testid="city-input"]');
      await input.click();
      await input.pressSequentially('lvi');
      const option = page.locator('[data-testid="city-option"][data-id="lviv"]');
      await option.waitFor();
      await input.press('Enter');
      await page.locator('[data-testid="city-title"]').filter({ hasText: 'Lviv' }).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('city'), 'lviv');
      // progress is shown...
      await page.locator('[data-testid="scrape-panel"]').waitFor({ state: 'visible' });
      await page.waitForFunction(() => window.__progress.some((s) => /^\d+ \/ \d+$/.test(s)));
      // ...until the scrape is over, and the showtimes are there
      await page.locator('[data-testid="scrape-panel"]').waitFor({ state: 'hidden', timeout: 45_000 });
      const status = (await api('/api/scrape/status/lviv')).json;
      assert.equal(status.status, 'fresh', JSON.stringify(status));
      await page.locator('[data-testid="movie-card"]').first().waitFor();
      const seen = await page.evaluate(() => window.__progress);
      console.log(`progress texts seen: ${JSON.stringify(seen)}`);
      const partial = seen.map((s) => /^(\d+) \/ (\d+)$/.exec(s)).filter(Boolean)
        .filter((m) => Number(m[1]) < Number(m[2]));
      assert.ok(partial.length > 0, `an unfinished "N / M" was shown before completion: ${JSON.stringify(seen)}`);
      assert.equal(await page.locator('[data-testid="scrape-error"]').isVisible(), false);
      // 14 date tabs, starting today in Lviv's zone
      const tabs = page.locator('[data-testid="date-tab"]');
      assert.equal(await tabs.count(), 14);
      assert.equal(await tabs.first().getAttribute('data-date'), cityToday('Europe/Kyiv'));
      assert.equal(await tabs.nth(13).getAttribute('data-date'), cityToday('Europe/Kyiv', 13));
      // a movie card: poster (or placeholder), title, description, cinemas with times
      await pickTomorrow(page);
      const card = page.locator('[data-testid="movie-card"]').first();
      assert.ok((await card.locator('.poster').count()) === 1);
      assert.ok((await card.locator('[data-testid="movie-title"]').textContent()).length > 0);
      assert.ok((await card.locator('.movie-desc').textContent()).length > 0);
      assert.ok((await card.locator('[data-testid="venue"]').count()) > 0);
      assert.ok((await card.locator('[data-testid="showtime"]').count()) > 0);

      // the last city is remembered: a plain visit opens it again
      await page.goto(server.base + '/');
      await page.locator('[data-testid="city-title"]').filter({ hasText: 'Lviv' }).waitFor();
      await waitForShowtimes(page);
    });
  });

  test('"Near me" picks the nearest city from the browser position', T, async () => {
    await ensureScraped('lviv');
    await withBrowser({ geolocation: { latitude: 49.84, longitude: 24.03 }, permissions: ['geolocation'] }, async ({ page }) => {
      await page.goto(server.base + '/');
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      await page.locator('[data-testid="near-me"]').click();
      await page.locator('[data-testid="city-title"]').filter({ hasText: 'Lviv' }).waitFor();
      await page.locator('[data-testid="nearby"]').waitFor({ state: 'visible' });
      assert.ok((await page.locator('[data-testid="nearby"] button').count()) >= 2);
    });
  });

  test('date tabs are a tablist driven by the keyboard', T, async () => {
    await ensureScraped('lviv');
    await withBrowser({}, async ({ page }) => {
      await gotoCity(page, 'lviv');
      await waitForShowtimes(page);
      assert.equal(await page.locator('[data-testid="date-tabs"]').getAttribute('role'), 'tablist');
      const tabs = page.locator('[data-testid="date-tab"]');
      await tabs.first().focus();
      await page.keyboard.press('ArrowRight');
      await assertSelectedTab(page, 1);
      assert.equal(await page.evaluate(() => document.activeElement.dataset.date), await tabs.nth(1).getAttribute('data-date'));
      await page.keyboard.press('End');
      await assertSelectedTab(page, 13);
      await page.keyboard.press('ArrowRight'); // wraps around
      await assertSelectedTab(page, 0);
      await page.keyboard.press('ArrowLeft');
      await assertSelectedTab(page, 13);
      await page.keyboard.press('Home');
      await assertSelectedTab(page, 0);
      // roving tabindex: one tab in the Tab order
      assert.equal(await page.locator('[data-testid="date-tab"][tabindex="0"]').count(), 1);
      assert.equal(await page.locator('[data-testid="results"]').getAttribute('aria-labelledby'), await tabs.first().getAttribute('id'));
    });
  });

  test('filters by format and by language; view by cinema', T, async () => {
    await ensureScraped('lviv');
    await withBrowser({}, async ({ page }) => {
      await gotoCity(page, 'lviv');
      await waitForShowtimes(page);
      await pickTomorrow(page);
      const chips = page.locator('[data-testid="showtime"]');
      const all = await chips.count();
      const formats = (await page.locator('[data-testid="filter-format"] option').evaluateAll(
        (os) => os.map((o) => o.value))).filter(Boolean);
      assert.ok(formats.length >= 2, `formats offered: ${formats}`);
      const chosen = formats.includes('IMAX') ? 'IMAX' : formats[formats.length - 1];
      await page.locator('[data-testid="filter-format"]').selectOption(chosen);
      await page.waitForFunction(([n]) => document.querySelectorAll('[data-testid="showtime"]').length !== n, [all]);
      const shown = await chips.evaluateAll((cs) => cs.map((c) => c.dataset.format));
      assert.ok(shown.length > 0 && shown.length < all, `${shown.length} of ${all}`);
      assert.ok(shown.every((f) => f === chosen), `only ${chosen}: ${shown}`);

      await page.locator('[data-testid="filter-format"]').selectOption('');
      await page.locator('[data-testid="filter-language"]').selectOption('subtitles');
      const langs = await chips.evaluateAll((cs) => cs.map((c) => c.dataset.lang));
      assert.ok(langs.length > 0 && langs.every((l) => l === 'subtitles'), `${langs}`);
      const metas = await page.locator('[data-testid="showtime"] .st-meta').allTextContents();
      assert.ok(metas.every((m) => m.includes('Subtitles')), metas.join('|'));

      // by cinema: one card per cinema, same showtimes
      const count = await chips.count();
      await page.locator('[data-testid="view-cinemas"]').click();
      await page.locator('[data-testid="cinema-card"]').first().waitFor();
      assert.equal(await page.locator('[data-testid="view-cinemas"]').getAttribute('aria-pressed'), 'true');
      assert.equal(await page.locator('[data-testid="movie-card"]').count(), 0);
      assert.equal(await chips.count(), count);
    });
  });

  test('a showtime downloads as an .ics calendar file', T, async (t) => {
    await ensureScraped('lviv');
    const probe = await api('/api/showtime.ics?city=lviv&movie_id=0&theater=x&start=x');
    if (probe.status === 404 && probe.json?.error?.code === 'not_found') {
      t.skip('needs /api/showtime.ics'); // the route itself is missing (older server)
      return;
    }
    await withBrowser({}, async ({ page }) => {
      await gotoCity(page, 'lviv');
      await waitForShowtimes(page);
      await pickTomorrow(page);
      const link = page.locator('a[data-testid="showtime"]').first();
      const href = await link.getAttribute('href');
      assert.match(href, /^\/api\/showtime\.ics\?city=lviv&movie_id=\d+&theater=.+&start=\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\d%2B\d\d%3A\d\d&lang=en$/);
      assert.match(await link.getAttribute('aria-label'), /^Add to calendar: /);
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      assert.match(download.suggestedFilename(), /\.ics$/);
      const file = await readFile(await download.path(), 'utf8');
      assert.ok(file.startsWith('BEGIN:VCALENDAR'), file.slice(0, 200));
      assert.match(file, /BEGIN:VEVENT/);
      const res = await page.request.get(server.base + href);
      assert.equal(res.status(), 200);
      assert.match(res.headers()['content-type'], /^text\/calendar/);
    });
  });

  test('scraped text is shown as text: a <script> title does not run', T, async () => {
    const day = cityToday('Europe/Kyiv', 1);
    const evil = '<script>window.__xss=1</script>Evil';
    const movie = {
      id: 4242, title: evil, titles: { en: evil, local: evil, ua: evil, ru: evil },
      description: '<img src=x onerror="window.__xss=2">desc',
      poster: 'javascript:window.__xss=3',
      theaters: [{
        name: '<b>Bold</b> Cinema', address: '<i>1 Street</i>', website: 'javascript:window.__xss=4',
        showtimes: [{ start_time: `${day}T20:00:00+02:00`, format: '<u>3D</u>', language: 'original', hall: '<em>1</em>' }],
      }],
    };
    const moviesDoc = { city: { id: 'kyiv', name: 'Kyiv', tz: 'Europe/Kyiv' }, demo: true, count: 1, movies: [movie] };
    const showtimesDoc = {
      city: { id: 'kyiv', name: 'Kyiv', tz: 'Europe/Kyiv' }, date: day, demo: true, count: 1,
      showtimes: [{ movie_id: 4242, movie: evil, theater: movie.theaters[0].name, address: '', website: '',
        start_time: `${day}T20:00:00+02:00`, format: '3D', language: 'original', hall: '', poster: '' }],
    };
    const fresh = { city: 'kyiv', status: 'fresh', processing: false, ready: true, days_covered: 14, days_total: 14, error: null, progress: null };
    await withBrowser({}, async ({ page }) => {
      await page.route('**/api/movies?*', (r) => r.fulfill({ json: moviesDoc }));
      await page.route('**/api/showtimes?*', (r) => r.fulfill({ json: showtimesDoc }));
      await page.route('**/api/scrape/status/*', (r) => r.fulfill({ json: fresh }));
      await page.route('**/api/scrape', (r) => r.fulfill({ status: 500, json: { error: { code: 'unexpected', message: 'no scrape expected' } } }));
      await gotoCity(page, 'kyiv');
      await pickTomorrow(page);
      const title = page.getByText(evil, { exact: true });
      await title.waitFor();
      assert.ok(await title.isVisible());
      assert.equal(await page.getByText('<img src=x onerror="window.__xss=2">desc', { exact: true }).count(), 1);
      assert.equal(await page.getByText('<b>Bold</b> Cinema', { exact: true }).count(), 1);
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      assert.equal(await page.locator('#results script, #results img[src="x"], #results b, #results u').count(), 0);
      assert.equal(await page.locator('a[href^="javascript:"], img[src^="javascript:"]').count(), 0);
      // the view by cinema too
      await page.locator('[data-testid="view-cinemas"]').click();
      await page.locator('[data-testid="cinema-card"]').first().waitFor();
      assert.equal(await page.getByText(evil, { exact: true }).count(), 1);
      assert.equal(await page.evaluate(() => window.__xss), undefined);
    });
  });

  test('scrape errors and progress are explained in the visitor\u2019s language', T, async () => {
    const empty = { city: { id: 'odesa', name: 'Odesa', tz: 'Europe/Kyiv' }, demo: true, count: 0, movies: [] };
    const stale = { city: 'odesa', status: 'stale', processing: false, ready: false, days_covered: 0, days_total: 14, error: null, progress: null };
    await withBrowser({ locale: 'uk-UA' }, async ({ page }) => {
      await page.route('**/api/movies?*', (r) => r.fulfill({ json: empty }));
      let statusDoc = stale;
      await page.route('**/api/scrape/status/*', (r) => r.fulfill({ json: statusDoc }));
      let answer = { status: 429, headers: { 'Retry-After': '3600' }, json: { error: { code: 'budget_exhausted', message: 'spent' } } };
      await page.route('**/api/scrape', (r) => r.fulfill(answer));
      await gotoCity(page, 'odesa');
      const error = page.locator('[data-testid="scrape-error"]');
      await error.waitFor({ state: 'visible' });
      assert.match(await error.textContent(), /бюджет на збирання розкладу вичерпано/);
      assert.equal(await page.locator('[data-testid="results-empty"]').textContent(), 'На цей день сеансів поки немає.');

      // rate limited: the wait from Retry-After, and a retry button
      answer = { status: 429, headers: { 'Retry-After': '42' }, json: { error: { code: 'rate_limited', message: 'slow down' } } };
      await page.goto(server.base + '/?city=odesa');
      await error.filter({ hasText: 'Забагато запитів' }).waitFor();
      assert.match(await error.textContent(), /через 42 с/);
      assert.ok(await page.locator('[data-testid="scrape-retry"]').isVisible());

      // a scrape that runs, then fails: progress from the event stream, then the failure
      answer = { status: 202, json: { status: 'processing', city: 'odesa', started: true, status_url: '/api/scrape/status/odesa' } };
      const running = { ...stale, status: 'processing', processing: true, days_covered: 2,
        progress: { step: 'showtimes', units_done: 3, units_total: 14, calls: 5, grounded_calls: 5, tokens: 1, cost_usd: 0.1, showtimes_added: 120, dropped: 0 } };
      const failed = { ...stale, status: 'failed', error: 'the stand-in fell over', progress: { ...running.progress, step: 'done' } };
      let release;
      const gate = new Promise((resolve) => { release = resolve; });
      await page.route('**/api/scrape/events/*', async (r) => {
        await gate;
        await r.fulfill({
          status: 200, headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' },
          body: `event: status\ndata: ${JSON.stringify(running)}\n\n`,
        });
      });
      statusDoc = running;
      await page.locator('[data-testid="scrape-retry"]').click();
      await page.locator('[data-testid="scrape-panel"]').waitFor({ state: 'visible' });
      release();
      await page.locator('[data-testid="scrape-count"]').filter({ hasText: /^3 \/ 14$/ }).waitFor();
      assert.match(await page.locator('[data-testid="scrape-detail"]').textContent(), /Збираємо сеанси.*Готово днів: 2 з 14.*Знайдено 120 сеансів/);
      await mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'progress-ua-desktop.png') });
      // the stream closes without "end": the page falls back to polling the status
      statusDoc = failed;
      await page.locator('[data-testid="scrape-panel"]').waitFor({ state: 'hidden' });
      await error.filter({ hasText: 'не вдалося зібрати розклад' }).waitFor();
    });
  });

  test('screenshots of the main views: desktop and phone, in the three languages', T, async () => {
    await ensureScraped('lviv');
    await mkdir(SHOTS, { recursive: true });
    for (const [device, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
      await withBrowser({ viewport, isMobile: device === 'phone', hasTouch: device === 'phone' }, async ({ page }) => {
        await page.goto(server.base + '/');
        await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
        await page.screenshot({ path: path.join(SHOTS, `home-en-${device}.png`) });
        for (const lang of ['ua', 'en', 'ru']) {
          await page.locator('[data-testid="lang-select"]').selectOption(lang);
          await page.waitForFunction((l) => document.documentElement.lang === (l === 'ua' ? 'uk' : l), lang);
          await gotoCity(page, 'lviv');
          await waitForShowtimes(page);
          await pickTomorrow(page);
          await page.locator('[data-testid="view-movies"]').click();
          // posters on screen have loaded; lazy ones far below the fold load only when scrolled to
          await page.waitForFunction(() => Array.from(document.images)
            .every((i) => i.complete || i.getBoundingClientRect().top > 2 * window.innerHeight));
          await page.screenshot({ path: path.join(SHOTS, `movies-${lang}-${device}.png`) });
          await page.locator('[data-testid="view-cinemas"]').click();
          await page.locator('[data-testid="cinema-card"]').first().waitFor();
          await page.screenshot({ path: path.join(SHOTS, `cinemas-${lang}-${device}.png`) });
          await page.locator('[data-testid="view-movies"]').click();
        }
        // no horizontal scrolling of the page itself (the date tabs scroll inside their strip)
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `page is ${overflow}px wider than the ${device} viewport`);
      });
    }
  });

  test('a returning visitor with a city: first load still under 100 KB before posters', T, async () => {
    await ensureScraped('lviv');
    await withBrowser({}, async ({ page }) => {
      const sizes = [];
      page.on('requestfinished', async (req) => {
        if (new URL(req.url()).pathname.startsWith('/posters/')) return;
        const s = await req.sizes().catch(() => null);
        if (s) sizes.push({ url: req.url(), bytes: s.responseBodySize + s.responseHeadersSize });
      });
      await gotoCity(page, 'lviv');
      await waitForShowtimes(page);
      await page.waitForLoadState('networkidle');
      const total = sizes.reduce((n, s) => n + s.bytes, 0);
      console.log(`first load with a scraped city: ${total} bytes in ${sizes.length} responses (posters excluded)`);
      assert.ok(total < BUDGET_BYTES, `first load ${total} bytes: ${JSON.stringify(sizes)}`);
    });
  });
});
