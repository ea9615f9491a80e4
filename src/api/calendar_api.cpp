// GET /api/showtime.ics: one stored showtime as an iCalendar event (RFC 5545).
#include <fmt/format.h>

#include <charconv>

#include "cinestream/api/api.hpp"
#include "cinestream/http/encoding.hpp"

namespace cinestream::api {
namespace bh = boost::beast::http;
using http::error_response;
using http::Response;
using http::Status;

namespace {

// TEXT values escape backslash, ';', ',' and newlines.
std::string ics_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == ';' || c == ',') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out.push_back(c);
    }
  }
  return out;
}

// Lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8 character.
void add_line(std::string& out, std::string_view line) {
  std::size_t limit = 75;
  while (line.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
      --cut;
    out.append(line.substr(0, cut)).append("\r\n ");
    line.remove_prefix(cut);
    limit = 74;  // the leading space counts
  }
  out.append(line).append("\r\n");
}

std::string ics_time(SysSeconds t) {
  auto s = format_utc(t);  // 2026-11-21T18:00:00Z
  std::string out;
  for (char c : s) {
    if (c != '-' && c != ':') out.push_back(c);
  }
  return out;
}

}  // namespace

boost::asio::awaitable<http::Reply> Api::showtime_ics(http::RequestContext& ctx) {
  const Location* city = catalog_.resolve(ctx.target.param("city").value_or(""));
  if (!city) co_return error_response(Status::not_found, "city_not_found", "no such city");
  auto lang = parse_lang(ctx.target.param("lang").value_or("en")).value_or(Lang::en);
  auto movie_raw = ctx.target.param("movie_id").value_or("");
  std::int64_t movie_id = 0;
  auto [p, ec] = std::from_chars(movie_raw.data(), movie_raw.data() + movie_raw.size(), movie_id);
  auto local = parse_local_start(ctx.target.param("start").value_or(""));
  std::string theater(ctx.target.param("theater").value_or(""));
  if (ec != std::errc{} || p != movie_raw.data() + movie_raw.size() || !local || theater.empty()) {
    co_return error_response(Status::bad_request, "invalid_showtime",
                             "give city, movie_id, theater and start as in /api/showtimes");
  }
  const auto* zone = catalog_.zone(*city);
  auto wall = date::local_seconds{date::local_days{local->day}} + local->time_of_day;
  auto start = std::chrono::time_point_cast<std::chrono::seconds>(
      zone->to_sys(wall, date::choose::earliest));
  auto query = [id = city->id, start](ApiStore& s) {
    return s.showtimes.movies_between(id, start, start + std::chrono::seconds(1));
  };
  auto movies = co_await store_.call(std::move(query));
  for (const auto& m : movies) {
    if (m.id != movie_id) continue;
    for (const auto& t : m.theaters) {
      if (t.name != theater || t.showtimes.empty()) continue;
      const auto& s = t.showtimes.front();
      auto title = m.title.in(lang);
      std::string ics;
      add_line(ics, "BEGIN:VCALENDAR");
      add_line(ics, "VERSION:2.0");
      add_line(ics, "PRODID:-//CineStream//Showtimes//EN");
      add_line(ics, "CALSCALE:GREGORIAN");
      add_line(ics, "METHOD:PUBLISH");
      add_line(ics, "BEGIN:VEVENT");
      add_line(ics,
               fmt::format("UID:{}-{}-{}@cinestream", m.id, http::make_etag(t.name).substr(1, 16),
                           s.start.time_since_epoch().count()));
      add_line(ics, "DTSTAMP:" + ics_time(std::chrono::time_point_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now())));
      add_line(ics, "DTSTART:" + ics_time(s.start));
      // Running times are not scraped: two hours is what calendars show for a film.
      add_line(ics, "DTEND:" + ics_time(s.start + std::chrono::hours(2)));
      add_line(ics,
               "SUMMARY:" +
                   ics_text(s.format.empty() ? title : fmt::format("{} ({})", title, s.format)));
      add_line(ics, "LOCATION:" + ics_text(t.address.empty() ? t.name : t.name + ", " + t.address));
      std::string details = s.language;
      if (!s.hall.empty()) details += (details.empty() ? "" : ", ") + s.hall;
      if (!details.empty()) add_line(ics, "DESCRIPTION:" + ics_text(details));
      if (t.website.starts_with("https://") || t.website.starts_with("http://")) {
        add_line(ics, "URL:" + t.website);
      }
      add_line(ics, "END:VEVENT");
      add_line(ics, "END:VCALENDAR");
      auto res = http::make_response(Status::ok, "text/calendar; charset=utf-8",
                                     std::make_shared<const std::string>(std::move(ics)));
      res.set(bh::field::content_disposition,
              fmt::format("attachment; filename=\"cinestream-{}-{}.ics\"", city->id,
                          ics_time(s.start)));
      res.set(bh::field::cache_control, "no-store");
      if (ctx.principal && options_.activity && m.film_id != 0) {
        options_.activity->note({.user_id = ctx.principal->user_id,
                                 .kind = ActivityKind::exported_calendar,
                                 .film_id = m.film_id,
                                 .detail = {}});
      }
      co_return res;
    }
  }
  co_return error_response(Status::not_found, "showtime_not_found", "no such showtime");
}

}  // namespace cinestream::api
