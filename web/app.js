'use strict';

// CineStream page: no framework, no build step.
// Everything that comes from the server (scraped titles, descriptions, cinema names) is untrusted:
// it is put on the page with textContent / setAttribute only, never as HTML, and links are kept
// only when they are http(s).
(function () {
  // ---------------------------------------------------------------- strings
  const I18N = {
    en: {
      skip: 'Skip to content', language: 'Language',
      tagline: 'What\u2019s on in your city, for the next two weeks',
      cityLabel: 'City', cityPlaceholder: 'Start typing a city', cityList: 'Cities',
      cityHint: 'Type in any language, then pick from the list.',
      nearMe: 'Near me', nearby: 'Nearby:', popular: 'Popular:', locating: 'Finding your location\u2026',
      geoDenied: 'Location access was denied. Pick a city from the list.',
      geoFailed: 'Could not determine your location. Pick a city from the list.',
      geoUnsupported: 'Your browser cannot share its location. Pick a city from the list.',
      noMatches: 'No city matches', chooseCity: 'Choose a city to see what\u2019s on.',
      unknownCity: 'There is no such city in the list. Pick one of the suggestions.',
      demoTitle: 'Demo data.', demoText: 'The showtimes on this site are simulated, not real.',
      dates: 'Dates', today: 'Today', tomorrow: 'Tomorrow',
      view: 'View', byMovie: 'By movie', byCinema: 'By cinema',
      format: 'Format', languageFilter: 'Language',
      allFormats: 'All formats', allLanguages: 'All languages',
      langOriginal: 'Original', langSubtitles: 'Subtitles', langDubbing: 'Dubbed', langOther: 'Other',
      loading: 'Loading\u2026',
      noShowtimesDay: 'No showtimes on this day yet.',
      noShowtimesFilter: 'No showtimes on this day match the filters.',
      localTime: 'Times are local ({tz})', updated: 'updated {time}',
      scrapeTitle: 'Collecting showtimes for {city}\u2026',
      stepQueued: 'Starting', stepCinemas: 'Finding cinemas', stepMovies: 'Finding movies',
      stepShowtimes: 'Collecting showtimes day by day', stepDone: 'Finishing',
      daysReady: '{n} of {m} days ready',
      showtimesFound: { one: '{n} showtime found', other: '{n} showtimes found' },
      errBudget: 'Today\u2019s budget for collecting showtimes is spent. What was found stays here; new showtimes will be collected tomorrow.',
      errRateLimited: 'Too many update requests from your network. Please try again in {s} seconds.',
      errFailed: 'Showtimes for this city could not be collected right now. Please try again later.',
      errPartial: 'Some days could not be collected; the others are shown.',
      errNetwork: 'The server could not be reached. Check your connection and try again.',
      errGeneric: 'Something went wrong. Please try again.',
      errCity: 'The server does not know this city.',
      retry: 'Try again',
      visitors: { one: '{n} visitor', other: '{n} visitors' },
      donate: 'Support the project',
      credits: 'Showtimes are collected automatically and may contain mistakes; check with the cinema.',
      addToCalendar: 'Add to calendar: {movie}, {date} at {time}, {cinema}',
      started: '{time}, already started',
      hall: 'Hall {h}', kmAway: '{n} km',
      calendarHint: 'Pick a time to add it to your calendar.',
      showtimesN: { one: '{n} showtime', other: '{n} showtimes' },
      signIn: 'Sign in', accountOf: 'Your account: {name}'
    },
    ua: {
      skip: 'Перейти до змісту', language: 'Мова',
      tagline: 'Що йде в кіно у вашому місті найближчі два тижні',
      cityLabel: 'Місто', cityPlaceholder: 'Почніть вводити назву міста', cityList: 'Міста',
      cityHint: 'Пишіть будь-якою мовою, потім оберіть зі списку.',
      nearMe: 'Поруч зі мною', nearby: 'Поруч:', popular: 'Популярні:', locating: 'Визначаємо ваше місцезнаходження…',
      geoDenied: 'Доступ до місцезнаходження заборонено. Оберіть місто зі списку.',
      geoFailed: 'Не вдалося визначити місцезнаходження. Оберіть місто зі списку.',
      geoUnsupported: 'Ваш браузер не може повідомити місцезнаходження. Оберіть місто зі списку.',
      noMatches: 'Такого міста немає', chooseCity: 'Оберіть місто, щоб побачити розклад.',
      unknownCity: 'Такого міста немає у списку. Оберіть одну з підказок.',
      demoTitle: 'Демо-дані.', demoText: 'Сеанси на цьому сайті змодельовані, а не справжні.',
      dates: 'Дати', today: 'Сьогодні', tomorrow: 'Завтра',
      view: 'Подання', byMovie: 'За фільмами', byCinema: 'За кінотеатрами',
      format: 'Формат', languageFilter: 'Мова',
      allFormats: 'Усі формати', allLanguages: 'Усі мови',
      langOriginal: 'Оригінал', langSubtitles: 'Субтитри', langDubbing: 'Дубляж', langOther: 'Інше',
      loading: 'Завантаження…',
      noShowtimesDay: 'На цей день сеансів поки немає.',
      noShowtimesFilter: 'На цей день немає сеансів за цими фільтрами.',
      localTime: 'Час місцевий ({tz})', updated: 'оновлено {time}',
      scrapeTitle: 'Збираємо розклад: {city}…',
      stepQueued: 'Починаємо', stepCinemas: 'Шукаємо кінотеатри', stepMovies: 'Шукаємо фільми',
      stepShowtimes: 'Збираємо сеанси день за днем', stepDone: 'Завершуємо',
      daysReady: 'Готово днів: {n} з {m}',
      showtimesFound: { one: 'Знайдено {n} сеанс', few: 'Знайдено {n} сеанси', many: 'Знайдено {n} сеансів', other: 'Знайдено {n} сеансу' },
      errBudget: 'Сьогоднішній бюджет на збирання розкладу вичерпано. Уже знайдене лишається тут, нові сеанси зберемо завтра.',
      errRateLimited: 'Забагато запитів на оновлення з вашої мережі. Спробуйте ще раз через {s} с.',
      errFailed: 'Зараз не вдалося зібрати розклад для цього міста. Спробуйте пізніше.',
      errPartial: 'Деякі дні зібрати не вдалося; решту показано.',
      errNetwork: 'Сервер недоступний. Перевірте з’єднання і спробуйте ще раз.',
      errGeneric: 'Щось пішло не так. Спробуйте ще раз.',
      errCity: 'Сервер не знає цього міста.',
      retry: 'Спробувати ще раз',
      visitors: { one: '{n} відвідувач', few: '{n} відвідувачі', many: '{n} відвідувачів', other: '{n} відвідувача' },
      donate: 'Підтримати проєкт',
      credits: 'Розклад збирається автоматично і може містити помилки; уточнюйте в кінотеатрі.',
      addToCalendar: 'Додати до календаря: {movie}, {date} о {time}, {cinema}',
      started: '{time}, сеанс уже почався',
      hall: 'Зал {h}', kmAway: '{n} км',
      calendarHint: 'Оберіть час, щоб додати сеанс до календаря.',
      showtimesN: { one: '{n} сеанс', few: '{n} сеанси', many: '{n} сеансів', other: '{n} сеансу' },
      signIn: 'Увійти', accountOf: 'Ваш обліковий запис: {name}'
    },
    ru: {
      skip: 'Перейти к содержимому', language: 'Язык',
      tagline: 'Что идёт в кино в вашем городе в ближайшие две недели',
      cityLabel: 'Город', cityPlaceholder: 'Начните вводить название города', cityList: 'Города',
      cityHint: 'Пишите на любом языке, затем выберите из списка.',
      nearMe: 'Рядом со мной', nearby: 'Рядом:', popular: 'Популярные:', locating: 'Определяем ваше местоположение…',
      geoDenied: 'Доступ к местоположению запрещён. Выберите город из списка.',
      geoFailed: 'Не удалось определить местоположение. Выберите город из списка.',
      geoUnsupported: 'Ваш браузер не может сообщить местоположение. Выберите город из списка.',
      noMatches: 'Такого города нет', chooseCity: 'Выберите город, чтобы увидеть расписание.',
      unknownCity: 'Такого города нет в списке. Выберите одну из подсказок.',
      demoTitle: 'Демо-данные.', demoText: 'Сеансы на этом сайте смоделированы, а не настоящие.',
      dates: 'Даты', today: 'Сегодня', tomorrow: 'Завтра',
      view: 'Вид', byMovie: 'По фильмам', byCinema: 'По кинотеатрам',
      format: 'Формат', languageFilter: 'Язык',
      allFormats: 'Все форматы', allLanguages: 'Все языки',
      langOriginal: 'Оригинал', langSubtitles: 'Субтитры', langDubbing: 'Дубляж', langOther: 'Другое',
      loading: 'Загрузка…',
      noShowtimesDay: 'На этот день сеансов пока нет.',
      noShowtimesFilter: 'На этот день нет сеансов по этим фильтрам.',
      localTime: 'Время местное ({tz})', updated: 'обновлено {time}',
      scrapeTitle: 'Собираем расписание: {city}…',
      stepQueued: 'Начинаем', stepCinemas: 'Ищем кинотеатры', stepMovies: 'Ищем фильмы',
      stepShowtimes: 'Собираем сеансы день за днём', stepDone: 'Завершаем',
      daysReady: 'Готово дней: {n} из {m}',
      showtimesFound: { one: 'Найден {n} сеанс', few: 'Найдено {n} сеанса', many: 'Найдено {n} сеансов', other: 'Найдено {n} сеанса' },
      errBudget: 'Сегодняшний бюджет на сбор расписания исчерпан. Уже найденное остаётся здесь, новые сеансы соберём завтра.',
      errRateLimited: 'Слишком много запросов на обновление из вашей сети. Попробуйте ещё раз через {s} с.',
      errFailed: 'Сейчас не удалось собрать расписание для этого города. Попробуйте позже.',
      errPartial: 'Некоторые дни собрать не удалось; остальные показаны.',
      errNetwork: 'Сервер недоступен. Проверьте соединение и попробуйте ещё раз.',
      errGeneric: 'Что-то пошло не так. Попробуйте ещё раз.',
      errCity: 'Сервер не знает этого города.',
      retry: 'Попробовать ещё раз',
      visitors: { one: '{n} посетитель', few: '{n} посетителя', many: '{n} посетителей', other: '{n} посетителя' },
      donate: 'Поддержать проект',
      credits: 'Расписание собирается автоматически и может содержать ошибки; уточняйте в кинотеатре.',
      addToCalendar: 'Добавить в календарь: {movie}, {date} в {time}, {cinema}',
      started: '{time}, сеанс уже начался',
      hall: 'Зал {h}', kmAway: '{n} км',
      calendarHint: 'Выберите время, чтобы добавить сеанс в календарь.',
      showtimesN: { one: '{n} сеанс', few: '{n} сеанса', many: '{n} сеансов', other: '{n} сеанса' },
      signIn: 'Войти', accountOf: 'Ваша учётная запись: {name}'
    }
  };
  const LANGS = ['ua', 'en', 'ru'];
  const { LOCALE, HTML_LANG, store, str, make, cookie, withCsrf } = window.CineCommon;
  const STEP_KEY = {
    cinemas: 'stepCinemas', movies: 'stepMovies', showtimes: 'stepShowtimes', done: 'stepDone'
  };
  const FORMAT_ORDER = ['2D', '3D', 'IMAX', 'IMAX 3D', '4DX', 'ScreenX', 'Dolby Atmos'];
  const LANG_CLASSES = ['original', 'subtitles', 'dubbing', 'other'];
  const LANG_KEY = {
    original: 'langOriginal', subtitles: 'langSubtitles', dubbing: 'langDubbing', other: 'langOther'
  };
  const DAYS = 14;

  // ---------------------------------------------------------------- state
  const $ = (id) => document.getElementById(id);
  const el = {
    lang: $('lang-select'), demo: $('demo-notice'), cityForm: $('city-form'),
    cityInput: $('city-input'), cityOptions: $('city-options'), nearMe: $('near-me'),
    nearby: $('nearby'), nearbyList: $('nearby-list'), message: $('message'),
    popular: $('popular'), popularList: $('popular-list'),
    cityView: $('city-view'), cityTitle: $('city-title'), cityMeta: $('city-meta'),
    scrapePanel: $('scrape-panel'), scrapeTitle: $('scrape-title'), scrapeBar: $('scrape-bar'),
    scrapeCount: $('scrape-count'), scrapeDetail: $('scrape-detail'), scrapeLive: $('scrape-live'),
    scrapeError: $('scrape-error'), scrapeErrorText: $('scrape-error-text'),
    scrapeRetry: $('scrape-retry'), tabs: $('date-tabs'), viewMovies: $('view-movies'),
    viewCinemas: $('view-cinemas'), filterFormat: $('filter-format'),
    filterLanguage: $('filter-language'), results: $('results'), empty: $('results-empty'),
    visitors: $('visitors'), donate: $('donate'), account: $('account-link'),
    myListButton: $('my-list-button'), myList: $('my-list'), forYou: $('for-you')
  };
  // The visitor's library (library.js): toggles on cards, hiding what was seen, the bell.
  const lib = window.CineLibrary || null;
  const rec = window.CineRecommend || null;
  const finder = window.CineSearch || null;

  const state = {
    lang: 'en',
    sessionApi: false, // GET /api/session answered
    demo: false,
    donationUrl: null,
    visitors: null,
    locations: [],
    city: null, // the location object
    gen: 0, // bumped on each city change: late answers for an older city are dropped
    days: [],
    day: null,
    movies: null, // /api/movies document's movies
    rows: [], // flattened showtimes
    view: 'movies',
    format: '',
    langClass: '',
    status: null, // last scrape status document
    autoScraped: new Set(),
    follow: null,
    loading: null, // { gen, pending }
    error: null, // { key, vars, retry }
    comboActive: -1,
    comboItems: [],
    nearby: null, // the last "near me" answer
    progressShown: null,
    dayChosen: false, // the visitor picked a day tab: keep it
    me: null // the signed-in account's user document
  };

  // ---------------------------------------------------------------- helpers
  function t(key, vars) { return window.CineCommon.translate(I18N, state.lang, key, vars); }

  function num(n) { return new Intl.NumberFormat(LOCALE[state.lang]).format(n); }

  function isHttpUrl(url) { return typeof url === 'string' && /^https?:\/\/[^\s]+$/i.test(url); }
  function isSafeImage(url) {
    return typeof url === 'string' && url !== '' && (/^\/(?!\/)[^\s]*$/.test(url) || /^https:\/\/[^\s]+$/i.test(url));
  }

  function normalize(s) {
    return str(s).toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/ё/g, 'е').replace(/[ʼ’'`-]/g, '').trim();
  }

  function apiError(res, data) {
    const err = new Error((data && data.error && data.error.message) || ('HTTP ' + res.status));
    err.status = res.status;
    err.code = data && data.error && data.error.code;
    err.retryAfter = Number.parseInt(res.headers.get('Retry-After') || '', 10);
    return err;
  }

  async function getJSON(url, options) {
    let res;
    try {
      res = await fetch(url, Object.assign({ headers: { Accept: 'application/json' } }, options || {}));
    } catch (e) {
      const err = new Error('network');
      err.network = true;
      throw err;
    }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok || !data) throw apiError(res, data);
    return data;
  }

  function postJSON(url, body) {
    const headers = withCsrf({ 'Content-Type': 'application/json', Accept: 'application/json' });
    return fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  }

  // ---------------------------------------------------------------- dates (city's zone)
  function todayIn(tz) {
    let parts;
    try {
      parts = new Intl.DateTimeFormat('en-US', {
        timeZone: tz || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit'
      }).formatToParts(new Date());
    } catch (e) {
      parts = new Intl.DateTimeFormat('en-US', {
        timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit'
      }).formatToParts(new Date());
    }
    const get = (type) => parts.find((p) => p.type === type).value;
    return get('year') + '-' + get('month') + '-' + get('day');
  }

  function utcDate(iso) {
    const [y, m, d] = iso.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d));
  }

  function isoOf(date) { return date.toISOString().slice(0, 10); }

  function horizon(tz) {
    const first = utcDate(todayIn(tz));
    const out = [];
    for (let i = 0; i < DAYS; i++) out.push(isoOf(new Date(first.getTime() + i * 86400000)));
    return out;
  }

  function formatDay(iso, opts) {
    return new Intl.DateTimeFormat(LOCALE[state.lang], Object.assign({ timeZone: 'UTC' }, opts))
      .format(utcDate(iso));
  }

  // ---------------------------------------------------------------- data helpers
  function classifyLanguage(s) {
    const v = str(s).toLowerCase();
    if (v.includes('subtitle') || v.includes('субтитр')) return 'subtitles';
    if (v.includes('dub') || v.includes('дубл')) return 'dubbing';
    if (v.includes('original') || v.includes('оригінал') || v.includes('оригинал')) return 'original';
    return 'other';
  }

  function languageLabel(raw) {
    const cls = classifyLanguage(raw);
    return cls === 'other' ? str(raw) : t(LANG_KEY[cls]);
  }

  function hallLabel(raw) {
    const h = str(raw).trim();
    const m = /^(?:hall|зал)?\s*(\d+)$/i.exec(h);
    return m ? t('hall', { h: m[1] }) : h;
  }

  function cityName(loc) {
    if (!loc) return '';
    return str((loc.names && loc.names[state.lang]) || loc.name || loc.id);
  }

  function movieTitle(m) {
    return str((m.titles && m.titles[state.lang]) || m.title);
  }

  function originalTitle(m) {
    if (!m.titles) return '';
    const shown = movieTitle(m);
    const candidates = [m.titles.local, m.titles.en];
    for (const c of candidates) {
      if (typeof c === 'string' && c && c !== shown) return c;
    }
    return '';
  }

  function flatten(movies) {
    const rows = [];
    movies.forEach((m, mi) => {
      (Array.isArray(m.theaters) ? m.theaters : []).forEach((th) => {
        (Array.isArray(th.showtimes) ? th.showtimes : []).forEach((s) => {
          const start = str(s.start_time);
          if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(start)) return;
          rows.push({
            movie: m, mi, theater: th, start,
            date: start.slice(0, 10), time: start.slice(11, 16),
            ms: Date.parse(start),
            format: str(s.format).trim(),
            language: str(s.language), langClass: classifyLanguage(s.language),
            hall: str(s.hall)
          });
        });
      });
    });
    rows.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    return rows;
  }

  function icsHref(row) {
    const p = new URLSearchParams();
    p.set('city', state.city.id);
    p.set('movie_id', String(row.movie.id));
    p.set('theater', str(row.theater.name));
    p.set('start', row.start);
    p.set('lang', state.lang);
    return '/api/showtime.ics?' + p.toString();
  }

  // ---------------------------------------------------------------- static texts
  function applyStrings() {
    document.documentElement.lang = HTML_LANG[state.lang];
    document.querySelectorAll('[data-i18n]').forEach((node) => {
      node.textContent = t(node.getAttribute('data-i18n'));
    });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((node) => {
      node.setAttribute('placeholder', t(node.getAttribute('data-i18n-placeholder')));
    });
    document.querySelectorAll('[data-i18n-aria-label]').forEach((node) => {
      node.setAttribute('aria-label', t(node.getAttribute('data-i18n-aria-label')));
    });
    el.lang.value = state.lang;
    if (lib) {
      lib.relabel();
      el.myListButton.textContent = lib.t('myList');
    }
    if (rec) rec.refresh(state.lang);
    if (finder) finder.relabel();
    renderVisitors();
    renderDemo();
    renderAccount();
  }

  function renderAccount() {
    const name = state.me && str(state.me.display_name);
    el.account.textContent = name || t('signIn');
    el.account.classList.toggle('signed-in', Boolean(name));
    if (name) el.account.setAttribute('aria-label', t('accountOf', { name }));
    else el.account.removeAttribute('aria-label');
  }

  // Signed in? Only a visitor holding the CSRF cookie (set with a session) can be: others are not
  // asked. An expired access cookie is renewed once with the refresh cookie.
  async function loadAccount() {
    if (!cookie('cs_csrf')) return;
    const me = () => fetch('/api/me', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
    try {
      let res = await me();
      if (res.status === 401) {
        const renewed = await postJSON('/api/auth/refresh', {});
        if (renewed.ok) res = await me();
        else if (renewed.status === 401) window.CineCommon.forgetSession();
      }
      if (res.ok) state.me = (await res.json()).user || null;
    } catch (e) { /* anonymous as far as the page knows */ }
    renderAccount();
  }

  function renderVisitors() {
    if (typeof state.visitors !== 'number') { el.visitors.textContent = ''; return; }
    el.visitors.textContent = t('visitors', { n: num(state.visitors), count: state.visitors });
  }

  function renderDemo() { el.demo.hidden = !state.demo; }

  function renderDonation() {
    if (isHttpUrl(state.donationUrl)) {
      el.donate.href = state.donationUrl;
      el.donate.hidden = false;
    } else {
      el.donate.hidden = true;
      el.donate.removeAttribute('href');
    }
  }

  function setMessage(key, kind, vars) {
    el.message.textContent = key ? t(key, vars) : '';
    el.message.className = 'message' + (kind ? ' ' + kind : '');
    el.message.dataset.key = key || '';
  }

  // ---------------------------------------------------------------- session & language
  function guessLang() { return window.CineCommon.guessLang(I18N); }

  function applySession(doc) {
    if (!doc || typeof doc !== 'object') return;
    if (I18N[doc.lang]) state.lang = doc.lang;
    if (typeof doc.demo === 'boolean') state.demo = state.demo || doc.demo;
    state.donationUrl = typeof doc.donation_url === 'string' ? doc.donation_url : null;
  }

  async function loadSession() {
    try {
      const doc = await getJSON('/api/session', { credentials: 'same-origin' });
      state.sessionApi = true;
      applySession(doc);
    } catch (e) {
      state.sessionApi = false; // older server: the language stays in localStorage
    }
    renderDonation();
  }

  async function changeLang(lang) {
    if (!I18N[lang] || lang === state.lang) return;
    state.lang = lang;
    store('cs.lang', lang);
    applyStrings();
    renderAll();
    const saving = postJSON('/api/session', { lang }).then(async (res) => {
      if (res.ok) {
        state.sessionApi = true;
        try { applySession(await res.json()); } catch (e) { /* body is optional */ }
        renderDonation();
      }
    }).catch(() => { /* kept in localStorage meanwhile */ });
    const refreshing = [loadLocations().catch(() => {})];
    if (state.city) refreshing.push(loadMovies(state.gen));
    await Promise.all([saving].concat(refreshing));
  }

  // ---------------------------------------------------------------- cities
  async function loadLocations() {
    const data = await getJSON('/api/locations?lang=' + encodeURIComponent(state.lang));
    const list = Array.isArray(data.locations) ? data.locations : [];
    state.locations = list.filter((l) => l && typeof l.id === 'string');
    renderPopular();
    if (state.nearby) {
      // names in the new language, distances kept
      state.nearby = state.nearby.map((n) => Object.assign({}, n, state.locations.find((l) => l.id === n.id) || {}));
      renderNearby();
    }
    if (state.city) {
      const fresh = state.locations.find((l) => l.id === state.city.id);
      if (fresh) state.city = Object.assign({}, state.city, fresh);
      renderCityHead();
      if (document.activeElement !== el.cityInput) el.cityInput.value = cityName(state.city);
    }
  }

  function matchCities(query) {
    const q = normalize(query);
    if (!q) return state.locations.slice(0, 8);
    const scored = [];
    state.locations.forEach((loc, i) => {
      const names = [loc.id, loc.name];
      if (loc.names) names.push(loc.names.en, loc.names.ua, loc.names.ru);
      let best = -1;
      names.forEach((n) => {
        const v = normalize(n);
        if (!v) return;
        if (v === q) best = Math.max(best, 3);
        else if (v.startsWith(q)) best = Math.max(best, 2);
        else if (v.includes(q)) best = Math.max(best, 1);
      });
      if (best >= 0) scored.push({ loc, best, i });
    });
    scored.sort((a, b) => b.best - a.best || a.i - b.i);
    return scored.slice(0, 12).map((s) => s.loc);
  }

  // The city whose id or name (in any language) is exactly this text.
  function exactCity(text) {
    const q = normalize(text);
    if (!q) return null;
    return state.locations.find((l) => [l.id, l.name].concat(l.names ? Object.values(l.names) : [])
      .some((n) => normalize(n) === q)) || null;
  }

  function optionId(loc) { return 'city-opt-' + loc.id.replace(/[^A-Za-z0-9_-]/g, '_'); }

  function openCombo(all) {
    const query = all === true ? '' : el.cityInput.value;
    const items = matchCities(query);
    state.comboItems = items;
    state.comboActive = items.length && normalize(query) ? 0 : -1;
    const frag = document.createDocumentFragment();
    if (!items.length) {
      const li = make('li', 'city-option none', t('noMatches'));
      li.setAttribute('aria-disabled', 'true');
      li.setAttribute('role', 'option');
      frag.appendChild(li);
    }
    items.forEach((loc, i) => {
      const li = make('li', 'city-option');
      li.id = optionId(loc);
      li.setAttribute('role', 'option');
      li.setAttribute('data-testid', 'city-option');
      li.dataset.id = loc.id;
      li.appendChild(make('span', 'city-option-name', cityName(loc)));
      const extra = loc.distance_km !== undefined ? t('kmAway', { n: num(loc.distance_km) }) : str(loc.country);
      li.appendChild(make('span', 'city-option-country', extra));
      li.setAttribute('aria-selected', i === state.comboActive ? 'true' : 'false');
      frag.appendChild(li);
    });
    el.cityOptions.replaceChildren(frag);
    el.cityOptions.hidden = false;
    el.cityInput.setAttribute('aria-expanded', 'true');
    highlight();
  }

  function closeCombo() {
    el.cityOptions.hidden = true;
    el.cityInput.setAttribute('aria-expanded', 'false');
    el.cityInput.removeAttribute('aria-activedescendant');
    state.comboActive = -1;
  }

  function highlight() {
    const nodes = el.cityOptions.querySelectorAll('.city-option[data-id]');
    nodes.forEach((n, i) => n.setAttribute('aria-selected', i === state.comboActive ? 'true' : 'false'));
    const active = nodes[state.comboActive];
    if (active) {
      el.cityInput.setAttribute('aria-activedescendant', active.id);
      active.scrollIntoView({ block: 'nearest' });
    } else {
      el.cityInput.removeAttribute('aria-activedescendant');
    }
  }

  function onComboKey(e) {
    const open = !el.cityOptions.hidden;
    const n = state.comboItems.length;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open) { openCombo(false); return; }
      if (n) { state.comboActive = (state.comboActive + 1) % n; highlight(); }
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) { openCombo(false); return; }
      if (n) { state.comboActive = (state.comboActive - 1 + n) % n; highlight(); }
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const pick = open && state.comboActive >= 0 ? state.comboItems[state.comboActive] : matchCities(el.cityInput.value)[0];
      if (pick && normalize(el.cityInput.value)) chooseCity(pick);
      else if (normalize(el.cityInput.value)) setMessage('unknownCity', 'error');
    } else if (e.key === 'Escape') {
      if (open) { e.preventDefault(); closeCombo(); }
    }
  }

  function chooseCity(loc) {
    closeCombo();
    el.cityInput.value = cityName(loc);
    selectCity(loc);
  }

  // ---------------------------------------------------------------- near me
  function nearMe() {
    if (!('geolocation' in navigator)) { setMessage('geoUnsupported', 'error'); return; }
    setMessage('locating', 'loading');
    el.nearMe.disabled = true;
    navigator.geolocation.getCurrentPosition(async (pos) => {
      const p = new URLSearchParams({
        lang: state.lang,
        lat: pos.coords.latitude.toFixed(4),
        lon: pos.coords.longitude.toFixed(4),
        limit: '5'
      });
      try {
        const data = await getJSON('/api/locations?' + p.toString());
        const list = (Array.isArray(data.locations) ? data.locations : []).filter((l) => l && l.id);
        if (!list.length) { setMessage('geoFailed', 'error'); return; }
        setMessage('');
        renderNearby(list);
        chooseCity(list[0]);
      } catch (err) {
        setMessage(err.network ? 'errNetwork' : 'geoFailed', 'error');
      } finally {
        el.nearMe.disabled = false;
      }
    }, (err) => {
      el.nearMe.disabled = false;
      setMessage(err && err.code === 1 ? 'geoDenied' : 'geoFailed', 'error');
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  }

  function cityChips(list, withDistance) {
    const frag = document.createDocumentFragment();
    list.forEach((loc) => {
      const li = make('li');
      const b = make('button', 'chip');
      b.type = 'button';
      b.setAttribute('data-testid', 'city-chip');
      b.dataset.id = loc.id;
      b.appendChild(make('span', null, cityName(loc)));
      if (withDistance && typeof loc.distance_km === 'number') {
        b.appendChild(make('span', 'chip-extra', t('kmAway', { n: num(loc.distance_km) })));
      }
      b.addEventListener('click', () => chooseCity(loc));
      li.appendChild(b);
      frag.appendChild(li);
    });
    return frag;
  }

  function renderNearby(list) {
    if (list) state.nearby = list;
    const near = state.nearby || [];
    el.nearbyList.replaceChildren(cityChips(near, true));
    el.nearby.hidden = !near.length;
  }

  function renderPopular() {
    const show = !state.city && state.locations.length > 0;
    el.popular.hidden = !show;
    if (show) el.popularList.replaceChildren(cityChips(state.locations.slice(0, 8), false));
  }

  // ---------------------------------------------------------------- city selection
  function selectCity(loc) {
    stopFollow();
    state.gen++;
    const gen = state.gen;
    state.city = loc;
    state.days = horizon(loc.tz);
    state.day = state.days[0];
    state.dayChosen = false;
    state.movies = null;
    state.rows = [];
    state.status = null;
    state.error = null;
    store('cs.city', loc.id);
    const url = new URL(window.location.href);
    url.searchParams.set('city', loc.id);
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    setMessage('');
    document.body.classList.add('has-city');
    el.popular.hidden = true;
    el.cityView.hidden = false;
    hideProgress();
    renderError();
    renderAll();
    Promise.all([loadMovies(gen), checkStatus(gen)]).catch(() => {});
  }

  function renderCityHead() {
    if (!state.city) return;
    el.cityTitle.textContent = cityName(state.city);
    const parts = [t('localTime', { tz: str(state.city.tz) || 'UTC' })];
    const updated = (state.status && state.status.last_updated) || state.city.last_updated;
    if (updated) {
      const d = new Date(updated);
      if (!Number.isNaN(d.getTime())) {
        parts.push(t('updated', {
          time: new Intl.DateTimeFormat(LOCALE[state.lang], { dateStyle: 'medium', timeStyle: 'short' }).format(d)
        }));
      }
    }
    el.cityMeta.textContent = parts.join(' · ');
  }

  // ---------------------------------------------------------------- showtimes data
  async function loadMovies(gen) {
    // One request at a time; a request asked for meanwhile runs once after it.
    if (state.loading && state.loading.gen === gen) {
      state.loading.pending = true;
      return state.loading.promise;
    }
    const job = { gen, pending: false, promise: null };
    state.loading = job;
    job.promise = (async () => {
      try {
        do {
          job.pending = false;
          if (!state.movies) el.results.setAttribute('aria-busy', 'true');
          if (!state.movies) renderEmpty('loading');
          const p = new URLSearchParams({ city: state.city.id, lang: state.lang });
          try {
            const doc = await getJSON('/api/movies?' + p.toString());
            if (gen !== state.gen) return;
            state.movies = Array.isArray(doc.movies) ? doc.movies : [];
            state.rows = flatten(state.movies);
            if (doc.demo === true) { state.demo = true; renderDemo(); }
            if (doc.city && typeof doc.city.tz === 'string' && doc.city.tz !== state.city.tz) {
              state.city = Object.assign({}, state.city, { tz: doc.city.tz });
              state.days = horizon(doc.city.tz);
              if (!state.days.includes(state.day)) state.day = state.days[0];
            }
            settleDay();
            renderAll();
            if (rec) rec.show(el.forYou, state.city.id, state.lang, state.city.tz);
          } catch (err) {
            if (gen !== state.gen) return;
            if (!state.movies) {
              state.movies = [];
              state.rows = [];
              renderAll();
            }
            showError(err.network ? 'errNetwork' : err.code === 'city_not_found' ? 'errCity' : 'errGeneric', null, true);
          }
        } while (job.pending && gen === state.gen);
      } finally {
        if (state.loading === job) state.loading = null;
        el.results.setAttribute('aria-busy', 'false');
      }
    })();
    return job.promise;
  }

  // ---------------------------------------------------------------- scraping
  async function checkStatus(gen) {
    const id = state.city.id;
    let s = null;
    try {
      s = await getJSON('/api/scrape/status/' + encodeURIComponent(id), { cache: 'no-store' });
    } catch (err) {
      if (gen !== state.gen) return;
      if (err.network) { showError('errNetwork', null, true); return; }
      s = { status: str(state.city.status) || 'stale', processing: false, days_covered: 0, days_total: DAYS };
    }
    if (gen !== state.gen) return;
    state.status = s;
    renderCityHead();
    if (s.processing || s.status === 'processing') {
      showProgress(s);
      follow(gen, s);
    } else if (needsScrape(s) && !state.autoScraped.has(id)) {
      state.autoScraped.add(id);
      await requestScrape(gen);
    } else if (s.status === 'failed') {
      showFailure(s);
    }
  }

  function needsScrape(s) {
    if (!s) return true;
    if (s.status === 'stale' || s.status === 'failed' || s.status === 'partial') return true;
    const covered = Number(s.days_covered) || 0;
    const total = Number(s.days_total) || DAYS;
    return covered < total;
  }

  async function requestScrape(gen) {
    const id = state.city.id;
    state.error = null;
    renderError();
    let res;
    let data = null;
    try {
      res = await postJSON('/api/scrape', { city: id });
      try { data = await res.json(); } catch (e) { data = null; }
    } catch (e) {
      if (gen === state.gen) showError('errNetwork', null, true);
      return;
    }
    if (gen !== state.gen) return;
    if (res.status === 200) {
      hideProgress();
      loadMovies(gen);
      return;
    }
    if (res.status === 202) {
      const s = Object.assign({}, state.status || {}, { status: 'processing', processing: true, progress: null });
      showProgress(s);
      follow(gen, s);
      return;
    }
    const err = apiError(res, data);
    if (err.code === 'budget_exhausted') showError('errBudget', null, false);
    else if (err.code === 'rate_limited') {
      const s = Number.isFinite(err.retryAfter) && err.retryAfter > 0 ? err.retryAfter : 60;
      showError('errRateLimited', { s: num(s) }, true);
    } else if (err.code === 'city_not_found') showError('errCity', null, false);
    else showError('errGeneric', null, true);
  }

  function stopFollow() {
    const f = state.follow;
    if (!f) return;
    f.done = true;
    if (f.es) f.es.close();
    clearTimeout(f.poll);
    clearTimeout(f.watchdog);
    state.follow = null;
  }

  function follow(gen, initial) {
    stopFollow();
    const id = state.city.id;
    const f = {
      gen, id, es: null, poll: null, watchdog: null, done: false, got: false, polling: false,
      covered: Number(initial && initial.days_covered) || 0, failures: 0
    };
    state.follow = f;
    if (typeof window.EventSource === 'function') {
      const es = new EventSource('/api/scrape/events/' + encodeURIComponent(id));
      f.es = es;
      const handler = (ended) => (ev) => {
        let s = null;
        try { s = JSON.parse(ev.data); } catch (e) { return; }
        f.got = true;
        onStatus(f, s, ended);
      };
      es.addEventListener('status', handler(false));
      es.addEventListener('end', handler(true));
      es.onerror = () => {
        if (f.done) return;
        es.close();
        f.es = null;
        startPolling(f, 0);
      };
      // A proxy that buffers the stream: fall back to polling when nothing arrives.
      f.watchdog = setTimeout(() => { if (!f.got && !f.done) startPolling(f, 0); }, 6000);
    } else {
      startPolling(f, 0);
    }
  }

  function startPolling(f, delay) {
    if (f.done || f.polling) return;
    f.polling = true;
    const tick = async () => {
      if (f.done) return;
      try {
        const s = await getJSON('/api/scrape/status/' + encodeURIComponent(f.id), { cache: 'no-store' });
        f.failures = 0;
        onStatus(f, s, false);
      } catch (e) {
        f.failures++;
      }
      if (!f.done) f.poll = setTimeout(tick, Math.min(1000 * (1 + f.failures), 10000));
    };
    f.poll = setTimeout(tick, delay);
  }

  function onStatus(f, s, ended) {
    if (f.done || f !== state.follow || f.gen !== state.gen || !s || typeof s !== 'object') return;
    state.status = s;
    const covered = Number(s.days_covered) || 0;
    if (covered > f.covered) {
      f.covered = covered;
      loadMovies(f.gen); // the showtimes as they arrive
    }
    const finished = ended || s.processing === false || (s.status && s.status !== 'processing');
    if (!finished) {
      showProgress(s);
      return;
    }
    stopFollow();
    hideProgress();
    renderCityHead();
    loadMovies(f.gen);
    if (s.status === 'failed' || s.status === 'partial') showFailure(s);
    else if (s.status === 'stale' && covered < (Number(s.days_total) || DAYS)) showError('errPartial', null, true);
  }

  function showFailure(s) {
    const why = str(s && s.error).toLowerCase();
    if (why.includes('budget')) showError('errBudget', null, false);
    else if (s && s.status === 'partial') showError('errPartial', null, true);
    else showError('errFailed', null, true);
  }

  function showProgress(s) {
    const p = (s && s.progress) || {};
    const done = Number(p.units_done) || 0;
    const total = Number(p.units_total) || 0;
    el.scrapePanel.hidden = false;
    el.scrapePanel.dataset.step = str(p.step) || 'queued';
    el.scrapeTitle.textContent = t('scrapeTitle', { city: cityName(state.city) });
    el.scrapeBar.max = Math.max(total, 1);
    el.scrapeBar.value = Math.min(done, Math.max(total, 1));
    el.scrapeCount.textContent = total > 0 ? num(done) + ' / ' + num(total) : '';
    const step = t(STEP_KEY[p.step] || 'stepQueued');
    const parts = [step];
    const daysTotal = Number(s && s.days_total) || DAYS;
    parts.push(t('daysReady', { n: num(Number(s && s.days_covered) || 0), m: num(daysTotal) }));
    const added = Number(p.showtimes_added) || 0;
    if (added > 0) parts.push(t('showtimesFound', { n: num(added), count: added }));
    el.scrapeDetail.textContent = parts.join(' · ');
    // Screen readers hear the steps, not every tick of the counter.
    const live = el.scrapeTitle.textContent + ' ' + step;
    if (el.scrapeLive.textContent !== live) el.scrapeLive.textContent = live;
    state.progressShown = s;
  }

  function hideProgress() {
    if (!el.scrapePanel.hidden) el.scrapeLive.textContent = '';
    el.scrapePanel.hidden = true;
    state.progressShown = null;
  }

  function showError(key, vars, retry) {
    state.error = { key, vars, retry };
    renderError();
  }

  function renderError() {
    const e = state.error;
    el.scrapeError.hidden = !e;
    if (!e) { el.scrapeError.dataset.key = ''; return; }
    el.scrapeErrorText.textContent = t(e.key, e.vars);
    el.scrapeError.dataset.key = e.key;
    el.scrapeRetry.hidden = !e.retry;
  }

  function retry() {
    if (!state.city) return;
    const gen = state.gen;
    state.error = null;
    renderError();
    if (!state.movies || !state.movies.length) loadMovies(gen);
    requestScrape(gen);
  }

  // ---------------------------------------------------------------- rendering
  function renderAll() {
    renderCityHead();
    if (!state.city) return;
    renderTabs();
    renderFilters();
    renderResults();
    if (state.progressShown) showProgress(state.progressShown);
    renderError();
  }

  function renderTabs() {
    const counts = new Map();
    state.rows.forEach((r) => counts.set(r.date, (counts.get(r.date) || 0) + 1));
    const frag = document.createDocumentFragment();
    state.days.forEach((d, i) => {
      const b = make('button', 'tab');
      b.type = 'button';
      b.id = 'tab-' + d;
      b.setAttribute('role', 'tab');
      b.setAttribute('data-testid', 'date-tab');
      b.dataset.date = d;
      b.setAttribute('aria-controls', 'results');
      const selected = d === state.day;
      b.setAttribute('aria-selected', selected ? 'true' : 'false');
      b.tabIndex = selected ? 0 : -1;
      if (!counts.get(d)) b.classList.add('no-data');
      const top = i === 0 ? t('today') : i === 1 ? t('tomorrow') : formatDay(d, { weekday: 'short' });
      b.appendChild(make('span', 'tab-top', top));
      b.appendChild(make('span', 'tab-date', formatDay(d, { day: '2-digit', month: '2-digit' })));
      b.addEventListener('click', () => selectDay(d, false));
      frag.appendChild(b);
    });
    el.tabs.replaceChildren(frag);
    el.results.setAttribute('aria-labelledby', 'tab-' + state.day);
  }

  // Until the visitor picks a day, show the first one with a showtime still to come: late in the
  // evening today's last film has started and today's tab would greet them empty.
  function settleDay() {
    if (state.dayChosen) return;
    const now = Date.now();
    const upcoming = (d) => state.rows.some((r) => r.date === d && !(r.ms < now));
    if (upcoming(state.day)) return;
    const first = state.days.find(upcoming);
    if (first) state.day = first;
  }

  function selectDay(d, focus) {
    if (!state.days.includes(d)) return;
    state.day = d;
    state.dayChosen = true;
    el.tabs.querySelectorAll('[role="tab"]').forEach((b) => {
      const sel = b.dataset.date === d;
      b.setAttribute('aria-selected', sel ? 'true' : 'false');
      b.tabIndex = sel ? 0 : -1;
      if (sel) {
        if (focus) b.focus();
        b.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      }
    });
    el.results.setAttribute('aria-labelledby', 'tab-' + d);
    renderResults();
  }

  function onTabKey(e) {
    // From the tab that has the focus (normally the selected one, as the tabindex roves with it).
    const focused = e.target && e.target.dataset ? e.target.dataset.date : undefined;
    const i = state.days.indexOf(state.days.includes(focused) ? focused : state.day);
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % state.days.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + state.days.length) % state.days.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = state.days.length - 1;
    if (next < 0) return;
    e.preventDefault();
    selectDay(state.days[next], true);
  }

  function renderFilters() {
    const formats = Array.from(new Set(state.rows.map((r) => r.format).filter(Boolean)));
    formats.sort((a, b) => {
      const ia = FORMAT_ORDER.indexOf(a);
      const ib = FORMAT_ORDER.indexOf(b);
      if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      return a.localeCompare(b);
    });
    if (state.format && !formats.includes(state.format)) formats.push(state.format);
    const fo = [new Option(t('allFormats'), '')].concat(formats.map((f) => new Option(f, f)));
    el.filterFormat.replaceChildren(...fo);
    el.filterFormat.value = state.format;

    const present = new Set(state.rows.map((r) => r.langClass));
    const classes = LANG_CLASSES.filter((c) => present.has(c) || c === state.langClass);
    const lo = [new Option(t('allLanguages'), '')].concat(classes.map((c) => new Option(t(LANG_KEY[c]), c)));
    el.filterLanguage.replaceChildren(...lo);
    el.filterLanguage.value = state.langClass;
  }

  function visibleRows() {
    return state.rows.filter((r) => r.date === state.day &&
      (!state.format || r.format === state.format) &&
      (!state.langClass || r.langClass === state.langClass) &&
      !(lib && lib.hides(r.movie)));
  }

  function renderEmpty(kind) {
    if (!kind) { el.empty.hidden = true; el.empty.dataset.kind = ''; return; }
    el.empty.hidden = false;
    el.empty.dataset.kind = kind;
    el.empty.textContent = kind === 'loading' ? t('loading')
      : kind === 'filtered' ? t('noShowtimesFilter') : t('noShowtimesDay');
  }

  function renderResults() {
    el.viewMovies.setAttribute('aria-pressed', state.view === 'movies' ? 'true' : 'false');
    el.viewCinemas.setAttribute('aria-pressed', state.view === 'cinemas' ? 'true' : 'false');
    el.results.dataset.view = state.view;
    if (state.movies === null) {
      el.results.replaceChildren();
      renderEmpty('loading');
      return;
    }
    const rows = visibleRows();
    if (!rows.length) {
      el.results.replaceChildren();
      const anyThatDay = state.rows.some((r) => r.date === state.day);
      renderEmpty(anyThatDay ? 'filtered' : 'day');
      return;
    }
    renderEmpty(null);
    const now = Date.now();
    const frag = document.createDocumentFragment();
    const hint = make('p', 'hint calendar-hint', t('calendarHint'));
    frag.appendChild(hint);
    if (state.view === 'cinemas') renderByCinema(rows, now, frag);
    else renderByMovie(rows, now, frag);
    el.results.replaceChildren(frag);
  }

  function groupBy(list, keyOf) {
    const map = new Map();
    list.forEach((x) => {
      const k = keyOf(x);
      if (!map.has(k)) map.set(k, []);
      map.get(k).push(x);
    });
    return map;
  }

  function posterNode(movie, small) {
    const url = str(movie.poster);
    if (isSafeImage(url)) {
      const img = document.createElement('img');
      img.className = small ? 'poster poster-small' : 'poster';
      img.src = url;
      img.alt = '';
      img.loading = 'lazy';
      img.decoding = 'async';
      img.width = small ? 48 : 112;
      img.height = small ? 72 : 168;
      return img;
    }
    const ph = make('div', small ? 'poster poster-small placeholder' : 'poster placeholder');
    ph.setAttribute('aria-hidden', 'true');
    ph.textContent = movieTitle(movie).trim().slice(0, 1).toUpperCase();
    return ph;
  }

  function theaterHeading(tag, theater, className) {
    const h = make(tag, className);
    const name = str(theater.name);
    if (isHttpUrl(theater.website)) {
      const a = make('a', null, name);
      a.href = theater.website;
      a.target = '_blank';
      a.rel = 'noopener noreferrer nofollow';
      h.appendChild(a);
    } else {
      h.textContent = name;
    }
    return h;
  }

  function timesList(rows, now) {
    const ul = make('ul', 'times');
    rows.forEach((r) => {
      const li = make('li');
      const past = Number.isFinite(r.ms) && r.ms < now;
      const chip = make(past ? 'span' : 'a', 'st' + (past ? ' past' : ''));
      chip.setAttribute('data-testid', 'showtime');
      chip.dataset.format = r.format;
      chip.dataset.lang = r.langClass;
      chip.dataset.start = r.start;
      const time = make('time', 'st-time', r.time);
      time.dateTime = r.start;
      chip.appendChild(time);
      const meta = [r.format, languageLabel(r.language)].filter(Boolean).join(' · ');
      if (meta) chip.appendChild(make('span', 'st-meta', meta));
      const hall = hallLabel(r.hall);
      if (hall) chip.appendChild(make('span', 'st-hall', hall));
      if (past) {
        chip.dataset.past = 'true';
        chip.setAttribute('title', t('started', { time: r.time }));
      } else {
        chip.href = icsHref(r);
        chip.setAttribute('download', '');
        const label = t('addToCalendar', {
          movie: movieTitle(r.movie),
          date: formatDay(r.date, { weekday: 'long', day: 'numeric', month: 'long' }),
          time: r.time,
          cinema: str(r.theater.name)
        }) + (meta ? ' (' + meta + (hall ? ', ' + hall : '') + ')' : '');
        chip.setAttribute('aria-label', label);
        chip.setAttribute('title', label);
        const icon = make('span', 'cal-icon');
        icon.setAttribute('aria-hidden', 'true');
        chip.appendChild(icon);
      }
      li.appendChild(chip);
      ul.appendChild(li);
    });
    return ul;
  }

  function renderByMovie(rows, now, frag) {
    const byMovie = groupBy(rows, (r) => r.mi);
    const groups = Array.from(byMovie.values());
    groups.sort((a, b) => b.length - a.length || movieTitle(a[0].movie).localeCompare(movieTitle(b[0].movie)));
    groups.forEach((list) => {
      const m = list[0].movie;
      const card = make('article', 'card movie');
      card.setAttribute('data-testid', 'movie-card');
      card.dataset.movieId = str(m.id);
      const headId = 'movie-' + str(m.id).replace(/[^A-Za-z0-9_-]/g, '_');
      card.setAttribute('aria-labelledby', headId);
      card.appendChild(posterNode(m, false));
      const body = make('div', 'card-body');
      const h = make('h3', 'movie-title', movieTitle(m));
      h.id = headId;
      h.setAttribute('data-testid', 'movie-title');
      body.appendChild(h);
      const orig = originalTitle(m);
      if (orig) body.appendChild(make('p', 'movie-orig', orig));
      if (m.description) body.appendChild(make('p', 'movie-desc', str(m.description)));
      const byTheater = groupBy(list, (r) => str(r.theater.name));
      const venues = make('div', 'venues');
      Array.from(byTheater.keys()).sort((a, b) => a.localeCompare(b)).forEach((name) => {
        const tl = byTheater.get(name);
        const sec = make('section', 'venue');
        sec.setAttribute('data-testid', 'venue');
        sec.appendChild(theaterHeading('h4', tl[0].theater, 'venue-name'));
        if (tl[0].theater.address) sec.appendChild(make('p', 'venue-address', str(tl[0].theater.address)));
        sec.appendChild(timesList(tl, now));
        venues.appendChild(sec);
      });
      body.appendChild(venues);
      card.appendChild(body);
      if (lib) lib.decorateCard(card, m, state.city && state.city.id);
      frag.appendChild(card);
    });
  }

  function renderByCinema(rows, now, frag) {
    const byTheater = groupBy(rows, (r) => str(r.theater.name));
    Array.from(byTheater.keys()).sort((a, b) => a.localeCompare(b)).forEach((name, ti) => {
      const list = byTheater.get(name);
      const th = list[0].theater;
      const card = make('article', 'card cinema');
      card.setAttribute('data-testid', 'cinema-card');
      const headId = 'cinema-' + ti;
      card.setAttribute('aria-labelledby', headId);
      const body = make('div', 'card-body');
      const h = theaterHeading('h3', th, 'cinema-name');
      h.id = headId;
      body.appendChild(h);
      if (th.address) body.appendChild(make('p', 'venue-address', str(th.address)));
      const ul = make('ul', 'cinema-movies');
      const byMovie = groupBy(list, (r) => r.mi);
      Array.from(byMovie.values())
        .sort((a, b) => movieTitle(a[0].movie).localeCompare(movieTitle(b[0].movie)))
        .forEach((ml) => {
          const li = make('li', 'cinema-movie');
          li.appendChild(posterNode(ml[0].movie, true));
          const box = make('div', 'cinema-movie-body');
          const title = make('h4', 'movie-title', movieTitle(ml[0].movie));
          title.setAttribute('data-testid', 'movie-title');
          box.appendChild(title);
          box.appendChild(timesList(ml, now));
          li.appendChild(box);
          ul.appendChild(li);
        });
      body.appendChild(ul);
      card.appendChild(body);
      frag.appendChild(card);
    });
  }

  function setView(view) {
    if (state.view === view) return;
    state.view = view;
    store('cs.view', view);
    renderResults();
  }

  // ---------------------------------------------------------------- stats
  async function loadStats() {
    try {
      const data = await getJSON('/api/stats', { cache: 'no-store' });
      if (typeof data.visitors === 'number') {
        state.visitors = data.visitors;
        renderVisitors();
      }
    } catch (e) { /* the counter is optional */ }
  }

  // ---------------------------------------------------------------- start
  function bind() {
    el.lang.addEventListener('change', () => changeLang(el.lang.value));
    el.cityInput.addEventListener('input', () => openCombo(false));
    el.cityInput.addEventListener('focus', () => {
      if (!state.locations.length) return;
      // The chosen city's name is in the box: offer the whole list, and typing replaces the name.
      const showingCity = state.city && el.cityInput.value === cityName(state.city);
      openCombo(showingCity);
      if (showingCity) el.cityInput.select();
    });
    el.cityInput.addEventListener('keydown', onComboKey);
    el.cityInput.addEventListener('blur', () => {
      closeCombo();
      const typed = exactCity(el.cityInput.value);
      if (typed && (!state.city || typed.id !== state.city.id)) chooseCity(typed);
      else if (state.city) el.cityInput.value = cityName(state.city);
    });
    // mousedown (not click): the input must not lose focus before the choice is read.
    el.cityOptions.addEventListener('mousedown', (e) => {
      e.preventDefault();
      const li = e.target.closest('.city-option[data-id]');
      if (!li) return;
      const loc = state.comboItems.find((l) => l.id === li.dataset.id);
      if (loc) chooseCity(loc);
    });
    el.cityForm.addEventListener('submit', (e) => e.preventDefault());
    el.nearMe.addEventListener('click', nearMe);
    el.tabs.addEventListener('keydown', onTabKey);
    el.viewMovies.addEventListener('click', () => setView('movies'));
    el.viewCinemas.addEventListener('click', () => setView('cinemas'));
    el.filterFormat.addEventListener('change', () => { state.format = el.filterFormat.value; renderResults(); });
    el.filterLanguage.addEventListener('change', () => { state.langClass = el.filterLanguage.value; renderResults(); });
    el.scrapeRetry.addEventListener('click', retry);
    el.myListButton.addEventListener('click', () => {
      el.myList.hidden = !el.myList.hidden;
      el.myListButton.setAttribute('aria-expanded', el.myList.hidden ? 'false' : 'true');
      if (!el.myList.hidden && lib) lib.renderMyList(el.myList);
    });
    // Past showtimes grey out as time goes by.
    setInterval(() => { if (state.city && state.movies && state.day === state.days[0]) renderResults(); }, 60000);
    // A page kept open overnight: today moves on.
    setInterval(() => {
      if (!state.city) return;
      const days = horizon(state.city.tz);
      if (days[0] !== state.days[0]) {
        const keep = days.includes(state.day) ? state.day : days[0];
        state.days = days;
        state.day = keep;
        loadMovies(state.gen);
      }
    }, 300000);
  }

  async function init() {
    state.lang = guessLang();
    const view = store('cs.view');
    if (view === 'cinemas' || view === 'movies') state.view = view;
    bind();
    if (finder) {
      finder.init({
        form: $('search-form'), input: $('search-input'), options: $('search-options'),
        panel: $('search-panel'), lang: () => state.lang, city: () => (state.city ? state.city.id : null)
      });
    }
    applyStrings();
    await loadSession();
    applyStrings();
    loadStats();
    loadAccount();
    if (lib) {
      const toolbar = document.querySelector('.toolbar');
      toolbar.insertBefore(lib.hideSeenControl(), el.myListButton);
      el.myListButton.textContent = lib.t('myList');
      lib.init({
        lang: () => state.lang,
        bellHost: document.querySelector('.header-tools'),
        onChange: () => {
          el.myListButton.hidden = !lib.signedIn();
          if (state.movies) renderResults();
          if (rec) rec.refresh(state.lang);
        }
      });
    }
    try {
      await loadLocations();
    } catch (err) {
      setMessage(err.network ? 'errNetwork' : 'errGeneric', 'error');
      return;
    } finally {
      document.documentElement.dataset.ready = 'true';
    }
    const wanted = new URLSearchParams(window.location.search).get('city') || store('cs.city');
    const loc = exactCity(wanted);
    if (loc) {
      el.cityInput.value = cityName(loc);
      selectCity(loc);
    } else {
      setMessage('chooseCity');
    }
  }

  init();
})();
