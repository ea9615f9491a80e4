'use strict';

// Helpers shared by the pages (app.js, account.js), loaded before them: no framework, no build
// step, so they meet on one global.
window.CineCommon = (function () {
  const LOCALE = { en: 'en-GB', ua: 'uk-UA', ru: 'ru-RU' };
  const HTML_LANG = { en: 'en', ua: 'uk', ru: 'ru' };

  function store(key, value) {
    try {
      if (value === undefined) return localStorage.getItem(key);
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch (e) { /* storage unavailable (private mode): fine */ }
    return null;
  }

  function fill(text, vars) {
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  }

  // `key` of the page's string tables in `lang` (English where missing); a table entry that is
  // an object holds plural forms, chosen by vars.count.
  function translate(tables, lang, key, vars) {
    const table = tables[lang] || tables.en;
    let text = table[key] !== undefined ? table[key] : tables.en[key];
    if (text === undefined) return key;
    if (typeof text === 'object') {
      const n = vars && typeof vars.count === 'number' ? vars.count : 0;
      const form = new Intl.PluralRules(LOCALE[lang]).select(n);
      text = text[form] || text.other;
    }
    return fill(text, vars);
  }

  function str(v) { return typeof v === 'string' ? v : (v === null || v === undefined ? '' : String(v)); }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null && text !== '') node.textContent = String(text);
    return node;
  }

  function cookie(name) {
    const found = document.cookie.split('; ').find((c) => c.startsWith(name + '='));
    return found ? decodeURIComponent(found.slice(name.length + 1)) : '';
  }

  // A signed-in visitor's cookies authenticate unsafe requests only with the double-submit token:
  // the JS-readable cs_csrf cookie echoed in X-CSRF-Token.
  function withCsrf(headers) {
    const csrf = cookie('cs_csrf');
    if (csrf) headers['X-CSRF-Token'] = csrf;
    return headers;
  }

  // A refresh the server refused: the session is over (signed out elsewhere, expired), so the
  // pages stop asking for it on every load.
  function forgetSession() {
    const secure = window.location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = 'cs_csrf=; Path=/; Max-Age=0; SameSite=Lax' + secure;
  }

  // The language chosen on this browser before, else the first of the browser's we have.
  function guessLang(tables) {
    const saved = store('cs.lang');
    if (saved && tables[saved]) return saved;
    const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (const p of prefs) {
      const v = str(p).toLowerCase();
      if (v.startsWith('uk')) return 'ua';
      if (v.startsWith('ru')) return 'ru';
      if (v.startsWith('en')) return 'en';
    }
    return 'en';
  }

  return { LOCALE, HTML_LANG, store, fill, translate, str, make, cookie, withCsrf, forgetSession, guessLang };
})();
