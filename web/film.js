'use strict';

// One film of the catalogue (film.html?id=FILM[&city=CITY]): titles, facts and overview in the
// visitor's language, the average rating, the visitor's stars and marks, the cities where it
// plays and its showtimes in the chosen city. Everything but the stars and marks works signed out.
(function () {
  const { LOCALE, HTML_LANG, store, str, make, translate, guessLang } = window.CineCommon;
  const lib = window.CineLibrary || null;

  const I18N = {
    en: {
      skip: 'Skip to content', language: 'Language', account: 'Account', yourRating: 'Your rating',
      whereItPlays: 'Where it plays', notFound: 'No such film.', failed: 'The film could not be loaded.',
      loading: 'Loading…', minutes: '{n} min', noRating: 'No ratings yet',
      rating: { one: '{avg} ★ · {count} rating', other: '{avg} ★ · {count} ratings' },
      stars: '{n} stars', clearRating: 'Remove my rating', notPlaying: 'Not playing anywhere now.',
      showtimesIn: 'Showtimes in {city}', upcoming: { one: '{count} showtime', other: '{count} showtimes' }
    },
    ua: {
      skip: 'Перейти до змісту', language: 'Мова', account: 'Акаунт', yourRating: 'Ваша оцінка',
      whereItPlays: 'Де показують', notFound: 'Такого фільму немає.', failed: 'Не вдалося завантажити фільм.',
      loading: 'Завантаження…', minutes: '{n} хв', noRating: 'Оцінок ще немає',
      rating: { one: '{avg} ★ · {count} оцінка', few: '{avg} ★ · {count} оцінки', many: '{avg} ★ · {count} оцінок', other: '{avg} ★ · {count} оцінки' },
      stars: '{n} зірок', clearRating: 'Прибрати мою оцінку', notPlaying: 'Зараз ніде не показують.',
      showtimesIn: 'Сеанси: {city}', upcoming: { one: '{count} сеанс', few: '{count} сеанси', many: '{count} сеансів', other: '{count} сеансу' }
    },
    ru: {
      skip: 'Перейти к содержимому', language: 'Язык', account: 'Аккаунт', yourRating: 'Ваша оценка',
      whereItPlays: 'Где показывают', notFound: 'Такого фильма нет.', failed: 'Не удалось загрузить фильм.',
      loading: 'Загрузка…', minutes: '{n} мин', noRating: 'Оценок ещё нет',
      rating: { one: '{avg} ★ · {count} оценка', few: '{avg} ★ · {count} оценки', many: '{avg} ★ · {count} оценок', other: '{avg} ★ · {count} оценки' },
      stars: '{n} звёзд', clearRating: 'Убрать мою оценку', notPlaying: 'Сейчас нигде не показывают.',
      showtimesIn: 'Сеансы: {city}', upcoming: { one: '{count} сеанс', few: '{count} сеанса', many: '{count} сеансов', other: '{count} сеанса' }
    }
  };
  const KEY = { en: 'en', ua: 'uk', ru: 'ru' };
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(window.location.search);
  const state = { lang: guessLang(I18N), film: null, city: params.get('city') || store('cs.city') || '' };

  function t(key, vars) { return translate(I18N, state.lang, key, vars); }

  function pick(obj) {
    const o = obj || {};
    return str(o[KEY[state.lang]] || o.en || o.original || o.uk || o.ru);
  }

  function applyStrings() {
    document.documentElement.lang = HTML_LANG[state.lang];
    document.querySelectorAll('[data-i18n]').forEach((n) => { n.textContent = t(n.getAttribute('data-i18n')); });
    $('lang-select').value = state.lang;
    if (lib) lib.relabel();
  }

  function renderStars(film) {
    const box = $('film-stars');
    box.hidden = !(lib && lib.signedIn());
    box.querySelectorAll('button').forEach((b) => b.remove());
    if (box.hidden) return;
    const mine = lib.rating(film.id) || 0;
    for (let half = 1; half <= 10; half += 1) {
      const value = half / 2;
      const b = make('button', 'star' + (value <= mine ? ' on' : '') + (half % 2 ? ' half' : ''), '★');
      b.type = 'button';
      b.dataset.value = String(value);
      b.setAttribute('data-testid', 'star');
      b.setAttribute('aria-pressed', value === mine ? 'true' : 'false');
      b.setAttribute('aria-label', t('stars', { n: new Intl.NumberFormat(LOCALE[state.lang]).format(value) }));
      b.addEventListener('click', async () => {
        if (await lib.rate(film.id, value)) load();
      });
      box.appendChild(b);
    }
    if (mine) {
      const clear = make('button', 'link-button', t('clearRating'));
      clear.type = 'button';
      clear.addEventListener('click', async () => { if (await lib.rate(film.id, null)) load(); });
      box.appendChild(clear);
    }
  }

  function render() {
    const f = state.film;
    if (!f) return;
    $('film').hidden = false;
    $('film-message').textContent = '';
    document.title = 'CineStream: ' + pick(f.title);
    $('film-title').textContent = pick(f.title);
    const orig = str(f.title && f.title.original);
    $('film-original').textContent = orig && orig !== pick(f.title) ? orig : '';
    const facts = [f.year, f.runtime_minutes ? t('minutes', { n: f.runtime_minutes }) : '',
      (f.genres || []).join(', '), f.age_rating].filter(Boolean);
    $('film-facts').textContent = facts.join(' · ');
    $('film-overview').textContent = pick(f.overview);
    const r = f.rating || {};
    $('film-rating').textContent = r.count > 0
      ? t('rating', { avg: new Intl.NumberFormat(LOCALE[state.lang]).format(r.average), count: r.count })
      : t('noRating');
    const poster = $('film-poster');
    poster.replaceChildren();
    if (typeof f.poster === 'string' && (/^\/(?!\/)/.test(f.poster) || /^https:\/\//.test(f.poster))) {
      const img = document.createElement('img');
      img.className = 'poster';
      img.src = f.poster;
      img.alt = '';
      img.width = 112;
      img.height = 168;
      poster.appendChild(img);
    }
    renderStars(f);
    const actions = $('film-actions');
    actions.replaceChildren();
    if (lib) ['watchlist', 'seen', 'hidden'].forEach((k) => actions.appendChild(lib.toggleButton(k, f.id)));
    const cities = $('film-cities');
    cities.replaceChildren();
    (f.playing || []).forEach((p) => {
      const li = make('li');
      const a = make('a', null, str(p.city));
      a.href = '/film.html?id=' + f.id + '&city=' + encodeURIComponent(p.city);
      li.appendChild(a);
      li.appendChild(make('span', 'hint', ' · ' + t('upcoming', { count: p.upcoming_showtimes || 0 })));
      cities.appendChild(li);
    });
    if (!cities.children.length) cities.appendChild(make('li', 'hint', t('notPlaying')));
    const shows = $('film-showtimes');
    shows.replaceChildren();
    if (f.city && Array.isArray(f.theaters) && f.theaters.length) {
      shows.appendChild(make('h2', null, t('showtimesIn', { city: f.city })));
      const fmt = new Intl.DateTimeFormat(LOCALE[state.lang], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
      f.theaters.forEach((th) => {
        const sec = make('section', 'venue');
        sec.appendChild(make('h3', 'venue-name', str(th.name)));
        if (th.address) sec.appendChild(make('p', 'venue-address', str(th.address)));
        const ul = make('ul', 'times');
        (th.showtimes || []).forEach((s) => {
          const li = make('li', 'st');
          const when = new Date(s.start);
          li.appendChild(make('time', 'st-time', Number.isNaN(when.getTime()) ? str(s.start) : fmt.format(when)));
          const meta = [s.format, s.language, s.hall].filter(Boolean).join(' · ');
          if (meta) li.appendChild(make('span', 'st-meta', meta));
          ul.appendChild(li);
        });
        sec.appendChild(ul);
        shows.appendChild(sec);
      });
    }
  }

  async function load() {
    const id = Number.parseInt(params.get('id') || '', 10);
    if (!Number.isInteger(id) || id <= 0) { $('film-message').textContent = t('notFound'); return; }
    const url = '/api/catalog/movies/' + id + (state.city ? '?city=' + encodeURIComponent(state.city) : '');
    try {
      let res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
      if (res.status === 400 && state.city) { // a city this site no longer serves
        state.city = '';
        res = await fetch('/api/catalog/movies/' + id, { headers: { Accept: 'application/json' } });
      }
      if (res.status === 404) { $('film-message').textContent = t('notFound'); return; }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      state.film = (await res.json()).movie;
      render();
    } catch (e) {
      $('film-message').textContent = t('failed');
    } finally {
      document.documentElement.dataset.ready = 'true';
    }
  }

  function init() {
    applyStrings();
    $('film-message').textContent = t('loading');
    $('lang-select').addEventListener('change', (e) => {
      if (!I18N[e.target.value]) return;
      state.lang = e.target.value;
      store('cs.lang', state.lang);
      applyStrings();
      render();
    });
    const ready = lib
      ? lib.init({ lang: () => state.lang, bellHost: document.querySelector('.header-tools'), onChange: render })
      : Promise.resolve();
    ready.finally(load);
  }

  init();
})();
