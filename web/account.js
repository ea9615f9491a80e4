'use strict';

// CineStream account page: sign up, sign in, the account itself, password reset and email
// confirmation (the links in emails open #verify=TOKEN and #reset=TOKEN here). No framework, no
// build step. Sessions are HttpOnly cookies; every unsafe request echoes the cs_csrf cookie in
// X-CSRF-Token (double submit). Server text is put on the page with textContent only.
(function () {
  // ---------------------------------------------------------------- strings
  const I18N = {
    en: {
      skip: 'Skip to content', language: 'Language', accountTitle: 'Your CineStream account',
      signInTitle: 'Sign in', signUpTitle: 'Create an account', email: 'Email', password: 'Password',
      displayName: 'Your name', homeCity: 'Home city', noCity: 'Not chosen',
      passwordHint: 'At least 10 characters.', signInSubmit: 'Sign in', signUpSubmit: 'Create the account',
      forgotLink: 'Forgot your password?', forgotTitle: 'Reset your password',
      forgotHint: 'We will email you a link to choose a new password.', forgotSubmit: 'Send the link',
      forgotSent: 'If an account uses {email}, we have sent it a link to choose a new password.',
      resetTitle: 'Choose a new password', newPassword: 'New password', resetSubmit: 'Set the new password',
      resetDone: 'Your password is changed. Sign in with the new one.',
      verifying: 'Confirming your email address\u2026',
      verified: 'Your email address is verified. Thank you!',
      hello: 'Hello, {name}', emailIs: 'Email:', verifiedBadge: 'verified', unverifiedBadge: 'not confirmed yet',
      resend: 'Send the confirmation email again', resent: 'We have sent a new confirmation link to {email}.',
      signOut: 'Sign out', signedOut: 'You have signed out.', signOutAll: 'Sign out everywhere',
      signedOutAll: 'You have signed out on every device.',
      signedUp: 'Your account is created. We have sent a confirmation link to {email}.',
      signedIn: 'You are signed in.',
      profileTitle: 'Profile', accountLang: 'Language of the site and emails',
      notifications: 'Email me', notifyCity: 'when a new film comes to my city',
      notifyNews: 'the CineStream newsletter', save: 'Save', saved: 'Your changes are saved.',
      passwordTitle: 'Change the password', currentPassword: 'Current password',
      passwordSubmit: 'Change the password', passwordChanged: 'Your password is changed. Your other devices are signed out.',
      sessionsTitle: 'Where you are signed in', thisDevice: 'this device', unknownDevice: 'Unknown device',
      lastUsed: 'last used {time}', signOutDevice: 'Sign out this device',
      deviceSignedOut: 'That device is signed out.',
      exportTitle: 'Your data', exportHint: 'Everything CineStream keeps about you, as a JSON file.',
      exportSubmit: 'Download my data', exported: 'Your data is downloaded.',
      deleteTitle: 'Delete the account', deleteHint: 'This cannot be undone. Enter your password to confirm.',
      deleteSubmit: 'Delete my account', deleted: 'Your account and its data are deleted.',
      backHome: 'Back to showtimes', required: 'Please fill in this field.',
      errInvalidCredentials: 'The email or the password is wrong.',
      errLoginThrottled: 'Too many attempts to sign in. Try again in {s} seconds.',
      errEmailTaken: 'An account with this email already exists. Sign in, or reset its password.',
      errPasswordShort: 'The password is too short: use at least 10 characters.',
      errPasswordLong: 'The password is too long: use at most 128 characters.',
      errPasswordCommon: 'This password is too common or easy to guess. Choose another.',
      errPasswordInvalid: 'The password contains characters that are not allowed.',
      errDisplayName: 'Enter a name of up to 50 characters, without < or >.',
      errEmail: 'Enter a valid email address.',
      errCsrf: 'The request could not be confirmed as coming from this page. Reload the page and try again.',
      errSession: 'Your session has ended. Please sign in again.',
      errInvalidToken: 'This link is invalid, already used or expired. Request a new one.',
      errWrongPassword: 'The password is wrong.',
      errRateLimited: 'Too many requests. Try again in {s} seconds.',
      errRateLimitedSoon: 'Too many requests. Try again in a minute.',
      errDisabled: 'This account is disabled.', errCity: 'Choose a city from the list.',
      errNetwork: 'The server could not be reached. Check your connection and try again.',
      errGeneric: 'Something went wrong. Please try again.'
    },
    ua: {
      skip: 'Перейти до змісту', language: 'Мова', accountTitle: 'Ваш обліковий запис CineStream',
      signInTitle: 'Вхід', signUpTitle: 'Створити обліковий запис', email: 'Електронна пошта', password: 'Пароль',
      displayName: 'Ваше ім’я', homeCity: 'Рідне місто', noCity: 'Не обрано',
      passwordHint: 'Щонайменше 10 символів.', signInSubmit: 'Увійти', signUpSubmit: 'Створити обліковий запис',
      forgotLink: 'Забули пароль?', forgotTitle: 'Відновлення пароля',
      forgotHint: 'Ми надішлемо вам посилання, щоб задати новий пароль.', forgotSubmit: 'Надіслати посилання',
      forgotSent: 'Якщо адреса {email} належить обліковому запису, ми надіслали на неї посилання для нового пароля.',
      resetTitle: 'Задайте новий пароль', newPassword: 'Новий пароль', resetSubmit: 'Зберегти новий пароль',
      resetDone: 'Пароль змінено. Увійдіть із новим паролем.',
      verifying: 'Підтверджуємо вашу адресу…',
      verified: 'Вашу адресу підтверджено. Дякуємо!',
      hello: 'Вітаємо, {name}', emailIs: 'Пошта:', verifiedBadge: 'підтверджено', unverifiedBadge: 'ще не підтверджено',
      resend: 'Надіслати лист підтвердження ще раз', resent: 'Ми надіслали нове посилання для підтвердження на {email}.',
      signOut: 'Вийти', signedOut: 'Ви вийшли з облікового запису.', signOutAll: 'Вийти на всіх пристроях',
      signedOutAll: 'Ви вийшли на всіх пристроях.',
      signedUp: 'Обліковий запис створено. Ми надіслали посилання для підтвердження на {email}.',
      signedIn: 'Ви увійшли.',
      profileTitle: 'Профіль', accountLang: 'Мова сайту й листів',
      notifications: 'Надсилати мені листи', notifyCity: 'коли в моєму місті з’являється новий фільм',
      notifyNews: 'розсилку CineStream', save: 'Зберегти', saved: 'Зміни збережено.',
      passwordTitle: 'Зміна пароля', currentPassword: 'Поточний пароль',
      passwordSubmit: 'Змінити пароль', passwordChanged: 'Пароль змінено. На інших пристроях виконано вихід.',
      sessionsTitle: 'Де ви увійшли', thisDevice: 'цей пристрій', unknownDevice: 'Невідомий пристрій',
      lastUsed: 'востаннє {time}', signOutDevice: 'Вийти на цьому пристрої',
      deviceSignedOut: 'На тому пристрої виконано вихід.',
      exportTitle: 'Ваші дані', exportHint: 'Усе, що CineStream зберігає про вас, у файлі JSON.',
      exportSubmit: 'Завантажити мої дані', exported: 'Ваші дані завантажено.',
      deleteTitle: 'Видалення облікового запису', deleteHint: 'Це не можна скасувати. Введіть пароль для підтвердження.',
      deleteSubmit: 'Видалити мій обліковий запис', deleted: 'Ваш обліковий запис і його дані видалено.',
      backHome: 'До розкладу', required: 'Заповніть це поле.',
      errInvalidCredentials: 'Неправильна адреса або пароль.',
      errLoginThrottled: 'Забагато спроб входу. Спробуйте ще раз через {s} с.',
      errEmailTaken: 'Обліковий запис із цією адресою вже існує. Увійдіть або відновіть пароль.',
      errPasswordShort: 'Пароль закороткий: потрібно щонайменше 10 символів.',
      errPasswordLong: 'Пароль задовгий: щонайбільше 128 символів.',
      errPasswordCommon: 'Цей пароль надто поширений або легкий. Оберіть інший.',
      errPasswordInvalid: 'Пароль містить недозволені символи.',
      errDisplayName: 'Введіть ім’я до 50 символів, без < і >.',
      errEmail: 'Введіть правильну адресу електронної пошти.',
      errCsrf: 'Не вдалося підтвердити, що запит надіслано з цієї сторінки. Оновіть сторінку і спробуйте ще раз.',
      errSession: 'Сеанс завершився. Увійдіть знову.',
      errInvalidToken: 'Посилання недійсне, уже використане або застаріле. Попросіть нове.',
      errWrongPassword: 'Неправильний пароль.',
      errRateLimited: 'Забагато запитів. Спробуйте ще раз через {s} с.',
      errRateLimitedSoon: 'Забагато запитів. Спробуйте ще раз за хвилину.',
      errDisabled: 'Цей обліковий запис вимкнено.', errCity: 'Оберіть місто зі списку.',
      errNetwork: 'Сервер недоступний. Перевірте з’єднання і спробуйте ще раз.',
      errGeneric: 'Щось пішло не так. Спробуйте ще раз.'
    },
    ru: {
      skip: 'Перейти к содержимому', language: 'Язык', accountTitle: 'Ваша учётная запись CineStream',
      signInTitle: 'Вход', signUpTitle: 'Создать учётную запись', email: 'Электронная почта', password: 'Пароль',
      displayName: 'Ваше имя', homeCity: 'Родной город', noCity: 'Не выбран',
      passwordHint: 'Не меньше 10 символов.', signInSubmit: 'Войти', signUpSubmit: 'Создать учётную запись',
      forgotLink: 'Забыли пароль?', forgotTitle: 'Восстановление пароля',
      forgotHint: 'Мы отправим вам ссылку, чтобы задать новый пароль.', forgotSubmit: 'Отправить ссылку',
      forgotSent: 'Если адрес {email} принадлежит учётной записи, мы отправили на него ссылку для нового пароля.',
      resetTitle: 'Задайте новый пароль', newPassword: 'Новый пароль', resetSubmit: 'Сохранить новый пароль',
      resetDone: 'Пароль изменён. Войдите с новым паролем.',
      verifying: 'Подтверждаем ваш адрес…',
      verified: 'Ваш адрес подтверждён. Спасибо!',
      hello: 'Здравствуйте, {name}', emailIs: 'Почта:', verifiedBadge: 'подтверждён', unverifiedBadge: 'ещё не подтверждён',
      resend: 'Отправить письмо подтверждения ещё раз', resent: 'Мы отправили новую ссылку для подтверждения на {email}.',
      signOut: 'Выйти', signedOut: 'Вы вышли из учётной записи.', signOutAll: 'Выйти на всех устройствах',
      signedOutAll: 'Вы вышли на всех устройствах.',
      signedUp: 'Учётная запись создана. Мы отправили ссылку для подтверждения на {email}.',
      signedIn: 'Вы вошли.',
      profileTitle: 'Профиль', accountLang: 'Язык сайта и писем',
      notifications: 'Присылать мне письма', notifyCity: 'когда в моём городе появляется новый фильм',
      notifyNews: 'рассылку CineStream', save: 'Сохранить', saved: 'Изменения сохранены.',
      passwordTitle: 'Смена пароля', currentPassword: 'Текущий пароль',
      passwordSubmit: 'Сменить пароль', passwordChanged: 'Пароль изменён. На других устройствах выполнен выход.',
      sessionsTitle: 'Где вы вошли', thisDevice: 'это устройство', unknownDevice: 'Неизвестное устройство',
      lastUsed: 'последний раз {time}', signOutDevice: 'Выйти на этом устройстве',
      deviceSignedOut: 'На том устройстве выполнен выход.',
      exportTitle: 'Ваши данные', exportHint: 'Всё, что CineStream хранит о вас, в файле JSON.',
      exportSubmit: 'Скачать мои данные', exported: 'Ваши данные скачаны.',
      deleteTitle: 'Удаление учётной записи', deleteHint: 'Это нельзя отменить. Введите пароль для подтверждения.',
      deleteSubmit: 'Удалить мою учётную запись', deleted: 'Ваша учётная запись и её данные удалены.',
      backHome: 'К расписанию', required: 'Заполните это поле.',
      errInvalidCredentials: 'Неверный адрес или пароль.',
      errLoginThrottled: 'Слишком много попыток входа. Попробуйте ещё раз через {s} с.',
      errEmailTaken: 'Учётная запись с этим адресом уже существует. Войдите или восстановите пароль.',
      errPasswordShort: 'Пароль слишком короткий: нужно не меньше 10 символов.',
      errPasswordLong: 'Пароль слишком длинный: не больше 128 символов.',
      errPasswordCommon: 'Этот пароль слишком распространённый или простой. Выберите другой.',
      errPasswordInvalid: 'Пароль содержит недопустимые символы.',
      errDisplayName: 'Введите имя до 50 символов, без < и >.',
      errEmail: 'Введите правильный адрес электронной почты.',
      errCsrf: 'Не удалось подтвердить, что запрос отправлен с этой страницы. Обновите страницу и попробуйте ещё раз.',
      errSession: 'Сеанс завершился. Войдите снова.',
      errInvalidToken: 'Ссылка недействительна, уже использована или устарела. Запросите новую.',
      errWrongPassword: 'Неверный пароль.',
      errRateLimited: 'Слишком много запросов. Попробуйте ещё раз через {s} с.',
      errRateLimitedSoon: 'Слишком много запросов. Попробуйте ещё раз через минуту.',
      errDisabled: 'Эта учётная запись отключена.', errCity: 'Выберите город из списка.',
      errNetwork: 'Сервер недоступен. Проверьте соединение и попробуйте ещё раз.',
      errGeneric: 'Что-то пошло не так. Попробуйте ещё раз.'
    }
  };
  const { LOCALE, HTML_LANG, store, str, make, cookie, withCsrf } = window.CineCommon;
  // The page says "ua" (as app.js and /api/session do); accounts use ISO 639-1 "uk".
  const ACCOUNT_LANG = { ua: 'uk', en: 'en', ru: 'ru' };
  const PAGE_LANG = { uk: 'ua', en: 'en', ru: 'ru' };
  // The API's stable error codes, by message.
  const ERROR_KEY = {
    invalid_credentials: 'errInvalidCredentials', login_throttled: 'errLoginThrottled',
    email_taken: 'errEmailTaken', password_too_short: 'errPasswordShort',
    password_too_long: 'errPasswordLong', password_common: 'errPasswordCommon',
    password_invalid: 'errPasswordInvalid', invalid_display_name: 'errDisplayName',
    invalid_email: 'errEmail', csrf_token_invalid: 'errCsrf', csrf_rejected: 'errCsrf',
    token_expired: 'errSession', unauthenticated: 'errSession', invalid_refresh_token: 'errSession',
    refresh_token_reused: 'errSession', invalid_token: 'errInvalidToken',
    wrong_password: 'errWrongPassword', rate_limited: 'errRateLimited',
    account_disabled: 'errDisabled', unknown_city: 'errCity'
  };

  const $ = (id) => document.getElementById(id);
  const el = {
    lang: $('lang-select'), main: $('main'), notice: $('notice'),
    resetView: $('reset-view'), resetForm: $('reset-form'), resetPassword: $('reset-password'), resetError: $('reset-error'),
    anonView: $('anon-view'), signinForm: $('signin-form'), signinEmail: $('signin-email'),
    signinPassword: $('signin-password'), signinError: $('signin-error'),
    forgotToggle: $('forgot-toggle'), forgotForm: $('forgot-form'), forgotEmail: $('forgot-email'), forgotError: $('forgot-error'),
    signupForm: $('signup-form'), signupName: $('signup-name'), signupEmail: $('signup-email'),
    signupPassword: $('signup-password'), signupCity: $('signup-city'), signupError: $('signup-error'),
    userView: $('user-view'), hello: $('hello-heading'), userEmail: $('user-email'), verifiedBadge: $('verified-badge'),
    resend: $('resend'), signout: $('signout'),
    profileForm: $('profile-form'), profileName: $('profile-name'), profileLang: $('profile-lang'),
    profileCity: $('profile-city'), notifyCity: $('notify-city'), notifyNews: $('notify-news'), profileError: $('profile-error'),
    passwordForm: $('password-form'), passwordCurrent: $('password-current'), passwordNew: $('password-new'),
    passwordError: $('password-error'),
    sessions: $('sessions'), sessionsError: $('sessions-error'), signoutAll: $('signout-all'),
    exportBtn: $('export'), exportError: $('export-error'),
    deleteForm: $('delete-form'), deletePassword: $('delete-password'), deleteError: $('delete-error')
  };

  const state = {
    lang: 'en',
    user: null,
    sessions: [],
    locations: [],
    resetToken: null,
    notice: null, // { key, vars, kind }
    refreshing: null // the refresh in flight: concurrent 401s share it
  };

  // ---------------------------------------------------------------- helpers
  function t(key, vars) { return window.CineCommon.translate(I18N, state.lang, key, vars); }

  // ---------------------------------------------------------------- API
  async function send(method, url, body) {
    const headers = { Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      withCsrf(headers);
      if (method === 'POST' || body !== undefined) init.body = JSON.stringify(body || {});
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch (e) {
      const err = new Error('network');
      err.network = true;
      throw err;
    }
    let data = null;
    if (res.status !== 204) {
      try { data = await res.json(); } catch (e) { data = null; }
    }
    if (res.ok) return data || {};
    const err = new Error((data && data.error && data.error.message) || ('HTTP ' + res.status));
    err.status = res.status;
    err.code = (data && data.error && data.error.code) || '';
    err.retryAfter = Number.parseInt(res.headers.get('Retry-After') || '', 10);
    throw err;
  }

  // The access cookie lives 15 minutes: on 401 the refresh cookie gets a new one, once.
  function refreshSession() {
    if (!state.refreshing) {
      state.refreshing = send('POST', '/api/auth/refresh', {})
        .then(() => true, (err) => {
          if (err.status === 401) window.CineCommon.forgetSession();
          return false;
        })
        .finally(() => { state.refreshing = null; });
    }
    return state.refreshing;
  }

  async function api(method, url, body) {
    try {
      return await send(method, url, body);
    } catch (err) {
      const expired = err.status === 401 && (err.code === 'token_expired' || err.code === 'unauthenticated');
      if (!expired || !cookie('cs_csrf') || !(await refreshSession())) throw err;
      return send(method, url, body);
    }
  }

  function errorText(err) {
    if (err.network) return t('errNetwork');
    const key = ERROR_KEY[err.code];
    if (!key) return t('errGeneric');
    if (key === 'errRateLimited' || key === 'errLoginThrottled') {
      return err.retryAfter > 0 ? t(key, { s: err.retryAfter }) : t('errRateLimitedSoon');
    }
    return t(key);
  }

  // ---------------------------------------------------------------- messages
  function setNotice(key, kind, vars) {
    state.notice = key ? { key, kind, vars } : null;
    renderNotice();
  }

  // An API refusal as the notice: kept as the error, so it follows a change of language.
  function setErrorNotice(err) {
    state.notice = { key: 'error', kind: 'error', err };
    renderNotice();
  }

  function renderNotice() {
    const n = state.notice;
    el.notice.textContent = !n ? '' : (n.err ? errorText(n.err) : t(n.key, n.vars));
    el.notice.className = 'notice' + (n && n.kind ? ' ' + n.kind : '');
    el.notice.dataset.key = n ? n.key : '';
  }

  // An error goes next to its form, announced (role="alert"); its field is marked invalid.
  function showError(box, err, field) {
    box.textContent = typeof err === 'string' ? err : errorText(err);
    box.dataset.code = (err && err.code) || '';
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  }

  function clearErrors(form) {
    form.querySelectorAll('.form-error').forEach((box) => { box.textContent = ''; box.dataset.code = ''; });
    form.querySelectorAll('[aria-invalid]').forEach((f) => f.removeAttribute('aria-invalid'));
  }

  // The first required field left empty gets the message, before asking the server.
  function missing(form, box) {
    const empty = Array.from(form.querySelectorAll('input[required]')).find((f) => !f.value.trim());
    if (!empty) return false;
    showError(box, t('required'), empty);
    return true;
  }

  // Which field an error code is about, for focus.
  function fieldFor(code, fields) {
    if (code === 'wrong_password' && fields.current) return fields.current;
    if (/password|credentials|throttled/.test(code)) return fields.password || fields.email;
    if (/email/.test(code)) return fields.email;
    if (/display_name/.test(code)) return fields.name;
    if (/city/.test(code)) return fields.city;
    return null;
  }

  // Runs a form's action with its button disabled; errors land in the form's box.
  async function submitting(form, box, fields, action) {
    clearErrors(form);
    if (missing(form, box)) return;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await action();
    } catch (err) {
      showError(box, err, fieldFor(str(err.code), fields || {}));
    } finally {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  // ---------------------------------------------------------------- language
  function guessLang() { return window.CineCommon.guessLang(I18N); }

  function applyStrings() {
    document.documentElement.lang = HTML_LANG[state.lang];
    document.title = 'CineStream: ' + t('accountTitle');
    document.querySelectorAll('[data-i18n]').forEach((node) => {
      node.textContent = t(node.getAttribute('data-i18n'));
    });
    el.lang.value = state.lang;
    renderNotice();
    renderCities();
    renderUser();
  }

  // The page's language, kept as the main page keeps it (localStorage and the cs_lang cookie).
  async function setPageLang(lang) {
    if (!I18N[lang]) return;
    const changed = lang !== state.lang;
    state.lang = lang;
    store('cs.lang', lang);
    applyStrings();
    try { await api('POST', '/api/session', { lang }); } catch (e) { /* kept in localStorage */ }
    if (changed) await loadLocations();
  }

  async function loadSessionLang() {
    try {
      const doc = await send('GET', '/api/session');
      if (I18N[doc.lang]) state.lang = doc.lang;
    } catch (e) { /* older server: localStorage only */ }
  }

  // ---------------------------------------------------------------- cities
  async function loadLocations() {
    try {
      const data = await send('GET', '/api/locations?lang=' + encodeURIComponent(state.lang));
      state.locations = (Array.isArray(data.locations) ? data.locations : []).filter((l) => l && typeof l.id === 'string');
    } catch (e) {
      state.locations = [];
    }
    renderCities();
  }

  function cityName(loc) { return str((loc.names && loc.names[state.lang]) || loc.name || loc.id); }

  function fillCitySelect(select, chosen) {
    select.textContent = '';
    select.append(new Option(t('noCity'), ''));
    const sorted = state.locations.slice().sort((a, b) => cityName(a).localeCompare(cityName(b), LOCALE[state.lang]));
    sorted.forEach((loc) => select.append(new Option(cityName(loc), loc.id)));
    if (chosen && !state.locations.some((l) => l.id === chosen)) select.append(new Option(chosen, chosen));
    select.value = chosen || '';
  }

  function renderCities() {
    fillCitySelect(el.signupCity, el.signupCity.value);
    const chosen = el.profileCity.dataset.dirty ? el.profileCity.value : str(state.user && state.user.home_city);
    fillCitySelect(el.profileCity, chosen);
  }

  // ---------------------------------------------------------------- views
  function show(view) {
    el.resetView.hidden = view !== 'reset';
    el.anonView.hidden = view !== 'anon';
    el.userView.hidden = view !== 'user';
    document.documentElement.dataset.view = view;
  }

  function currentView() {
    if (state.resetToken) return 'reset';
    return state.user ? 'user' : 'anon';
  }

  function renderUser() {
    const u = state.user;
    if (!u) return;
    el.hello.textContent = t('hello', { name: str(u.display_name) });
    el.userEmail.textContent = str(u.email);
    el.verifiedBadge.textContent = u.email_verified ? t('verifiedBadge') : t('unverifiedBadge');
    el.verifiedBadge.className = 'badge' + (u.email_verified ? ' ok' : ' pending');
    el.verifiedBadge.dataset.verified = String(Boolean(u.email_verified));
    el.resend.hidden = Boolean(u.email_verified);
    renderSessions();
  }

  function fillProfileForm() {
    const u = state.user;
    el.profileName.value = str(u.display_name);
    el.profileLang.value = ACCOUNT_LANG[PAGE_LANG[u.lang] || 'ua'];
    delete el.profileCity.dataset.dirty;
    fillCitySelect(el.profileCity, str(u.home_city));
    const n = u.notifications || {};
    el.notifyCity.checked = Boolean(n.film_in_my_city);
    el.notifyNews.checked = Boolean(n.newsletter);
  }

  function renderSessions() {
    el.sessions.textContent = '';
    const fmt = new Intl.DateTimeFormat(LOCALE[state.lang], { dateStyle: 'medium', timeStyle: 'short' });
    state.sessions.forEach((s, i) => {
      const li = make('li', 'session');
      li.dataset.testid = 'session';
      li.dataset.current = String(Boolean(s.current));
      const info = make('div', 'session-info');
      const name = make('strong', 'session-device', str(s.device) || t('unknownDevice'));
      name.id = 'session-device-' + i;
      info.append(name);
      if (s.current) info.append(' ', make('span', 'badge ok', t('thisDevice')));
      const when = Date.parse(str(s.last_used_at));
      const meta = [str(s.address), Number.isNaN(when) ? '' : t('lastUsed', { time: fmt.format(new Date(when)) })]
        .filter(Boolean).join(' · ');
      info.append(make('span', 'session-meta', meta));
      const button = make('button', 'btn small', t('signOutDevice'));
      button.type = 'button';
      button.dataset.testid = 'session-signout';
      button.setAttribute('aria-describedby', name.id); // which device, for screen readers
      button.addEventListener('click', () => revokeSession(s, button));
      li.append(info, button);
      el.sessions.append(li);
    });
  }

  function render() {
    show(currentView());
    if (state.user) renderUser();
  }

  // ---------------------------------------------------------------- account
  async function loadMe() {
    if (!cookie('cs_csrf')) { state.user = null; return; } // never signed in here: no question to ask
    try {
      const doc = await api('GET', '/api/me');
      state.user = doc.user || null;
    } catch (err) {
      state.user = null;
      if (err.network) setErrorNotice(err);
    }
  }

  async function loadSessions() {
    try {
      const doc = await api('GET', '/api/me/sessions');
      state.sessions = Array.isArray(doc.sessions) ? doc.sessions : [];
    } catch (err) {
      state.sessions = [];
      if (err.status === 401) return signedOut('errSession', 'error');
    }
    renderSessions();
  }

  async function signedIn(user, noticeKey, vars) {
    state.user = user;
    fillProfileForm();
    // The account's language is the visitor's choice on every device they sign in on.
    const lang = PAGE_LANG[user.lang];
    if (lang && lang !== state.lang) await setPageLang(lang);
    setNotice(noticeKey, 'ok', vars);
    render();
    el.main.focus();
    await loadSessions();
  }

  function signedOut(noticeKey, kind) {
    state.user = null;
    state.sessions = [];
    setNotice(noticeKey, kind || 'ok');
    render();
    el.main.focus();
  }

  async function onSignIn() {
    const doc = await api('POST', '/api/auth/login', {
      email: el.signinEmail.value.trim(), password: el.signinPassword.value, session: 'cookie'
    });
    el.signinForm.reset();
    await signedIn(doc.user, 'signedIn');
  }

  async function onSignUp() {
    const body = {
      email: el.signupEmail.value.trim(), password: el.signupPassword.value,
      display_name: el.signupName.value.trim(), lang: ACCOUNT_LANG[state.lang], session: 'cookie'
    };
    if (el.signupCity.value) body.home_city = el.signupCity.value;
    const doc = await api('POST', '/api/auth/register', body);
    el.signupForm.reset();
    await signedIn(doc.user, 'signedUp', { email: str(doc.user.email) });
  }

  async function onForgot() {
    const email = el.forgotEmail.value.trim();
    await api('POST', '/api/auth/forgot-password', { email });
    setNotice('forgotSent', 'ok', { email });
  }

  async function onReset() {
    await api('POST', '/api/auth/reset-password', { token: state.resetToken, password: el.resetPassword.value });
    state.resetToken = null;
    el.resetForm.reset();
    state.user = null;
    setNotice('resetDone', 'ok');
    render();
    el.signinEmail.focus();
  }

  async function onProfile() {
    const doc = await api('PATCH', '/api/me', {
      display_name: el.profileName.value.trim(), lang: el.profileLang.value, home_city: el.profileCity.value,
      notifications: { film_in_my_city: el.notifyCity.checked, newsletter: el.notifyNews.checked }
    });
    state.user = doc.user;
    fillProfileForm();
    const lang = PAGE_LANG[doc.user.lang];
    if (lang && lang !== state.lang) await setPageLang(lang);
    setNotice('saved', 'ok');
    render();
  }

  async function onPassword() {
    await api('POST', '/api/me/password', {
      current_password: el.passwordCurrent.value, new_password: el.passwordNew.value
    });
    el.passwordForm.reset();
    setNotice('passwordChanged', 'ok');
    await loadSessions();
  }

  async function onDelete() {
    await api('DELETE', '/api/me', { password: el.deletePassword.value });
    el.deleteForm.reset();
    signedOut('deleted');
  }

  async function signOut() {
    el.signout.disabled = true;
    try {
      await send('POST', '/api/auth/logout', {});
    } catch (e) { /* the session may be gone already: signed out either way */ }
    el.signout.disabled = false;
    signedOut('signedOut');
  }

  async function signOutAll() {
    el.sessionsError.textContent = '';
    try {
      await api('POST', '/api/auth/logout-all', {});
      signedOut('signedOutAll');
    } catch (err) {
      showError(el.sessionsError, err);
    }
  }

  async function revokeSession(s, button) {
    if (s.current) return signOut();
    el.sessionsError.textContent = '';
    button.disabled = true;
    try {
      await api('DELETE', '/api/me/sessions/' + encodeURIComponent(str(s.id)));
      setNotice('deviceSignedOut', 'ok');
      await loadSessions();
      el.signoutAll.focus();
    } catch (err) {
      button.disabled = false;
      showError(el.sessionsError, err);
    }
  }

  async function exportData() {
    el.exportError.textContent = '';
    el.exportBtn.disabled = true;
    try {
      const doc = await api('GET', '/api/me/export');
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const a = make('a');
      a.href = url;
      a.download = 'cinestream-account.json';
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      setNotice('exported', 'ok');
    } catch (err) {
      showError(el.exportError, err);
    } finally {
      el.exportBtn.disabled = false;
    }
  }

  async function resendVerification() {
    el.resend.disabled = true;
    try {
      await api('POST', '/api/auth/resend-verification', {});
      setNotice('resent', 'ok', { email: str(state.user.email) });
    } catch (err) {
      setErrorNotice(err);
    } finally {
      el.resend.disabled = false;
    }
  }

  // ---------------------------------------------------------------- links from emails
  // #verify=TOKEN confirms at once; #reset=TOKEN opens the new-password form. The token leaves
  // the address bar (and so the history) as soon as it is read.
  async function followHash() {
    const m = /^#(verify|reset)=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
    if (!m) return;
    history.replaceState(null, '', window.location.pathname + window.location.search);
    if (m[1] === 'reset') {
      state.resetToken = m[2];
      setNotice(null);
      render();
      el.resetPassword.focus();
      return;
    }
    setNotice('verifying');
    try {
      await send('POST', '/api/auth/verify-email', { token: m[2] });
      if (state.user) state.user.email_verified = true;
      setNotice('verified', 'ok');
    } catch (err) {
      setErrorNotice(err);
    }
    render();
    el.main.focus();
  }

  // ---------------------------------------------------------------- start
  function bind() {
    el.lang.addEventListener('change', () => setPageLang(el.lang.value));
    el.signinForm.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(el.signinForm, el.signinError, { email: el.signinEmail, password: el.signinPassword }, onSignIn);
    });
    el.signupForm.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(el.signupForm, el.signupError,
        { email: el.signupEmail, password: el.signupPassword, name: el.signupName, city: el.signupCity }, onSignUp);
    });
    el.forgotToggle.addEventListener('click', () => {
      const open = el.forgotForm.hidden;
      el.forgotForm.hidden = !open;
      el.forgotToggle.setAttribute('aria-expanded', String(open));
      if (open) {
        if (!el.forgotEmail.value) el.forgotEmail.value = el.signinEmail.value.trim();
        el.forgotEmail.focus();
      }
    });
    el.forgotForm.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(el.forgotForm, el.forgotError, { email: el.forgotEmail }, onForgot);
    });
    el.resetForm.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(el.resetForm, el.resetError, { password: el.resetPassword }, onReset);
    });
    el.profileForm.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(el.profileForm, el.profileError, { name: el.profileName, city: el.profileCity }, onProfile);
    });
    el.profileCity.addEventListener('change', () => { el.profileCity.dataset.dirty = 'true'; });
    el.passwordForm.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(el.passwordForm, el.passwordError,
        { current: el.passwordCurrent, password: el.passwordNew }, onPassword);
    });
    el.deleteForm.addEventListener('submit', (e) => {
      e.preventDefault();
      submitting(el.deleteForm, el.deleteError, { password: el.deletePassword }, onDelete);
    });
    el.signout.addEventListener('click', signOut);
    el.signoutAll.addEventListener('click', signOutAll);
    el.exportBtn.addEventListener('click', exportData);
    el.resend.addEventListener('click', resendVerification);
    window.addEventListener('hashchange', followHash);
  }

  async function init() {
    state.lang = guessLang();
    bind();
    applyStrings();
    await loadSessionLang();
    applyStrings();
    await Promise.all([loadLocations(), loadMe()]);
    if (state.user) fillProfileForm();
    render();
    await followHash();
    if (state.user) await loadSessions();
    document.documentElement.dataset.ready = 'true';
  }

  init();
})();
