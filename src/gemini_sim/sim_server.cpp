#include "cinestream/gemini_sim/sim_server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <filesystem>
#include <fstream>

#include "cinestream/http/json_text.hpp"
#include "cinestream/http/router.hpp"
#include "cinestream/http/server.hpp"
#include "cinestream/observability/metrics.hpp"
#include "cinestream/runtime/event_loops.hpp"

namespace cinestream::gemini_sim {
namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace json = boost::json;
using http::Response;
using http::Status;

struct SimServer::Impl {
  EventLoops loops{1};
  http::Router router;
  std::unique_ptr<HttpMetrics> metrics;
  std::unique_ptr<http::Server> server;
  std::string host;
  std::uint16_t port = 0;
};

namespace {

Response json_reply(unsigned status, std::string body) {
  auto res = http::json_response(static_cast<Status>(status), std::move(body));
  res.set(bh::field::cache_control, "no-store");
  return res;
}

}  // namespace

SimServer::SimServer(const CityCatalog& catalog, SimOptions options)
    : service_(catalog, std::move(options)),
      sites_(service_, service_.options().sites),
      impl_(std::make_unique<Impl>()) {
  auto& r = impl_->router;
  if (service_.options().serve_sites) {
    // Sites are told apart by Host, not by path: a middleware sees every request a route or the
    // fallback would serve, so any path of a site host comes here.
    r.use([this](http::RequestContext& ctx, http::Next next) -> asio::awaitable<http::Reply> {
      auto host = ctx.request[bh::field::host];
      if (!SiteService::is_site_host(host)) co_return co_await next();
      auto reply = sites_.serve(host, ctx.request.target(),
                                {.if_none_match = ctx.request[bh::field::if_none_match],
                                 .if_modified_since = ctx.request[bh::field::if_modified_since],
                                 .user_agent = ctx.request[bh::field::user_agent]});
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(reply.delay);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      auto res = http::make_response(static_cast<Status>(reply.status), reply.content_type,
                                     std::make_shared<const std::string>(std::move(reply.body)));
      if (reply.content_type.empty()) res.erase(bh::field::content_type);
      if (!reply.etag.empty()) res.set(bh::field::etag, reply.etag);
      if (!reply.last_modified.empty()) res.set(bh::field::last_modified, reply.last_modified);
      if (!reply.location.empty()) res.set(bh::field::location, reply.location);
      res.set(bh::field::server, "nginx");
      co_return res;
    });
    r.set_fallback([](http::RequestContext&) -> asio::awaitable<http::Reply> {
      co_return http::error_response(Status::not_found, "not_found", "no such resource");
    });
  }
  r.add(http::Verb::post, "/v1beta/models/{model_action}",
        [this](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
          std::string key(ctx.request["x-goog-api-key"]);
          if (key.empty()) key = std::string(ctx.target.param("key").value_or(""));
          bool sse = ctx.target.param("alt").value_or("") == "sse";
          std::string self = "http://" + std::string(ctx.request[bh::field::host]);
          auto reply =
              service_.generate(ctx.param("model_action"), sse, key, ctx.request.body(), self);
          if (reply.delay.count() > 0) {
            asio::steady_timer timer(co_await asio::this_coro::executor);
            timer.expires_after(reply.delay);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
          }
          auto res =
              http::make_response(static_cast<Status>(reply.status), reply.content_type,
                                  std::make_shared<const std::string>(std::move(reply.body)));
          res.set("Vary", "Origin, X-Origin, Referer");
          res.set(bh::field::server, "scaffolding on HTTPServer2");
          co_return res;
        });
  r.add(http::Verb::get, "/posters/{file}",
        [this](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
          std::string_view name = ctx.param("file");
          if (!name.ends_with(".png") || name.find('/') != std::string_view::npos) {
            co_return http::error_response(Status::not_found, "not_found", "no such poster");
          }
          name.remove_suffix(4);
          auto res = http::make_response(
              Status::ok, "image/png",
              std::make_shared<const std::string>(service_.world().poster_png(name)));
          res.set(bh::field::cache_control, "public, max-age=86400");
          co_return res;
        });
  r.add(http::Verb::get, "/sim/truth",
        [this](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
          const Location* city = service_.catalog().resolve(ctx.target.param("city").value_or(""));
          if (!city)
            co_return http::error_response(Status::not_found, "city_not_found", "unknown city");
          const auto* zone = service_.catalog().zone(*city);
          auto from = service_.today(zone);
          if (auto f = ctx.target.param("from"); f && !f->empty()) {
            auto parsed = parse_iso_date(*f);
            if (!parsed)
              co_return http::error_response(Status::bad_request, "invalid_date",
                                             "from must be YYYY-MM-DD");
            from = *parsed;
          }
          int days = 14;
          if (auto d = ctx.target.param("days"); d && !d->empty()) {
            auto [p, ec] = std::from_chars(d->data(), d->data() + d->size(), days);
            if (ec != std::errc{} || days < 1 || days > 60) {
              co_return http::error_response(Status::bad_request, "invalid_days",
                                             "days must be 1..60");
            }
          }
          co_return json_reply(200,
                               http::json_text(service_.world().truth(*city, zone, from, days)));
        });
  r.add(http::Verb::get, "/sim/faults",
        [this](http::RequestContext&) -> asio::awaitable<http::Reply> {
          co_return json_reply(200, http::json_text(faults_json(service_.faults())));
        });
  r.add(http::Verb::post, "/sim/faults",
        [this](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
          boost::system::error_code ec;
          auto doc = json::parse(ctx.request.body(), ec);
          if (ec || !doc.is_object()) {
            co_return http::error_response(Status::bad_request, "invalid_json",
                                           "expected a JSON object");
          }
          // Merges into the current faults; {"reset": true} starts from none.
          bool reset = doc.as_object().contains("reset");
          service_.set_faults(parse_faults(doc.as_object(), reset ? Faults{} : service_.faults()));
          co_return json_reply(200, http::json_text(faults_json(service_.faults())));
        });
  r.add(http::Verb::get, "/sim/stats",
        [this](http::RequestContext&) -> asio::awaitable<http::Reply> {
          auto s = service_.stats();
          json::object o{{"calls", s.calls},
                         {"grounded", s.grounded},
                         {"errors_injected", s.errors_injected},
                         {"cinemas", s.cinemas},
                         {"movies", s.movies},
                         {"showtimes", s.showtimes},
                         {"other", s.other}};
          json::object sites;
          for (const auto& [host, st] : sites_.stats()) {
            sites[host] = json::object{{"requests", st.requests},
                                       {"not_modified", st.not_modified},
                                       {"bytes", st.bytes},
                                       {"disallowed", st.disallowed},
                                       {"user_agent", st.user_agent}};
          }
          o["sites"] = std::move(sites);
          co_return json_reply(200, http::json_text(o));
        });
  impl_->metrics = std::make_unique<HttpMetrics>(r.route_names(), 1);
}

SimServer::~SimServer() {
  stop();
}

std::uint16_t SimServer::start(const std::string& host, std::uint16_t port) {
  impl_->host = host;
  impl_->server = std::make_unique<http::Server>(
      impl_->loops, impl_->router, *impl_->metrics,
      http::ServerOptions{.host = host,
                          .port = port,
                          .body_limit = 4 << 20,
                          .access_log = false,
                          .limits = http::ClientLimitOptions::none()});
  impl_->port = impl_->server->listen();
  if (service_.options().serve_sites) service_.set_site_port(impl_->port);
  impl_->server->start();
  thread_ = std::thread([this] { impl_->loops.run(); });
  return impl_->port;
}

void SimServer::stop() {
  if (!thread_.joinable()) return;
  impl_->loops.stop();
  thread_.join();
}

std::string SimServer::base_url() const {
  return fmt::format(
      "http://{}:{}",
      impl_->host.find(':') != std::string::npos ? "[" + impl_->host + "]" : impl_->host,
      impl_->port);
}

int SimServer::run_until_signal(const std::string& host, std::uint16_t port,
                                const std::string& port_file) {
  impl_->host = host;
  impl_->server = std::make_unique<http::Server>(
      impl_->loops, impl_->router, *impl_->metrics,
      http::ServerOptions{.host = host,
                          .port = port,
                          .body_limit = 4 << 20,
                          .access_log = true,
                          .limits = http::ClientLimitOptions::none()});
  impl_->port = impl_->server->listen();
  if (service_.options().serve_sites) service_.set_site_port(impl_->port);
  impl_->server->start();
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << impl_->port << "\n";
    std::filesystem::rename(port_file + ".tmp", port_file);
  }
  spdlog::info("gemini stand-in serving {} (seed {})", base_url(), service_.world().options().seed);
  asio::signal_set signals(impl_->loops.at(0), SIGTERM, SIGINT);
  signals.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) impl_->loops.stop();
  });
  impl_->loops.run();
  return 0;
}

}  // namespace cinestream::gemini_sim
