#include "cinestream/agent/poster_fetcher.hpp"
#include "cinestream/text/encoding.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace cinestream::agent {
namespace asio = boost::asio;

namespace {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return text::hex_encode(std::span<const unsigned char>(digest, len));
}

net::HttpClientOptions client_options(const PosterOptions& o) {
  net::HttpClientOptions h;
  h.max_response_bytes = o.max_bytes;
  h.max_idle_per_host = 2;
  h.address_allowed = net::web_address_rule(o.allow_private, o.allow_loopback);
  return h;
}

// Every event loop and worker process may download the same poster at once: each writes its
// own temporary file (mkstemp, in the same directory so the rename is atomic), and the served
// name appears only complete.
void write_file_atomically(const std::string& path, std::string_view bytes) {
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for " + path);
  bool ok = ::fchmod(fd, 0644) == 0;  // served files are readable (mkstemp makes them 0600)
  for (std::size_t done = 0; ok && done < bytes.size();) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error("cannot write " + path);
  }
}

}  // namespace

std::optional<std::string_view> image_extension(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return "jpg";
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "png";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "webp";
  return std::nullopt;
}

PosterFetcher::PosterFetcher(asio::any_io_executor executor, Async<ScrapeStore> store,
                             PosterOptions options, PosterStats& stats)
    : http_(std::move(executor), client_options(options)),
      store_(store),
      options_(std::move(options)),
      stats_(stats) {
  if (!options_.files) throw std::invalid_argument("PosterFetcher needs the file pool");
}

asio::awaitable<std::optional<std::string>> PosterFetcher::fetch(const std::string& url) {
  net::HttpRequest req;
  req.url = url;
  req.timeout = options_.timeout;
  req.headers = {{"Accept", "image/jpeg, image/png, image/webp"}, {"User-Agent", "CineStream/0.1"}};
  net::HttpResponse res;
  try {
    res = co_await http_.request(std::move(req));
  } catch (const net::HttpError& e) {
    auto kind = e.kind();
    bool refused = kind == net::HttpErrorKind::refused_address ||
                   kind == net::HttpErrorKind::refused_plain_http;
    (refused ? stats_.refused : stats_.failed).fetch_add(1);
    spdlog::info("poster {}: {}", refused ? "refused" : "not fetched", e.what());
    co_return std::nullopt;
  }
  auto ext = image_extension(res.body);
  if (res.status != 200 || !ext) {
    stats_.failed.fetch_add(1);
    spdlog::info("poster not stored: status {}, {} bytes, not a JPEG/PNG/WebP image", res.status,
                 res.body.size());
    co_return std::nullopt;
  }
  auto name = fmt::format("{}.{}", sha256_hex(res.body), *ext);
  auto path = (std::filesystem::path(options_.dir) / name).string();
  // File I/O runs on the file pool, never on the loop or the database's threads; the same image
  // from several movies is written once.
  auto write = [path, dir = options_.dir, bytes = std::move(res.body)] {
    std::filesystem::create_directories(dir);
    if (std::filesystem::exists(path)) return;
    write_file_atomically(path, bytes);
  };
  co_await options_.files->run(std::move(write));
  stats_.downloaded.fetch_add(1);
  co_return "/posters/" + name;
}

asio::awaitable<void> PosterFetcher::fetch_city(std::string city_id) {
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto query = [city_id, now](ScrapeStore& s) {
    return s.showtimes.movies_between(city_id, now - std::chrono::days(1),
                                      now + std::chrono::days(15));
  };
  auto movies = co_await store_.call(std::move(query));
  for (const auto& m : movies) {
    if (!m.image_path.empty() || m.image_url.empty()) continue;
    auto served = co_await fetch(m.image_url);
    if (!served) continue;
    auto save = [id = m.id, path = *served](ScrapeStore& s) {
      s.posters.set_movie_poster(id, path);
    };
    co_await store_.call(std::move(save));
  }
}

}  // namespace cinestream::agent
