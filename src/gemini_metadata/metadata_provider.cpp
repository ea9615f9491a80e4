#include "cinestream/gemini_metadata/metadata_provider.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <chrono>
#include <stdexcept>

namespace cinestream::gemini_metadata {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

int system_year() {
  auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int>(std::chrono::year_month_day(days).year());
}

catalog::MetadataFailure failure_of(gemini::ErrorKind kind) {
  switch (kind) {
    case gemini::ErrorKind::auth:
    case gemini::ErrorKind::config:
    case gemini::ErrorKind::not_found:  // the model does not exist
      return catalog::MetadataFailure::provider;
    case gemini::ErrorKind::invalid_request:
    case gemini::ErrorKind::blocked:
      return catalog::MetadataFailure::film;
    default:
      return catalog::MetadataFailure::transient;
  }
}

// A string field: "" when absent or null; refused when another type or longer than `max` bytes.
std::string text_at(const json::object& o, std::string_view key, std::size_t max) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return {};
  if (!it->value().is_string()) throw std::invalid_argument(fmt::format("{} is not text", key));
  auto s = it->value().as_string();
  if (s.size() > max) throw std::invalid_argument(fmt::format("{} is too long", key));
  return std::string(s);
}

// A whole number in [min, max]; 0 when absent, null or outside (an implausible value is unknown).
int number_at(const json::object& o, std::string_view key, int min, int max) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return 0;
  const auto& v = it->value();
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.as_int64();
  } else if (v.is_uint64()) {
    n = static_cast<std::int64_t>(std::min<std::uint64_t>(v.as_uint64(), 1u << 30));
  } else if (v.is_double() &&
             v.as_double() == static_cast<double>(static_cast<int>(v.as_double()))) {
    n = static_cast<int>(v.as_double());
  } else {
    throw std::invalid_argument(fmt::format("{} is not a number", key));
  }
  return n >= min && n <= max ? static_cast<int>(n) : 0;
}

}  // namespace

gemini::GenerateRequest film_prompt(const catalog::Film& film) {
  gemini::GenerateRequest r;
  r.system_instruction =
      "You are a film reference. Answer only with facts you found or know for certain; never "
      "guess. Use null for anything unknown.";
  std::string known;
  auto add = [&](std::string_view label, const std::string& value) {
    if (!value.empty()) known += fmt::format("- {}: {}\n", label, value);
  };
  add("title as listed", film.title.original);
  add("English title", film.title.en);
  add("Ukrainian title", film.title.uk);
  add("Russian title", film.title.ru);
  if (film.year > 0) add("year", std::to_string(film.year));
  if (film.runtime_minutes > 0) add("runtime (minutes)", std::to_string(film.runtime_minutes));
  r.prompt = fmt::format(
      "A film now shown in cinemas in Ukraine:\n{}\n"
      "Identify it and answer with one JSON object: {{\"found\": true or false, "
      "\"title_original\", \"title_en\", \"title_uk\", \"title_ru\", \"year\", "
      "\"runtime_minutes\", \"genres\" (English names), \"overview_en\", \"overview_uk\", "
      "\"overview_ru\" (two or three sentences each, in that language), \"age_rating\"}}. "
      "If you cannot identify the film with confidence, answer {{\"found\": false}}.",
      known);
  r.grounded = true;
  r.want_json = true;
  r.temperature = 0;
  r.max_output_tokens = 4096;
  return r;
}

std::optional<catalog::FilmMetadata> parse_film_answer(const json::value& answer, int this_year) {
  if (!answer.is_object()) throw std::invalid_argument("the answer is not a JSON object");
  const auto& o = answer.as_object();
  auto found = o.find("found");
  if (found == o.end() || !found->value().is_bool())
    throw std::invalid_argument("the answer does not say whether the film was found");
  if (!found->value().as_bool()) return std::nullopt;
  catalog::FilmMetadata m;
  m.title.original = text_at(o, "title_original", 300);
  m.title.en = text_at(o, "title_en", 300);
  m.title.uk = text_at(o, "title_uk", 300);
  m.title.ru = text_at(o, "title_ru", 300);
  m.year = number_at(o, "year", 1888, this_year + 2);
  m.runtime_minutes = number_at(o, "runtime_minutes", 1, 1000);
  m.overview.en = text_at(o, "overview_en", 4000);
  m.overview.ua = text_at(o, "overview_uk", 4000);
  m.overview.ru = text_at(o, "overview_ru", 4000);
  m.age_rating = text_at(o, "age_rating", 20);
  if (auto g = o.find("genres"); g != o.end() && g->value().is_array()) {
    for (const auto& v : g->value().as_array()) {
      if (!v.is_string() || v.as_string().empty() || v.as_string().size() > 40) continue;
      m.genres.emplace_back(v.as_string());
      if (m.genres.size() == 10) break;
    }
  }
  if (m.title.original.empty() && m.title.en.empty() && m.title.uk.empty() && m.title.ru.empty())
    throw std::invalid_argument("the answer names no title");
  return m;
}

GeminiMetadataProvider::GeminiMetadataProvider(asio::any_io_executor executor,
                                               gemini::ClientOptions options,
                                               gemini::Sleeper sleeper)
    : http_(std::move(executor)),
      client_(http_, std::move(options), meter_, limiter_, std::move(sleeper)) {
  client_.set_billing({.before_attempt = [this]() -> asio::awaitable<void> {
                         ++calls_;
                         co_return;
                       },
                       .billed = {}});
}

asio::awaitable<std::optional<catalog::FilmMetadata>> GeminiMetadataProvider::lookup(
    catalog::Film film) {
  gemini::CallResult result;
  try {
    result = co_await client_.generate(film_prompt(film));
  } catch (const gemini::GeminiError& e) {
    throw catalog::MetadataError(failure_of(e.kind()), e.what());
  }
  if (!result.json || result.json_repaired)
    throw catalog::MetadataError(catalog::MetadataFailure::transient,
                                 "Gemini: the answer is not the JSON asked for");
  try {
    co_return parse_film_answer(*result.json, system_year());
  } catch (const std::invalid_argument& e) {
    throw catalog::MetadataError(catalog::MetadataFailure::transient,
                                 fmt::format("Gemini: {}", e.what()));
  }
}

}  // namespace cinestream::gemini_metadata
