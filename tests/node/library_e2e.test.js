// End-to-end test of a visitor's library on the page (web/index.html, web/film.html, library.js) in
// headless Chromium against the real server binary in demo mode: sign up, add a film to the
// watchlist from its card, mark one seen and hide what was seen, rate a film on its page, and get a
// live notice on the open page when a scrape brings a watchlisted film to the home city; and the
// "for you" list of a signed-in visitor changing once they rate films; and the header's film
// search (suggestions as one types, a title with a typo found).
//
// Run: node --test tests/node/library_e2e.test.js        (CTest: ctest -R library_e2e)
// Env: CINESTREAM_BINARY (default /work/main/build/cinestream), CINESTREAM_WEB_DIR (default
//      ../../web from this file), CHROMIUM (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { launchBrowser } from './support/browser.js';
import { eventually, freePort, readPort, watch } from './support/processes.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BINARY = process.env.CINESTREAM_BINARY || '/work/main/build/cinestream';
const WEB_DIR = process.env.CINESTREAM_WEB_DIR || path.resolve(HERE, '../../web');
const T = { timeout: 240_000 };

let dir;
let server;

async function startServer() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const portFile = path.join(dir, 'port');
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--port-file', portFile,
    '--public-origin', base, '--data-dir', path.join(dir, 'data'), '--demo', '--workers', '1',
    '--web-dir', WEB_DIR, '--log-level', 'warn', '--access-log', 'false',
    '--catalog-link-ms', '200', '--notify-interval-ms', '300', '--recommend-refresh-ms', '300',
    '--search-refresh-ms', '300',
    '--bcrypt-cost', '4', '--auth-rate-per-minute', '0'];
  const child = spawn(BINARY, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const proc = watch(child);
  await readPort(portFile, proc, 'the server');
  await eventually(async () => (await fetch(`${base}/healthz`)).ok, 30_000, 'the server healthy');
  return { ...proc, base };
}

async function api(url, options) {
  const res = await fetch(server.base + url, options);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

async function scrape(city) {
  const r = await api('/api/scrape', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ city })
  });
  assert.ok([200, 202].includes(r.status), `scrape ${city}: ${r.status} ${r.text}`);
  await eventually(async () => {
    const s = (await api(`/api/scrape/status/${city}`)).json;
    return s && s.status === 'fresh' && !s.processing;
  }, 120_000, `${city} scraped`);
  // Every city movie placed in the catalogue.
  await eventually(async () => {
    const doc = (await api(`/api/movies?city=${city}`)).json;
    return doc && doc.movies.length > 0 && doc.movies.every((m) => Number.isInteger(m.film_id));
  }, 30_000, `${city} linked`);
}

const byTest = (page, id) => page.locator(`[data-testid="${id}"]`);

// fetch from inside the page: the session's cookies and the CSRF header, as library.js sends them.
function inPage(page, method, url, body) {
  return page.evaluate(async ({ method, url, body }) => {
    const headers = window.CineCommon.withCsrf({ 'Content-Type': 'application/json' });
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text };
  }, { method, url, body });
}

