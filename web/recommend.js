'use strict';

// "For you tonight" on the showtimes page: films playing in the chosen city in the next three
// days, ranked for the signed-in visitor (popular in the city for anyone else), each with why it
// is suggested and its next showtimes (GET /api/recommendations). Loaded after common.js; the
// page calls window.CineRecommend.show() when a city is shown and when the visitor's library
// changes, so a new rating shows in the list at once.
window.CineRecommend = (function () {
  const { translate, make, str, LOCALE } = window.CineCommon;

  const I18N = {
    en: {
      forYou: 'For you in the next days', popularHere: 'Popular in the next days',
      because: 'Because you liked {title}', similarViewers: 'Liked by viewers with your taste',
      popularCity: 'Popular here this week', popular: 'Popular this week',
      nothing: 'Nothing to suggest yet.'
    },
    ua: {
      forYou: 'Для вас найближчими днями', popularHere: 'Популярне найближчими днями',
      because: 'Бо вам сподобався «{title}»', similarViewers: 'Подобається глядачам зі схожим смаком',
      popularCity: 'Популярне тут цього тижня', popular: 'Популярне цього тижня',
      nothing: 'Поки нічого порадити.'
    },
    ru: {
      forYou: 'Для вас в ближайшие дни', popularHere: 'Популярное в ближайшие дни',
      because: 'Потому что вам понравился «{title}»', similarViewers: 'Нравится зрителям с похожим вкусом',
      popularCity: 'Популярное здесь на этой неделе', popular: 'Популярное на этой неделе',
      nothing: 'Пока нечего посоветовать.'
    }
  };
  const TITLE_KEY = { en: 'en', ua: 'uk', ru: 'ru' };

  const state = { host: null, city: null, tz: 'UTC', lang: 'en', request: 0 };

  function t(key, vars) { return translate(I18N, state.lang, key, vars); }

  function titleIn(title) {
    if (!title) return '';
    return str(title[TITLE_KEY[state.lang]]) || str(title.en) || str(title.local) ||
      str(title.original) || str(title.uk) || str(title.ru);
  }

  function reasonText(reason) {
    switch (reason && reason.kind) {
      case 'because_you_liked':
        return reason.title ? t('because', { title: titleIn(reason.title) }) : t('similarViewers');
      case 'liked_by_similar_viewers': return t('similarViewers');
      case 'popular_in_city': return t('popularCity');
      default: return t('popular');
    }
  }

  function when(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return '';
    return new Intl.DateTimeFormat(LOCALE[state.lang], {
      weekday: 'short', hour: '2-digit', minute: '2-digit', timeZone: state.tz
    }).format(d);
  }

  function render(doc) {
    const host = state.host;
    host.textContent = '';
    const items = Array.isArray(doc.recommendations) ? doc.recommendations : [];
    host.appendChild(make('h3', 'for-you-title', doc.personal ? t('forYou') : t('popularHere')));
    if (!items.length) {
      host.appendChild(make('p', 'empty', t('nothing')));
      return;
    }
    const list = make('ol', 'for-you-list');
    items.forEach((r) => {
      const li = make('li', 'for-you-item');
      li.dataset.testid = 'for-you-item';
      li.dataset.filmId = String(r.film_id);
      const a = make('a', 'for-you-film', titleIn(r.title));
      a.href = '/film.html?id=' + r.film_id + '&city=' + encodeURIComponent(state.city);
      li.appendChild(a);
      li.appendChild(make('span', 'for-you-reason', reasonText(r.reason)));
      const next = (Array.isArray(r.next_showtimes) ? r.next_showtimes : [])
        .map((s) => when(s.start) + (s.theater ? ' · ' + str(s.theater) : ''))
        .filter(Boolean);
      if (next.length) li.appendChild(make('span', 'for-you-next', next.join(', ')));
      list.appendChild(li);
    });
    host.appendChild(list);
  }

  // host: the section to fill; city: its id; tz: its zone (showtimes in local time).
  async function show(host, city, lang, tz) {
    state.host = host;
    state.city = city;
    state.lang = lang || state.lang;
    state.tz = tz || 'UTC';
    const mine = ++state.request;
    const p = new URLSearchParams({ city, days: '3', limit: '8' });
    try {
      const res = await fetch('/api/recommendations?' + p.toString(), { credentials: 'same-origin' });
      if (!res.ok) throw new Error('status ' + res.status);
      const doc = await res.json();
      if (mine !== state.request) return;  // a newer request (another city, a new rating) won
      render(doc);
      host.hidden = false;
    } catch (e) {
      if (mine === state.request) host.hidden = true;  // suggestions are extra: the page goes on
    }
  }

  function refresh(lang) {
    if (state.host && state.city) show(state.host, state.city, lang || state.lang, state.tz);
  }

  return { show, refresh };
})();
