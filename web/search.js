'use strict';

// The film search box in the header of the showtimes page: suggestions as the visitor types
// (GET /api/search/suggest), and on Enter the films for the query in any language or script,
// those playing in the chosen city first (GET /api/search). Loaded after common.js; the page
// tells it the language and the city through window.CineSearch.
window.CineSearch = (function () {
  const { translate, make, str } = window.CineCommon;

  const I18N = {
    en: { label: 'Search films', placeholder: 'Film title, any language', results: 'Films for “{q}”',
      none: 'No films match “{q}”.', playing: 'Playing here', close: 'Close', tooShort: 'Type a film title.' },
    ua: { label: 'Пошук фільмів', placeholder: 'Назва фільму будь-якою мовою', results: 'Фільми за запитом «{q}»',
      none: 'Немає фільмів за запитом «{q}».', playing: 'Тут у кіно', close: 'Закрити', tooShort: 'Введіть назву фільму.' },
    ru: { label: 'Поиск фильмов', placeholder: 'Название фильма на любом языке', results: 'Фильмы по запросу «{q}»',
      none: 'Нет фильмов по запросу «{q}».', playing: 'Здесь в кино', close: 'Закрыть', tooShort: 'Введите название фильма.' }
  };
  const TITLE_KEY = { en: 'en', ua: 'uk', ru: 'ru' };
  const state = { lang: () => 'en', city: () => null, timer: 0, asked: 0, input: null, options: null, panel: null };

  function t(key, vars) { return translate(I18N, state.lang(), key, vars); }

  function titleOf(f) {
    const title = f.title || {};
    return str(title[TITLE_KEY[state.lang()]]) || str(title.en) || str(title.original) ||
      str(title.uk) || str(title.ru);
  }

  function filmHref(f) {
    const city = state.city();
    return '/film.html?id=' + f.film_id + (city ? '&city=' + encodeURIComponent(city) : '');
  }

  async function getJSON(url) {
    const res = await fetch(url, { credentials: 'same-origin' });
    const doc = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error('status ' + res.status), { doc });
    return doc;
  }

  function closeOptions() {
    state.options.hidden = true;
    state.options.textContent = '';
    state.input.setAttribute('aria-expanded', 'false');
  }

  async function suggest() {
    const q = state.input.value.trim();
    const mine = ++state.asked;
    if (q.length < 2) { closeOptions(); return; }
    try {
      const doc = await getJSON('/api/search/suggest?q=' + encodeURIComponent(q));
      if (mine !== state.asked) return;
      state.options.textContent = '';
      (doc.suggestions || []).forEach((f, i) => {
        const li = make('li', 'search-option');
        li.id = 'search-option-' + i;
        li.setAttribute('role', 'option');
        li.dataset.testid = 'search-option';
        const a = make('a', null, titleOf(f) + (f.year ? ' (' + f.year + ')' : ''));
        a.href = filmHref(f);
        li.appendChild(a);
        state.options.appendChild(li);
      });
      const any = state.options.children.length > 0;
      state.options.hidden = !any;
      state.input.setAttribute('aria-expanded', any ? 'true' : 'false');
    } catch (e) {
      if (mine === state.asked) closeOptions();
    }
  }

  async function run(q) {
    closeOptions();
    const panel = state.panel;
    panel.textContent = '';
    panel.hidden = false;
    const close = make('button', 'link-button search-close', t('close'));
    close.type = 'button';
    close.addEventListener('click', () => { panel.hidden = true; state.input.focus(); });
    const p = new URLSearchParams({ q });
    if (state.city()) p.set('city', state.city());
    try {
      const doc = await getJSON('/api/search?' + p.toString());
      const list = doc.results || [];
      panel.appendChild(make('h2', 'search-title', t(list.length ? 'results' : 'none', { q })));
      panel.appendChild(close);
      const ol = make('ol', 'search-results-list');
      list.forEach((f) => {
        const li = make('li', 'search-result');
        li.dataset.testid = 'search-result';
        li.dataset.filmId = String(f.film_id);
        const a = make('a', null, titleOf(f) + (f.year ? ' (' + f.year + ')' : ''));
        a.href = filmHref(f);
        li.appendChild(a);
        if (f.playing_in_city) li.appendChild(make('span', 'badge', t('playing')));
        ol.appendChild(li);
      });
      panel.appendChild(ol);
    } catch (e) {
      const code = e.doc && e.doc.error ? e.doc.error.message : '';
      panel.appendChild(make('p', 'alert', code || t('tooShort')));
      panel.appendChild(close);
    }
  }

  function relabel() {
    if (!state.input) return;
    state.input.placeholder = t('placeholder');
    state.input.setAttribute('aria-label', t('label'));
  }

  // opts: form, input, options (the listbox), panel (where results go); lang() and city() give
  // the page's language and chosen city id.
  function init(opts) {
    state.lang = opts.lang || state.lang;
    state.city = opts.city || state.city;
    state.input = opts.input;
    state.options = opts.options;
    state.panel = opts.panel;
    relabel();
    state.input.addEventListener('input', () => {
      clearTimeout(state.timer);
      state.timer = setTimeout(suggest, 150);
    });
    state.input.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeOptions(); });
    opts.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const q = state.input.value.trim();
      if (q) run(q);
    });
  }

  return { init, relabel };
})();
