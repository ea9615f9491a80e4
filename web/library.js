'use strict';

// The signed-in visitor's library on the showtimes page (index.html) and the film page
// (film.html): watchlist and seen toggles on every film card, "hide what I have seen", "my list",
// and the notification bell with live notices over a WebSocket. Loaded after common.js and before
// the page's own script, which calls in through window.CineLibrary. A visitor without an account
// sees the toggles too; using one leads to the sign-in page.
window.CineLibrary = (function () {
  const { translate, make, str, cookie, withCsrf, store } = window.CineCommon;

  const I18N = {
    en: {
      watchlist: 'Want to see', inWatchlist: 'On my list', seen: 'Seen', notSeen: 'Mark as seen',
      hidden: 'Hide', details: 'About the film', hideSeen: 'Hide what I have seen',
      myList: 'My list', myListEmpty: 'Your list is empty: add films with "Want to see".',
      bell: 'Notifications', bellCount: { one: '{count} new notice', other: '{count} new notices' },
      noNotices: 'No notices yet.', markRead: 'Mark all as read',
      nowPlaying: '{title} is now playing in {city}', signInFirst: 'Sign in to keep your list.',
      close: 'Close', failed: 'That did not work. Try again.'
    },
    ua: {
      watchlist: 'Хочу подивитися', inWatchlist: 'У моєму списку', seen: 'Переглянуто', notSeen: 'Позначити переглянутим',
      hidden: 'Приховати', details: 'Про фільм', hideSeen: 'Приховати переглянуте',
      myList: 'Мій список', myListEmpty: 'Ваш список порожній: додавайте фільми кнопкою «Хочу подивитися».',
      bell: 'Сповіщення',
      bellCount: { one: '{count} нове сповіщення', few: '{count} нові сповіщення', many: '{count} нових сповіщень', other: '{count} нового сповіщення' },
      noNotices: 'Сповіщень поки немає.', markRead: 'Позначити все прочитаним',
      nowPlaying: '«{title}» вже у кіно: {city}', signInFirst: 'Увійдіть, щоб вести свій список.',
      close: 'Закрити', failed: 'Не вдалося. Спробуйте ще раз.'
    },
    ru: {
      watchlist: 'Хочу посмотреть', inWatchlist: 'В моём списке', seen: 'Просмотрено', notSeen: 'Отметить просмотренным',
      hidden: 'Скрыть', details: 'О фильме', hideSeen: 'Скрыть просмотренное',
      myList: 'Мой список', myListEmpty: 'Ваш список пуст: добавляйте фильмы кнопкой «Хочу посмотреть».',
      bell: 'Уведомления',
      bellCount: { one: '{count} новое уведомление', few: '{count} новых уведомления', many: '{count} новых уведомлений', other: '{count} нового уведомления' },
      noNotices: 'Уведомлений пока нет.', markRead: 'Отметить всё прочитанным',
      nowPlaying: '«{title}» уже в кино: {city}', signInFirst: 'Войдите, чтобы вести свой список.',
      close: 'Закрыть', failed: 'Не получилось. Попробуйте ещё раз.'
    }
  };
  const TITLE_KEY = { en: 'en', ua: 'uk', ru: 'ru' };

  const state = {
    lang: () => 'en',
    onChange: () => {},
    signedIn: false,
    watchlist: new Set(),
    seen: new Set(),
    hidden: new Set(),
    ratings: new Map(), // film id -> 0.5..5
    hideSeen: store('cs.hideSeen') === '1',
    notices: [],
    unread: 0,
    socket: null,
    socketRetry: 1000,
    lastNotice: '',
    bell: null,
    panel: null
  };

  function t(key, vars) { return translate(I18N, state.lang(), key, vars); }

  async function send(method, url, body) {
    const headers = withCsrf({ Accept: 'application/json' });
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(url, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      const err = new Error((data && data.error && data.error.message) || 'HTTP ' + res.status);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  // ------------------------------------------------------------------ the library
  async function load() {
    if (!cookie('cs_csrf')) return;
    try {
      const lib = await send('GET', '/api/me/library');
      state.signedIn = true;
      state.watchlist = new Set((lib.watchlist || []).map((m) => m.film_id));
      state.seen = new Set((lib.seen || []).map((m) => m.film_id));
      state.hidden = new Set((lib.hidden || []).map((m) => m.film_id));
      state.ratings = new Map((lib.ratings || []).map((r) => [r.film_id, r.rating]));
    } catch (e) {
      state.signedIn = false; // signed out, or the library is away: the page works without it
    }
  }

  function setOf(kind) {
    return kind === 'watchlist' ? state.watchlist : kind === 'seen' ? state.seen : state.hidden;
  }

  function has(kind, filmId) { return setOf(kind).has(filmId); }

  // Adds or removes a mark; the buttons follow the answer, not the wish.
  async function toggle(kind, filmId) {
    if (!state.signedIn) {
      window.location.href = '/account.html?next=' + encodeURIComponent(window.location.pathname + window.location.search);
      return;
    }
    const on = !has(kind, filmId);
    try {
      await send(on ? 'PUT' : 'DELETE', '/api/me/' + kind + '/' + filmId, on ? {} : undefined);
      if (on) setOf(kind).add(filmId);
      else setOf(kind).delete(filmId);
    } catch (e) {
      if (e.status === 401) state.signedIn = false;
      window.alert(t('failed'));
    }
    refreshButtons();
    state.onChange();
  }

  async function rate(filmId, rating) {
    if (!state.signedIn) { toggle('watchlist', filmId); return null; }
    try {
      if (rating === null) await send('DELETE', '/api/me/ratings/' + filmId);
      else await send('PUT', '/api/me/ratings/' + filmId, { rating });
      if (rating === null) state.ratings.delete(filmId);
      else state.ratings.set(filmId, rating);
      return true;
    } catch (e) {
      window.alert(t('failed'));
      return false;
    }
  }

  function toggleButton(kind, filmId) {
    const b = make('button', 'lib-toggle lib-' + kind);
    b.type = 'button';
    b.dataset.kind = kind;
    b.dataset.filmId = String(filmId);
    b.setAttribute('data-testid', kind + '-toggle');
    b.addEventListener('click', () => toggle(kind, filmId));
    paint(b);
    return b;
  }

  function paint(b) {
    const kind = b.dataset.kind;
    const on = has(kind, Number(b.dataset.filmId));
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.textContent = kind === 'watchlist' ? t(on ? 'inWatchlist' : 'watchlist')
      : kind === 'seen' ? t(on ? 'seen' : 'notSeen') : t('hidden');
  }

  function refreshButtons() {
    document.querySelectorAll('.lib-toggle').forEach(paint);
  }

  // The toggles and the film page's link on a city movie's card (app.js calls it per card).
  function decorateCard(card, movie, cityId) {
    const filmId = Number(movie && movie.film_id);
    if (!Number.isInteger(filmId) || filmId <= 0) return; // not in the catalogue yet
    card.dataset.filmId = String(filmId);
    const bar = make('div', 'lib-actions');
    const link = make('a', 'lib-details', t('details'));
    link.href = '/film.html?id=' + filmId + (cityId ? '&city=' + encodeURIComponent(cityId) : '');
    link.setAttribute('data-testid', 'film-link');
    link.addEventListener('click', () => noteOpened(filmId));
    bar.appendChild(link);
    bar.appendChild(toggleButton('watchlist', filmId));
    bar.appendChild(toggleButton('seen', filmId));
    (card.querySelector('.card-body') || card).appendChild(bar);
  }

  // Whether "hide what I have seen" takes this movie off the page.
  function hides(movie) {
    const filmId = Number(movie && movie.film_id);
    if (!state.hideSeen || !filmId) return false;
    return state.seen.has(filmId) || state.hidden.has(filmId);
  }

  function hideSeenControl() {
    const label = make('label', 'filter lib-hide-seen');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.id = 'hide-seen';
    box.checked = state.hideSeen;
    box.setAttribute('data-testid', 'hide-seen');
    box.addEventListener('change', () => {
      state.hideSeen = box.checked;
      store('cs.hideSeen', box.checked ? '1' : null);
      state.onChange();
    });
    label.appendChild(box);
    label.appendChild(make('span', null, t('hideSeen')));
    label.dataset.i18nLib = 'hideSeen';
    return label;
  }

  function noteOpened(filmId) {
    if (!state.signedIn) return;
    // keepalive: the note survives the navigation it came with.
    fetch('/api/me/activity', {
      method: 'POST', keepalive: true, credentials: 'same-origin',
      headers: withCsrf({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ kind: 'opened_showtimes', film_id: filmId })
    }).catch(() => {});
  }

  // ------------------------------------------------------------------ my list
  function titleOf(film) {
    const titles = film.title || film.titles || {};
    return str(titles[TITLE_KEY[state.lang()]] || titles.en || titles.original || titles.uk || titles.ru);
  }

  async function renderMyList(panel) {
    panel.replaceChildren(make('h2', null, t('myList')));
    const ids = Array.from(state.watchlist).slice(0, 50);
    if (!ids.length) { panel.appendChild(make('p', 'empty', t('myListEmpty'))); return; }
    const ul = make('ul', 'my-list');
    ul.setAttribute('data-testid', 'my-list');
    panel.appendChild(ul);
    const films = await Promise.all(ids.map((id) => send('GET', '/api/catalog/movies/' + id).then((d) => d.movie).catch(() => null)));
    films.filter(Boolean).forEach((f) => {
      const li = make('li');
      const a = make('a', null, titleOf(f));
      a.href = '/film.html?id=' + f.id;
      li.appendChild(a);
      if (Array.isArray(f.playing) && f.playing.length) {
        li.appendChild(make('span', 'hint', ' · ' + f.playing.map((p) => p.city).join(', ')));
      }
      ul.appendChild(li);
    });
  }

  // ------------------------------------------------------------------ notifications
  function noticeText(n) {
    return t('nowPlaying', { title: titleOf(n), city: str(n.city) });
  }

  function renderBell() {
    if (!state.bell) return;
    state.bell.hidden = !state.signedIn;
    const count = state.bell.querySelector('.bell-count');
    count.textContent = state.unread > 0 ? String(state.unread) : '';
    count.hidden = state.unread === 0;
    state.bell.setAttribute('aria-label', state.unread > 0 ? t('bellCount', { count: state.unread }) : t('bell'));
  }

  function renderPanel() {
    const panel = state.panel;
    if (!panel || panel.hidden) return;
    panel.replaceChildren();
    const head = make('div', 'panel-head');
    head.appendChild(make('h2', null, t('bell')));
    const read = make('button', 'link-button', t('markRead'));
    read.type = 'button';
    read.setAttribute('data-testid', 'mark-read');
    read.addEventListener('click', markAllRead);
    head.appendChild(read);
    panel.appendChild(head);
    if (!state.notices.length) { panel.appendChild(make('p', 'empty', t('noNotices'))); return; }
    const ul = make('ul', 'notices');
    state.notices.forEach((n) => {
      const li = make('li', n.read ? 'notice read' : 'notice');
      li.setAttribute('data-testid', 'notice');
      const a = make('a', null, noticeText(n));
      a.href = '/film.html?id=' + n.film_id + '&city=' + encodeURIComponent(str(n.city));
      li.appendChild(a);
      ul.appendChild(li);
    });
    panel.appendChild(ul);
  }

  async function loadNotices() {
    try {
      const doc = await send('GET', '/api/me/notifications?limit=20');
      state.notices = Array.isArray(doc.notifications) ? doc.notifications : [];
      state.unread = typeof doc.unread === 'number' ? doc.unread : state.notices.filter((n) => !n.read).length;
    } catch (e) { /* the bell stays as it was */ }
    renderBell();
    renderPanel();
  }

  async function markAllRead() {
    try {
      await send('POST', '/api/me/notifications/read', { all: true });
      state.notices.forEach((n) => { n.read = true; });
      state.unread = 0;
    } catch (e) { window.alert(t('failed')); }
    renderBell();
    renderPanel();
  }

  function onNotice(n) {
    if (!n || !n.id || state.notices.some((x) => x.id === n.id)) return;
    state.notices.unshift(n);
    state.notices = state.notices.slice(0, 50);
    if (!n.read) state.unread += 1;
    renderBell();
    renderPanel();
    const live = document.getElementById('notice-live');
    if (live) live.textContent = noticeText(n);
  }

  // Live notices: the session cookie authenticates the socket; a lost one comes back with backoff
  // and catches up on what it missed through the list.
  function connect() {
    if (!state.signedIn || state.socket || typeof WebSocket !== 'function') return;
    const scheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
    let ws;
    try { ws = new WebSocket(scheme + window.location.host + '/api/me/notifications/live'); } catch (e) { return; }
    state.socket = ws;
    ws.addEventListener('open', () => { state.socketRetry = 1000; document.documentElement.dataset.live = 'open'; });
    ws.addEventListener('message', (ev) => {
      let msg = null;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg && msg.type === 'notice') onNotice(msg.notice);
    });
    ws.addEventListener('close', (ev) => {
      state.socket = null;
      document.documentElement.dataset.live = 'closed';
      if (ev.code === 1008 || ev.code === 4401) { state.signedIn = false; renderBell(); return; }
      const wait = state.socketRetry;
      state.socketRetry = Math.min(state.socketRetry * 2, 60000);
      setTimeout(() => { loadNotices(); connect(); }, wait + Math.random() * 500);
    });
  }

  function mountBell(host) {
    if (!host) return;
    const bell = make('button', 'bell');
    bell.type = 'button';
    bell.id = 'bell';
    bell.setAttribute('data-testid', 'bell');
    bell.setAttribute('aria-haspopup', 'true');
    bell.setAttribute('aria-expanded', 'false');
    const icon = make('span', 'bell-icon', '🔔');
    icon.setAttribute('aria-hidden', 'true');
    bell.appendChild(icon);
    const count = make('span', 'bell-count');
    count.setAttribute('data-testid', 'bell-count');
    bell.appendChild(count);
    const panel = make('div', 'bell-panel');
    panel.id = 'bell-panel';
    panel.hidden = true;
    panel.setAttribute('data-testid', 'bell-panel');
    bell.setAttribute('aria-controls', panel.id);
    bell.addEventListener('click', () => {
      panel.hidden = !panel.hidden;
      bell.setAttribute('aria-expanded', panel.hidden ? 'false' : 'true');
      if (!panel.hidden) loadNotices();
    });
    const live = make('p', 'sr-only');
    live.id = 'notice-live';
    live.setAttribute('role', 'status');
    live.setAttribute('aria-live', 'polite');
    live.setAttribute('data-testid', 'notice-live');
    host.appendChild(bell);
    host.appendChild(panel);
    host.appendChild(live);
    state.bell = bell;
    state.panel = panel;
    renderBell();
  }

  // ------------------------------------------------------------------ start
  // opts: lang() gives the page's language; onChange() re-renders what depends on the library;
  // bellHost is where the bell goes (the header's tools).
  async function init(opts) {
    state.lang = opts.lang || state.lang;
    state.onChange = opts.onChange || state.onChange;
    mountBell(opts.bellHost);
    await load();
    renderBell();
    if (state.signedIn) {
      loadNotices();
      connect();
    }
    state.onChange();
  }

  // The page changed language: the library's own strings follow.
  function relabel() {
    refreshButtons();
    renderBell();
    renderPanel();
    document.querySelectorAll('[data-i18n-lib]').forEach((node) => {
      const span = node.querySelector('span');
      if (span) span.textContent = t(node.dataset.i18nLib);
    });
  }

  return {
    init, decorateCard, hides, hideSeenControl, relabel, toggleButton, rate, renderMyList,
    signedIn: () => state.signedIn, rating: (id) => state.ratings.get(id), t
  };
})();
