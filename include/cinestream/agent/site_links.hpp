#pragma once
// Which links of a cinema's website lead to its programme, for the site reader: the same site
// only (host, ignoring "www." and http -> https), no files, no accounts or carts; programme links
// recognised by their text or their path in Ukrainian, Russian and English ("Розклад", "Афіша",
// "Расписание", "Schedule", /rozklad/, /afisha, /seansy/), and a day's page by a date in its URL
// (/afisha/2026-12-02, ?date=2026-12-02) or its text ("Сьогодні", "Завтра", "02.12").
#include <optional>
#include <string>
#include <string_view>

namespace cinestream::agent {

// `href` made absolute against `page_url`, without its fragment; nullopt when it is not an
// http(s) URL (mailto:, javascript:, tel:, data:) or does not parse.
std::optional<std::string> resolve_link(std::string_view page_url, std::string_view href);

// "host[:port]" of an http(s) URL, lower-cased, without a leading "www."; empty when none.
std::string site_key(std::string_view url);

// The path with its query ("/afisha?date=2026-12-02"), as robots.txt rules match it.
std::string path_and_query(std::string_view url);

// Whether `url` is on the site of `site_url` and could be a page (not an image, a stylesheet,
// a script, a document to download, a sign-in or a cart).
bool same_site_page(std::string_view site_url, std::string_view url);

enum class LinkKind { other, programme, day };

// What a link to a page of the same site leads to.
LinkKind classify_link(std::string_view url, std::string_view text);

}  // namespace cinestream::agent
