'use strict';

// CineStream first page. All API text is rendered with textContent only.
(function () {
  const I18N = {
    en: {
      language: 'Language', city: 'City', cityPlaceholder: 'Search for a city',
      date: 'Date', nearMe: 'Near me', loading: 'Loading…',
      empty: 'No showtimes for this day yet',
      processing: 'Showtimes for this city are being updated. Please check back soon.',
      error: 'Something went wrong. Please try again.',
      demo: 'Demo data: showtimes are simulated', visitors: 'visitors',
      time: 'Time', cinema: 'Cinema', format: 'Format', lang: 'Language', hall: 'Hall',
      unknownCity: 'City not found. Pick one from the list.',
      chooseCity: 'Choose a city to see showtimes.',
      locating: 'Finding your location…',
      geoDenied: 'Location access was denied. Please choose a city from the list.',
      geoFailed: 'Could not determine your location. Please choose a city from the list.',
      geoUnsupported: 'Your browser does not support geolocation.'
    },
    ua: {
      language: 'Мова', city: 'Місто', cityPlaceholder: 'Пошук міста',
      date: 'Дата', nearMe: 'Поруч зі мною', loading: 'Завантаження…',
      empty: 'На цей день сеансів поки немає',
      processing: 'Розклад для цього міста оновлюється. Зазирніть трохи згодом.',
      error: 'Щось пішло не так. Спробуйте ще раз.',
      demo: 'Демо-дані: сеанси змодельовані', visitors: 'відвідувачів',
      time: 'Час', cinema: 'Кінотеатр', format: 'Формат', lang: 'Мова', hall: 'Зал',
      unknownCity: 'Місто не знайдено. Оберіть його зі списку.',
      chooseCity: 'Оберіть місто, щоб побачити сеанси.',
      locating: 'Визначаємо ваше місцезнаходження…',
      geoDenied: 'Доступ до геолокації заборонено. Оберіть місто зі списку.',
      geoFailed: 'Не вдалося визначити місцезнаходження. Оберіть місто зі списку.',
      geoUnsupported: 'Ваш браузер не підтримує геолокацію.'
    },
    ru: {
      language: 'Язык', city: 'Город', cityPlaceholder: 'Поиск города',
      date: 'Дата', nearMe: 'Рядом со мной', loading: 'Загрузка…',
      empty: 'На этот день сеансов пока нет',
      processing: 'Расписание для этого города обновляется. Загляните чуть позже.',
      error: 'Что-то пошло не так. Попробуйте ещё раз.',
      demo: 'Демо-данные: сеансы смоделированы', visitors: 'посетителей',
      time: 'Время', cinema: 'Кинотеатр', format: 'Формат', lang: 'Язык', hall: 'Зал',
      unknownCity: 'Город не найден. Выберите его из списка.',
      chooseCity: 'Выберите город, чтобы увидеть сеансы.',
      locating: 'Определяем ваше местоположение…',
      geoDenied: 'Доступ к геолокации запрещён. Выберите город из списка.',
      geoFailed: 'Не удалось определить местоположение. Выберите город из списка.',
      geoUnsupported: 'Ваш браузер не поддерживает геолокацию.'
    }
  };
  const HTML_LANG = { en: 'en', ua: 'uk', ru: 'ru' };

  const $ = (id) => document.getElementById(id);
  const el = {
    lang: $('lang'), city: $('city'), cityList: $('city-list'), date: $('date'),
    nearMe: $('near-me'), form: $('controls'), showtimes: $('showtimes'),
    status: $('status'), visitors: $('visitors'), demo: $('demo-notice')
  };

  const state = { lang: 'en', cityId: null, locations: [], visitors: null, last: null };
  const controllers = {};

  // ---------- helpers ----------
  function store(key, value) {
    try {
      if (value === undefined) return localStorage.getItem(key);
      localStorage.setItem(key, value);
    } catch (e) { /* storage unavailable */ }
    return null;
  }

  function t(key) { return (I18N[state.lang] || I18N.en)[key] || I18N.en[key] || key; }

  function initialLang() {
    const saved = store('lang');
    if (saved && I18N[saved]) return saved;
    const nav = (navigator.language || '').toLowerCase();
    if (nav.startsWith('uk')) return 'ua';
    if (nav.startsWith('ru')) return 'ru';
    return 'en';
  }

  function pad(n) { return String(n).padStart(2, '0'); }
  function todayLocal() {
    const d = new Date();
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
  }

  function isHttpUrl(url) { return typeof url === 'string' && /^https?:\/\//i.test(url); }
  function isSafePoster(url) {
    return typeof url === 'string' && (/^\/(?!\/)/.test(url) || isHttpUrl(url));
  }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function setStatus(text, kind) {
    el.status.textContent = text || '';
    el.status.className = 'status' + (kind ? ' ' + kind : '');
  }

  // fetch JSON; one AbortController per channel so a slow older request
  // never overwrites the result of a newer one.
  async function getJSON(channel, url) {
    if (controllers[channel]) controllers[channel].abort();
    const ctrl = new AbortController();
    controllers[channel] = ctrl;
    try {
      const res = await fetch(url, { signal: ctrl.signal, headers: { Accept: 'application/json' } });
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      if (!res.ok || !data) {
        const msg = data && data.error && data.error.message;
        const err = new Error(msg || t('error'));
        err.code = data && data.error && data.error.code;
        throw err;
      }
      return data;
    } finally {
      if (controllers[channel] === ctrl) delete controllers[channel];
    }
  }

  function isAbort(err) { return err && err.name === 'AbortError'; }

  // ---------- static UI ----------
  function applyStrings() {
    document.documentElement.lang = HTML_LANG[state.lang] || 'en';
    document.querySelectorAll('[data-i18n]').forEach((node) => {
      node.textContent = t(node.getAttribute('data-i18n'));
    });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((node) => {
      node.placeholder = t(node.getAttribute('data-i18n-placeholder'));
    });
    el.demo.textContent = t('demo');
    renderVisitors();
  }

  function renderVisitors() {
    if (state.visitors === null) { el.visitors.textContent = ''; return; }
    const n = new Intl.NumberFormat(HTML_LANG[state.lang]).format(state.visitors);
    el.visitors.textContent = n + ' ' + t('visitors');
  }

  async function loadStats() {
    try {
      const data = await getJSON('stats', '/api/stats');
      if (typeof data.visitors === 'number') {
        state.visitors = data.visitors;
        renderVisitors();
      }
    } catch (e) { /* counter is optional */ }
  }

  // ---------- cities ----------
  function cityName(loc) {
    return (loc.names && loc.names[state.lang]) || loc.name || loc.id;
  }

  function findCity(text) {
    const q = text.trim().toLowerCase();
    if (!q) return null;
    const matches = (loc) => {
      const names = [loc.id, loc.name, cityName(loc)];
      if (loc.names) names.push(...Object.values(loc.names));
      return names.some((n) => typeof n === 'string' && n.toLowerCase() === q);
    };
    return state.locations.find(matches) || null;
  }

  function renderCityList() {
    const frag = document.createDocumentFragment();
    state.locations.forEach((loc) => {
      const opt = document.createElement('option');
      opt.value = cityName(loc);
      if (loc.country) opt.label = loc.country;
      frag.appendChild(opt);
    });
    el.cityList.replaceChildren(frag);
    const current = state.locations.find((l) => l.id === state.cityId);
    if (current) el.city.value = cityName(current);
  }

  async function loadLocations() {
    const data = await getJSON('locations', '/api/locations?lang=' + encodeURIComponent(state.lang));
    state.locations = Array.isArray(data.locations) ? data.locations : [];
    if (!state.locations.some((l) => l.id === state.cityId)) {
      state.cityId = state.locations.length ? state.locations[0].id : null;
    }
    renderCityList();
  }

  function selectCity(loc) {
    state.cityId = loc.id;
    store('city', loc.id);
    el.city.value = cityName(loc);
    if (!state.locations.some((l) => l.id === loc.id)) {
      state.locations.push(loc);
      renderCityList();
    }
  }

  // ---------- showtimes ----------
  function groupByMovie(list) {
    const groups = new Map();
    list.forEach((s) => {
      const key = s.movie_id !== undefined && s.movie_id !== null ? 'id:' + s.movie_id : 't:' + s.movie;
      if (!groups.has(key)) groups.set(key, { title: s.movie, poster: '', rows: [] });
      const g = groups.get(key);
      if (!g.poster && isSafePoster(s.poster)) g.poster = s.poster;
      g.rows.push(s);
    });
    return Array.from(groups.values());
  }

  function cell(row, labelKey, content) {
    const td = make('td');
    td.setAttribute('data-label', t(labelKey));
    if (content instanceof Node) td.appendChild(content);
    else td.textContent = content === undefined || content === null ? '' : String(content);
    row.appendChild(td);
  }

  function renderMovie(group, index) {
    const section = make('section', 'movie');
    const headingId = 'movie-' + index;
    section.setAttribute('aria-labelledby', headingId);

    if (isSafePoster(group.poster)) {
      const img = document.createElement('img');
      img.className = 'poster';
      img.loading = 'lazy';
      img.alt = group.title || '';
      img.width = 96;
      img.height = 144;
      img.src = group.poster;
      section.appendChild(img);
    }

    const body = make('div', 'movie-body');
    const h2 = make('h2', 'movie-title', group.title);
    h2.id = headingId;
    body.appendChild(h2);

    const table = make('table', 'sessions');
    const thead = make('thead');
    const hr = make('tr');
    ['time', 'cinema', 'format', 'lang', 'hall'].forEach((k) => {
      const th = make('th', null, t(k));
      th.scope = 'col';
      hr.appendChild(th);
    });
    thead.appendChild(hr);
    table.appendChild(thead);

    const tbody = make('tbody');
    const now = Date.now();
    group.rows.forEach((s) => {
      const tr = make('tr');
      const start = typeof s.start_time === 'string' ? s.start_time : '';
      const startMs = Date.parse(start);
      if (!Number.isNaN(startMs) && startMs < now) tr.className = 'past';

      const time = make('time', null, start.slice(11, 16));
      if (start) time.dateTime = start;
      cell(tr, 'time', time);

      let cinema;
      if (isHttpUrl(s.website)) {
        cinema = make('a', null, s.theater);
        cinema.href = s.website;
        cinema.target = '_blank';
        cinema.rel = 'noopener noreferrer';
      } else {
        cinema = make('span', null, s.theater);
      }
      const wrap = make('div');
      wrap.appendChild(cinema);
      if (s.address) wrap.appendChild(make('div', 'address', s.address));
      cell(tr, 'cinema', wrap);
      cell(tr, 'format', s.format);
      cell(tr, 'lang', s.language);
      cell(tr, 'hall', s.hall);
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    body.appendChild(table);
    section.appendChild(body);
    return section;
  }

  function renderShowtimes(data) {
    state.last = data;
    el.demo.hidden = !data.demo;
    const list = Array.isArray(data.showtimes) ? data.showtimes : [];
    const frag = document.createDocumentFragment();
    groupByMovie(list).forEach((g, i) => frag.appendChild(renderMovie(g, i)));
    el.showtimes.replaceChildren(frag);
    el.showtimes.setAttribute('aria-busy', 'false');

    if (list.length) {
      setStatus('');
    } else {
      const loc = state.locations.find((l) => l.id === state.cityId);
      setStatus(loc && loc.status === 'processing' ? t('processing') : t('empty'), 'empty');
    }
  }

  async function loadShowtimes() {
    if (!state.cityId) {
      el.showtimes.replaceChildren();
      el.demo.hidden = true;
      setStatus(t('chooseCity'));
      return;
    }
    const params = new URLSearchParams({ city: state.cityId, lang: state.lang });
    if (el.date.value) params.set('date', el.date.value);
    setStatus(t('loading'), 'loading');
    el.showtimes.setAttribute('aria-busy', 'true');
    try {
      const data = await getJSON('showtimes', '/api/showtimes?' + params.toString());
      renderShowtimes(data);
    } catch (err) {
      if (isAbort(err)) return;
      el.showtimes.replaceChildren();
      el.showtimes.setAttribute('aria-busy', 'false');
      el.demo.hidden = true;
      setStatus(err.message || t('error'), 'error');
    }
  }

  // ---------- events ----------
  async function changeLang() {
    const lang = I18N[el.lang.value] ? el.lang.value : 'en';
    state.lang = lang;
    store('lang', lang);
    applyStrings();
    if (state.last) renderShowtimes(state.last); // instant relabel while refetching
    await refresh();
  }

  async function refresh() {
    try {
      await loadLocations();
    } catch (err) {
      if (isAbort(err)) return;
      setStatus(err.message || t('error'), 'error');
      if (!state.cityId) return;
    }
    await loadShowtimes();
  }

  function onCityChange() {
    const loc = findCity(el.city.value);
    if (!loc) {
      if (el.city.value.trim()) setStatus(t('unknownCity'), 'error');
      return;
    }
    if (loc.id === state.cityId) {
      el.city.value = cityName(loc);
      return;
    }
    selectCity(loc);
    loadShowtimes();
  }

  function nearMe() {
    if (!('geolocation' in navigator)) {
      setStatus(t('geoUnsupported'), 'error');
      return;
    }
    setStatus(t('locating'), 'loading');
    el.nearMe.disabled = true;
    navigator.geolocation.getCurrentPosition(async (pos) => {
      const params = new URLSearchParams({
        lang: state.lang,
        lat: pos.coords.latitude.toFixed(4),
        lon: pos.coords.longitude.toFixed(4),
        limit: '5'
      });
      try {
        const data = await getJSON('near', '/api/locations?' + params.toString());
        const list = (Array.isArray(data.locations) ? data.locations : []).slice();
        list.sort((a, b) => (a.distance_km ?? Infinity) - (b.distance_km ?? Infinity));
        if (!list.length) { setStatus(t('geoFailed'), 'error'); return; }
        selectCity(list[0]);
        await loadShowtimes();
      } catch (err) {
        if (!isAbort(err)) setStatus(err.message || t('error'), 'error');
      } finally {
        el.nearMe.disabled = false;
      }
    }, (err) => {
      el.nearMe.disabled = false;
      setStatus(err && err.code === 1 ? t('geoDenied') : t('geoFailed'), 'error');
    }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
  }

  function init() {
    state.lang = initialLang();
    el.lang.value = state.lang;
    state.cityId = store('city') || null;
    el.date.value = todayLocal();
    applyStrings();

    el.lang.addEventListener('change', changeLang);
    el.city.addEventListener('change', onCityChange);
    el.date.addEventListener('change', loadShowtimes);
    el.nearMe.addEventListener('click', nearMe);
    el.form.addEventListener('submit', (e) => { e.preventDefault(); onCityChange(); });

    loadStats();
    refresh();
  }

  init();
})();