describe('a visitor\'s library in Chromium', () => {
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cinestream-library-e2e-'));
    server = await startServer();
    await scrape('kyiv');
  }, T);

  after(async () => {
    if (server) await server.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, T);

  test('watchlist from a card, hide what was seen, rate on the film page, a live notice after a scrape', T, async () => {
    const b = await launchBrowser({ locale: 'en-US' });
    const { page } = b;
    try {
      // Signed out: the cards already carry the toggles and the film page's link.
      await page.goto(`${server.base}/?city=kyiv`);
      await byTest(page, 'movie-card').first().waitFor();
      await byTest(page, 'film-link').first().waitFor();
      assert.equal(await byTest(page, 'bell').isHidden(), true, 'no bell without an account');

      // Sign up (home city Lviv, not scraped yet) with the browser's cookies.
      const reg = await page.evaluate(async () => {
        const res = await fetch('/api/auth/register', {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: 'iryna@example.com', password: 'amber-tram-window-17',
            display_name: 'Iryna', home_city: 'lviv', session: 'cookie' })
        });
        return { status: res.status, text: await res.text() };
      });
      assert.equal(reg.status, 201, reg.text);
      await page.goto(`${server.base}/?city=kyiv`);
      await byTest(page, 'movie-card').first().waitFor();
      await byTest(page, 'bell').waitFor();

      // Watchlist the first film from its card: the button follows the server's answer.
      const first = byTest(page, 'movie-card').first();
      const firstFilm = Number(await first.getAttribute('data-film-id'));
      await first.locator('[data-testid="watchlist-toggle"]').click();
      await page.waitForFunction((id) => document.querySelector(`[data-testid="movie-card"][data-film-id="${id}"] [data-testid="watchlist-toggle"]`)?.getAttribute('aria-pressed') === 'true', firstFilm);
      const lib = JSON.parse((await inPage(page, 'GET', '/api/me/library')).text);
      assert.deepEqual(lib.watchlist.map((m) => m.film_id), [firstFilm]);

      // Seen + "hide what I have seen": that film's card goes, the others stay.
      const second = byTest(page, 'movie-card').nth(1);
      const secondFilm = Number(await second.getAttribute('data-film-id'));
      const cardsBefore = await byTest(page, 'movie-card').count();
      await second.locator('[data-testid="seen-toggle"]').click();
      await page.waitForFunction((id) => document.querySelector(`[data-testid="movie-card"][data-film-id="${id}"] [data-testid="seen-toggle"]`)?.getAttribute('aria-pressed') === 'true', secondFilm);
      await byTest(page, 'hide-seen').check();
      await page.waitForFunction((id) => !document.querySelector(`[data-testid="movie-card"][data-film-id="${id}"]`), secondFilm);
      assert.equal(await byTest(page, 'movie-card').count(), cardsBefore - 1);

      // My list shows the watchlisted film.
      await byTest(page, 'my-list-button').click();
      await byTest(page, 'my-list').locator('li').first().waitFor();
      assert.equal(await byTest(page, 'my-list').locator('li').count(), 1);

      // The film page: rate 4.5 stars; the average follows, in the page's language.
      await page.goto(`${server.base}/film.html?id=${firstFilm}&city=kyiv`);
      await byTest(page, 'film-title').waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="star"]').length === 10);
      await page.locator('[data-testid="star"][data-value="4.5"]').click();
      await page.waitForFunction(() => /4\.5/.test(document.querySelector('[data-testid="film-rating"]').textContent));
      assert.match(await byTest(page, 'film-rating').textContent(), /1 rating/);
      await page.selectOption('[data-testid="lang-select"]', 'ua');
      assert.match(await byTest(page, 'film-rating').textContent(), /1 оцінка/);
      await page.selectOption('[data-testid="lang-select"]', 'en');

      // Every Kyiv film on the watchlist; then Lviv is scraped: the films it shares with Kyiv
      // arrive in the home city, and the open page hears of it over the WebSocket.
      const kyiv = (await api('/api/movies?city=kyiv')).json.movies;
      for (const m of kyiv) {
        const r = await inPage(page, 'PUT', `/api/me/watchlist/${m.film_id}`, {});
        assert.equal(r.status, 200, r.text);
      }
      await page.goto(`${server.base}/?city=kyiv`);
      await byTest(page, 'bell').waitFor();
      await page.waitForFunction(() => document.documentElement.dataset.live === 'open', null, { timeout: 30_000 });
      assert.equal(await byTest(page, 'bell-count').isHidden(), true, 'nothing new yet');
      await scrape('lviv');
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="bell-count"]').textContent) > 0, null, { timeout: 60_000 });
      assert.match(await byTest(page, 'notice-live').textContent(), /is now playing in lviv/);
      await byTest(page, 'bell').click();
      await byTest(page, 'notice').first().waitFor();
      await byTest(page, 'mark-read').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="bell-count"]').hidden);
      assert.deepEqual(b.problems, []);
    } finally {
      await b.close();
    }
  });
  test('"for you" changes after the visitor rates films', T, async () => {
    // Two viewers with one taste rate through the API: f0 and f3 good, f1 and f4 bad.
    const kyiv = (await api('/api/movies?city=kyiv')).json.movies;
    const f = [...new Set(kyiv.map((m) => m.film_id))];
    assert.ok(f.length >= 5, `Kyiv plays ${f.length} films`);
    for (const [i, email] of ['taras@example.com', 'oksana@example.com'].entries()) {
      const reg = await api('/api/auth/register', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: 'amber-tram-window-17', display_name: 'Viewer' })
      });
      assert.equal(reg.status, 201, reg.text);
      const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${reg.json.access_token}` };
      for (const [film, rating] of [[f[0], 5], [f[3], 4.5 + i / 2], [f[1], 1], [f[4], 1.5]]) {
        const r = await api(`/api/me/ratings/${film}`, { method: 'PUT', headers, body: JSON.stringify({ rating }) });
        assert.equal(r.status, 200, r.text);
      }
    }
    // The model has their ratings once a build that started after them has finished.
    const builds = async () => {
      const text = await (await fetch(`${server.base}/metrics`)).text();
      const m = /\ncinestream_recommend_model_builds_total (\d+)/.exec(text);
      return m ? Number(m[1]) : -1;
    };
    const rated = await builds();
    await eventually(async () => (await builds()) >= rated + 2, 30_000, 'the model rebuilt with their ratings');

    const b = await launchBrowser({ locale: 'en-US' });
    const { page } = b;
    try {
      await page.goto(`${server.base}/?city=kyiv`);
      const signup = await page.evaluate(async () => {
        const res = await fetch('/api/auth/register', {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: 'olena@example.com', password: 'amber-tram-window-17',
            display_name: 'Olena', home_city: 'kyiv', session: 'cookie' })
        });
        return { status: res.status, text: await res.text() };
      });
      assert.equal(signup.status, 201, signup.text);
      await page.goto(`${server.base}/?city=kyiv`);
      await byTest(page, 'for-you-item').first().waitFor();
      const listed = () => page.evaluate(() => [...document.querySelectorAll('[data-testid="for-you-item"]')]
        .map((li) => Number(li.dataset.filmId)));
      const before = await listed();
      assert.ok(before.includes(f[0]), 'the best-rated film is suggested before she rates it');
      assert.match(await byTest(page, 'for-you').textContent(), /For you/);

      // She rates f0 five stars on its page and f1 one star.
      for (const [film, stars] of [[f[0], '5'], [f[1], '1']]) {
        await page.goto(`${server.base}/film.html?id=${film}&city=kyiv`);
        await page.waitForFunction(() => document.querySelectorAll('[data-testid="star"]').length === 10);
        await page.locator(`[data-testid="star"][data-value="${stars}"]`).click();
        // The page re-renders from the server's answer: her star is then the pressed one.
        await page.waitForFunction((v) => document.querySelector(`[data-testid="star"][data-value="${v}"]`)?.getAttribute('aria-pressed') === 'true', stars);
      }

      // Back on the city: what she rated is gone, f3 (liked by those who liked f0) before f4.
      await page.goto(`${server.base}/?city=kyiv`);
      await page.waitForFunction((rated) => {
        const items = [...document.querySelectorAll('[data-testid="for-you-item"]')];
        return items.length > 0 && items.every((li) => !rated.includes(Number(li.dataset.filmId)));
      }, [f[0], f[1]], { timeout: 30_000 });
      const after = await listed();
      assert.notDeepEqual(after, before);
      const f3 = page.locator(`[data-testid="for-you-item"][data-film-id="${f[3]}"]`);
      await f3.waitFor();
      assert.match(await f3.textContent(), /Because you liked|Liked by viewers|Popular/);
      const f4 = after.indexOf(f[4]);
      if (f4 >= 0) assert.ok(after.indexOf(f[3]) < f4, `f3 before f4 in ${after}`);
      assert.deepEqual(b.problems, []);
    } finally {
      await b.close();
    }
  });
  test('the header search suggests as one types and forgives a typo', T, async () => {
    const kyiv = (await api('/api/movies?city=kyiv')).json.movies;
    const movie = kyiv.find((m) => m.titles && m.titles.en && m.titles.en.length >= 8);
    assert.ok(movie, 'a Kyiv film with an English title');
    const title = movie.titles.en;
    const b = await launchBrowser({ locale: 'en-US' });
    const { page } = b;
    try {
      await page.goto(`${server.base}/?city=kyiv`);
      await byTest(page, 'movie-card').first().waitFor();
      await byTest(page, 'search-input').fill(title.slice(0, 4));
      await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid="search-option"] a')]
        .some((a) => a.href.includes(`id=${id}`)), movie.film_id, { timeout: 30_000 });
      const typo = title.slice(0, 3) + title.slice(4);
      await byTest(page, 'search-input').fill(typo);
      await byTest(page, 'search-input').press('Enter');
      await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid="search-result"]')]
        .slice(0, 5).some((li) => Number(li.dataset.filmId) === id), movie.film_id, { timeout: 30_000 });
      const first = byTest(page, 'search-result').first();
      assert.match(await first.textContent(), /Playing here/);
      assert.deepEqual(b.problems, []);
    } finally {
      await b.close();
    }
  });
});
