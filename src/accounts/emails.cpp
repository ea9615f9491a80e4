#include "cinestream/accounts/emails.hpp"

#include <fmt/format.h>

namespace cinestream::accounts {
namespace {

struct Text {
  const char* subject;
  const char* body;  // {name}, {link}
};

const Text& pick(std::string_view lang, const Text& uk, const Text& en, const Text& ru) {
  if (lang == "en") return en;
  if (lang == "ru") return ru;
  return uk;
}

mail::Message make(const User& user, const Text& t, std::string_view link, const char* kind) {
  mail::Message m;
  m.to = user.email;
  m.subject = t.subject;
  m.text_body = fmt::format(fmt::runtime(t.body), fmt::arg("name", user.display_name),
                            fmt::arg("link", link));
  m.kind = kind;
  return m;
}

}  // namespace

mail::Message verification_email(const User& user, std::string_view link) {
  static const Text uk{
      "CineStream: підтвердіть адресу",
      "Вітаємо, {name}!\n\nЩоб підтвердити адресу, відкрийте посилання:\n{link}\n\n"
      "Якщо ви не реєструвалися в CineStream, просто проігноруйте цей лист.\n"};
  static const Text en{"CineStream: confirm your address",
                       "Hello {name},\n\nTo confirm your address, open this link:\n{link}\n\n"
                       "If you did not sign up for CineStream, ignore this message.\n"};
  static const Text ru{
      "CineStream: подтвердите адрес",
      "Здравствуйте, {name}!\n\nЧтобы подтвердить адрес, откройте ссылку:\n{link}\n\n"
      "Если вы не регистрировались в CineStream, просто проигнорируйте это письмо.\n"};
  return make(user, pick(user.lang, uk, en, ru), link, "verify_email");
}

mail::Message password_reset_email(const User& user, std::string_view link) {
  static const Text uk{"CineStream: відновлення пароля",
                       "Вітаємо, {name}!\n\nЩоб задати новий пароль, відкрийте посилання (діє 30 "
                       "хвилин, один раз):\n{link}\n\nЯкщо ви не просили відновити пароль, "
                       "проігноруйте цей лист: пароль не змінено.\n"};
  static const Text en{"CineStream: reset your password",
                       "Hello {name},\n\nTo choose a new password, open this link (valid for 30 "
                       "minutes, once):\n{link}\n\nIf you did not ask for this, ignore this "
                       "message: your password has not changed.\n"};
  static const Text ru{"CineStream: восстановление пароля",
                       "Здравствуйте, {name}!\n\nЧтобы задать новый пароль, откройте ссылку "
                       "(действует 30 минут, один раз):\n{link}\n\nЕсли вы не просили "
                       "восстановить пароль, проигнорируйте это письмо: пароль не изменён.\n"};
  return make(user, pick(user.lang, uk, en, ru), link, "password_reset");
}

}  // namespace cinestream::accounts
