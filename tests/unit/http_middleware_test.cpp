// The middleware chain, the error table, and an in-process server with routes that use them:
// per-route body limits while reading, prebuilt and streamed replies, errors mapped to statuses.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cinestream/http/middleware.hpp"
#include "cinestream/http/prebuilt.hpp"
#include "cinestream/http/router.hpp"
#include "cinestream/http/server.hpp"
#include "cinestream/observability/metrics.hpp"
#include "cinestream/runtime/event_loops.hpp"

namespace cinestream::http {
namespace {

namespace asio = boost::asio;
namespace bh = boost::beast::http;

template <class T>
T run_sync(asio::awaitable<T> a) {
  asio::io_context io;
  auto f = asio::co_spawn(io, std::move(a), asio::use_future);
  io.run();
  return f.get();
}

struct Traced {
  std::vector<std::string> trace;
  Middleware named(std::string name) {
    return [this, name](RequestContext&, Next next) -> asio::awaitable<Reply> {
      trace.push_back(name + ">");
      auto reply = co_await next();
      trace.push_back("<" + name);
      if (auto* res = reply.response()) res->set("X-" + name, "seen");
      co_return reply;
    };
  }
  Handler handler() {
    return [this](RequestContext&) -> asio::awaitable<Reply> {
      trace.push_back("handler");
      co_return json_response(Status::ok, "{}");
    };
  }
};

struct Fixture {
  Request req{bh::verb::post, "/x", 11};
  Target target = *parse_target("/x");
  RequestContext ctx{req, target, "rid", asio::ip::make_address("10.0.0.1")};  // NOLINT
};

TEST(Middleware, RunsInOrderAroundTheHandler) {
  Traced t;
  std::vector<Middleware> global{t.named("g1"), t.named("g2")};
  std::vector<Middleware> route{t.named("r1")};
  Handler h = t.handler();
  MiddlewareChain chain;
  chain.parts[1] = global;
  chain.parts[3] = route;
  chain.handler = &h;
  Fixture f;
  auto reply = run_sync(run_chain(chain, f.ctx));
  EXPECT_EQ(t.trace,
            (std::vector<std::string>{"g1>", "g2>", "r1>", "handler", "<r1", "<g2", "<g1"}));
  ASSERT_TRUE(reply.response());
  EXPECT_EQ(reply.response()->at("X-g1"), "seen");
  EXPECT_EQ(reply.response()->at("X-r1"), "seen");
}

TEST(Middleware, ShortCircuitSkipsTheRest) {
  Traced t;
  Middleware deny = [&t](RequestContext& ctx, Next) -> asio::awaitable<Reply> {
    t.trace.push_back("deny");
    EXPECT_FALSE(ctx.principal);
    co_return error_response(Status::unauthorized, "unauthorized", "sign in");
  };
  std::vector<Middleware> global{t.named("g1"), deny, t.named("g2")};
  Handler h = t.handler();
  MiddlewareChain chain;
  chain.parts[1] = global;
  chain.handler = &h;
  Fixture f;
  auto reply = run_sync(run_chain(chain, f.ctx));
  EXPECT_EQ(reply.status(), Status::unauthorized);
  EXPECT_EQ(t.trace, (std::vector<std::string>{"g1>", "deny", "<g1"}));
}

TEST(Middleware, FillsThePrincipalForLaterSteps) {
  Middleware auth = [](RequestContext& ctx, Next next) -> asio::awaitable<Reply> {
    ctx.principal = Principal{"u-1", "admin", "s-1", false};
    co_return co_await next();
  };
  std::vector<Middleware> global{auth};
  Handler h = [](RequestContext& ctx) -> asio::awaitable<Reply> {
    co_return json_response(Status::ok, ctx.principal ? ctx.principal->role : "none");
  };
  MiddlewareChain chain;
  chain.parts[0] = global;
  chain.handler = &h;
  Fixture f;
  auto reply = run_sync(run_chain(chain, f.ctx));
  EXPECT_EQ(*reply.response()->body(), "admin");
}

TEST(Middleware, SameOriginCheck) {
  auto check = middleware::same_origin_check();
  Handler h = [](RequestContext&) -> asio::awaitable<Reply> {
    co_return json_response(Status::ok, "{}");
  };
  std::vector<Middleware> parts{check};
  MiddlewareChain chain;
  chain.parts[2] = parts;
  chain.handler = &h;
  auto status_for = [&](std::string origin) {
    Fixture f;
    f.req.set(bh::field::host, "cinema.example:8080");
    if (!origin.empty()) f.req.set(bh::field::origin, origin);
    return run_sync(run_chain(chain, f.ctx)).status();
  };
  EXPECT_EQ(status_for(""), Status::ok);
  EXPECT_EQ(status_for("http://cinema.example:8080"), Status::ok);
  EXPECT_EQ(status_for("https://CINEMA.example:8080"), Status::ok);
  EXPECT_EQ(status_for("https://evil.example"), Status::forbidden);
  EXPECT_EQ(status_for("null"), Status::forbidden);
}

TEST(Middleware, ApiCsrfCheckWantsJsonFromThisSite) {
  Handler h = [](RequestContext&) -> asio::awaitable<Reply> {
    co_return json_response(Status::ok, "{}");
  };
  auto status_for = [&](const Middleware& check, std::map<bh::field, std::string> headers,
                        bh::verb method = bh::verb::post, std::string body = {}) {
    std::vector<Middleware> parts{check};
    MiddlewareChain chain;
    chain.parts[2] = parts;
    chain.handler = &h;
    Fixture f;
    f.req.method(method);
    f.req.body() = std::move(body);
    f.req.set(bh::field::host, "cinema.example");
    for (const auto& [name, value] : headers)
      f.req.set(name, value);
    return run_sync(run_chain(chain, f.ctx)).status();
  };
  auto by_host = middleware::api_csrf_check();
  const auto json = std::pair{bh::field::content_type, std::string("application/json")};
  EXPECT_EQ(status_for(by_host, {json}), Status::ok);
  EXPECT_EQ(status_for(by_host, {{bh::field::content_type, "Application/JSON; charset=utf-8"}}),
            Status::ok);
  for (const char* type :
       {"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
        "multipart/form-data; b=x", "application/jsonx"}) {
    EXPECT_EQ(status_for(by_host, {{bh::field::content_type, type}}),
              Status::unsupported_media_type)
        << type;
  }
  // PUT, PATCH and DELETE cannot be sent cross-site without a preflight: without a body they need
  // no type; with one, JSON. POST always needs it (a bodiless POST is a "simple" request).
  EXPECT_EQ(status_for(by_host, {}, bh::verb::delete_), Status::ok);
  EXPECT_EQ(status_for(by_host, {}, bh::verb::post), Status::unsupported_media_type);
  EXPECT_EQ(status_for(by_host, {{bh::field::content_type, "text/plain"}}, bh::verb::patch, "x=1"),
            Status::unsupported_media_type);
  EXPECT_EQ(status_for(by_host, {{bh::field::origin, "https://evil.example"}}, bh::verb::delete_),
            Status::forbidden);
  EXPECT_EQ(status_for(by_host, {json, {bh::field::origin, "https://cinema.example"}}), Status::ok);
  EXPECT_EQ(status_for(by_host, {json, {bh::field::origin, "https://evil.example"}}),
            Status::forbidden);
  EXPECT_EQ(status_for(by_host, {json, {bh::field::referer, "https://cinema.example/?city=x"}}),
            Status::ok);
  EXPECT_EQ(
      status_for(by_host, {json, {bh::field::referer, "https://evil.example/cinema.example"}}),
      Status::forbidden);
  // Behind nginx the Host has no port ($host): the origin's host name decides.
  EXPECT_EQ(status_for(by_host, {json, {bh::field::origin, "https://cinema.example:8443"}}),
            Status::ok);
  EXPECT_EQ(status_for(by_host, {json, {bh::field::origin, "https://evil.example:8443"}}),
            Status::forbidden);
  // With the public origin configured, that origin only (scheme included).
  auto configured = middleware::api_csrf_check("https://cinema.example");
  EXPECT_EQ(status_for(configured, {json, {bh::field::origin, "https://cinema.example"}}),
            Status::ok);
  EXPECT_EQ(status_for(configured, {json, {bh::field::origin, "http://cinema.example"}}),
            Status::forbidden);
  EXPECT_EQ(status_for(configured, {json}), Status::ok);  // curl: no site named
}

struct DomainBusy : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct DomainGone : DomainBusy {
  using DomainBusy::DomainBusy;
};

TEST(ErrorMap, MapsRegisteredTypesAndTheirSubclasses) {
  Router r;
  r.register_error<DomainGone>(Status::gone, "gone", "it is gone");
  r.register_error<DomainBusy>(Status::service_unavailable, "unavailable", "busy",
                               std::chrono::seconds(3));
  const auto* busy = r.errors().find(DomainBusy("x"));
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->code, "unavailable");
  auto res = ErrorMap::respond(*busy);
  EXPECT_EQ(res.result(), Status::service_unavailable);
  EXPECT_EQ(res[bh::field::retry_after], "3");
  EXPECT_EQ(*res.body(), R"({"error":{"code":"unavailable","message":"busy"}})");
  EXPECT_EQ(r.errors().find(DomainGone("x"))->status, Status::gone);
  EXPECT_FALSE(r.errors().find(std::runtime_error("x")));
  EXPECT_EQ(ErrorMap::internal_error().result(), Status::internal_server_error);
}

TEST(Reply, KindsAndStatus) {
  Reply buffered = json_response(Status::created, "{}");
  EXPECT_EQ(buffered.kind(), Reply::Kind::buffered);
  EXPECT_EQ(buffered.status(), Status::created);
  auto bytes = std::make_shared<const PrebuiltResponse>(prebuild(json_response(Status::ok, "{}")));
  auto pre = Reply::prebuilt(bytes);
  EXPECT_EQ(pre.kind(), Reply::Kind::prebuilt);
  EXPECT_EQ(pre.response(), nullptr);
  EXPECT_EQ(&pre.prebuilt_bytes(), bytes.get());
  auto stream = Reply::stream(make_response(Status::ok, "text/event-stream", nullptr),
                              [](EventSink&) -> asio::awaitable<void> { co_return; });
  EXPECT_EQ(stream.kind(), Reply::Kind::stream);
  EXPECT_TRUE(stream.response());
}

// ---- an in-process server ----

struct Answer {
  unsigned status = 0;
  std::string head;  // status line and headers, as sent
  std::string body;
};

// Sends raw bytes on a new connection and reads until the server closes it (or 5 s pass).
std::string send_raw(std::uint16_t port, const std::string& bytes) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  timeval tv{5, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  boost::system::error_code ec;
  asio::write(s, asio::buffer(bytes), ec);
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

Answer request(std::uint16_t port, bh::verb method, const std::string& target,
               std::string body = {},
               std::vector<std::pair<std::string, std::string>> fields = {}) {
  std::string raw = std::string(bh::to_string(method)) + " " + target +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : fields)
    raw += k + ": " + v + "\r\n";
  if (!body.empty() || method == bh::verb::post) {
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  raw += "\r\n" + body;
  auto got = send_raw(port, raw);
  Answer a;
  auto end = got.find("\r\n\r\n");
  a.head = got.substr(0, end);
  if (end != std::string::npos) a.body = got.substr(end + 4);
  if (got.size() > 12) a.status = static_cast<unsigned>(std::stoi(got.substr(9, 3)));
  return a;
}

struct ThrowsBusy : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class InProcessServer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto echo_size = [](RequestContext& ctx) -> asio::awaitable<Reply> {
      co_return json_response(Status::ok, std::to_string(ctx.request.body().size()));
    };
    router_.add(Verb::post, "/small", echo_size);
    router_.add(Verb::post, "/big", echo_size, {.body_limit = 4096});
    router_.add(Verb::get, "/items/{id:int}", [](RequestContext& ctx) -> asio::awaitable<Reply> {
      co_return json_response(Status::ok, std::to_string(*ctx.param_int("id") * 2));
    });
    cached_ = std::make_shared<const PrebuiltResponse>(
        prebuild(json_response(Status::ok, R"({"cached":true})")));
    router_.add(Verb::get, "/cached", [this](RequestContext&) -> asio::awaitable<Reply> {
      co_return Reply::prebuilt(cached_);
    });
    router_.add(Verb::get, "/events", [](RequestContext&) -> asio::awaitable<Reply> {
      StreamProducer produce = [](EventSink& sink) -> asio::awaitable<void> {
        co_await sink.event("status", "1");
        co_await sink.event("end", "2");
      };
      co_return Reply::stream(make_response(Status::ok, "text/event-stream", nullptr),
                              std::move(produce));
    });
    router_.add(Verb::get, "/busy", [](RequestContext&) -> asio::awaitable<Reply> {
      throw ThrowsBusy("the backend is busy");
      co_return json_response(Status::ok, "{}");
    });
    router_.add(Verb::get, "/oops", [](RequestContext&) -> asio::awaitable<Reply> {
      throw std::logic_error("a bug");
      co_return json_response(Status::ok, "{}");
    });
    router_.add(Verb::get, "/limited",
                [](RequestContext&) -> asio::awaitable<Reply> {
                  co_return json_response(Status::ok, "{}");
                },
                {.rate_limit = RouteRateLimit{.per_second = 0.001, .burst = 1}});
    router_.add(Verb::post, "/guarded", [](RequestContext& ctx) -> asio::awaitable<Reply> {
      co_return json_response(Status::ok, ctx.principal ? ctx.principal->user_id : "anonymous");
    });
    router_.register_error<ThrowsBusy>(Status::service_unavailable, "unavailable", "busy",
                                       std::chrono::seconds(1));
    router_.use([](RequestContext& ctx, Next next) -> asio::awaitable<Reply> {
      if (ctx.request["X-Test-User"] == "u-7")
        ctx.principal = Principal{"u-7", "user", "s-7", false};
      auto reply = co_await next();
      if (auto* res = reply.response()) res->set("X-Global", "yes");
      co_return reply;
    });
    router_.set_csrf_check(middleware::same_origin_check());
    metrics_ = std::make_unique<HttpMetrics>(router_.route_names(), 1);
    server_ = std::make_unique<Server>(
        loops_, router_, *metrics_,
        ServerOptions{.body_limit = 64, .access_log = false, .limits = ClientLimitOptions::none()});
    port_ = server_->listen();
    server_->start();
    thread_ = std::thread([this] { loops_.run(); });
  }
  void TearDown() override {
    loops_.stop();
    thread_.join();
  }

  EventLoops loops_{1};
  Router router_;
  std::shared_ptr<const PrebuiltResponse> cached_;
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

TEST_F(InProcessServer, BodyLimitIsTheRoutes) {
  std::string body(1000, 'x');
  auto small = request(port_, bh::verb::post, "/small", body);
  EXPECT_EQ(small.status, 413u);
  EXPECT_NE(small.body.find("over 64 bytes"), std::string::npos);
  auto big = request(port_, bh::verb::post, "/big", body);
  EXPECT_EQ(big.status, 200u);
  EXPECT_EQ(big.body, "1000");
  EXPECT_EQ(request(port_, bh::verb::post, "/big", std::string(5000, 'x')).status, 413u);
  EXPECT_EQ(request(port_, bh::verb::post, "/small", std::string(64, 'x')).body, "64");
  // A chunked body has no length up front: it is counted while it is read.
  std::string chunk(200, 'y');
  std::string chunked =
      "POST /small HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nc8\r\n" + chunk +
      "\r\n0\r\n\r\n";
  EXPECT_TRUE(send_raw(port_, chunked).starts_with("HTTP/1.1 413"));
  std::string ok =
      "POST /big HTTP/1.1\r\nHost: h\r\nConnection: close\r\n"
      "Transfer-Encoding: chunked\r\n\r\nc8\r\n" +
      chunk + "\r\n0\r\n\r\n";
  auto got = send_raw(port_, ok);
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200")) << got;
  EXPECT_TRUE(got.ends_with("200")) << got;
}

TEST_F(InProcessServer, TypedParametersNotFoundAndMethods) {
  auto ok = request(port_, bh::verb::get, "/items/21");
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, "42");
  EXPECT_NE(ok.head.find("X-Global: yes"), std::string::npos);
  EXPECT_EQ(request(port_, bh::verb::get, "/items/abc").status, 404u);
  auto wrong = request(port_, bh::verb::delete_, "/items/1");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_NE(wrong.head.find("Allow: GET, HEAD"), std::string::npos);
  auto head = request(port_, bh::verb::head, "/items/21");
  EXPECT_EQ(head.status, 200u);
  EXPECT_NE(head.head.find("Content-Length: 2"), std::string::npos);
  EXPECT_EQ(head.body, "");
}

TEST_F(InProcessServer, PrebuiltAndStreamedReplies) {
  auto cached = request(port_, bh::verb::get, "/cached", {}, {{"X-Request-Id", "abc-1"}});
  EXPECT_EQ(cached.status, 200u);
  EXPECT_EQ(cached.body, R"({"cached":true})");
  EXPECT_NE(cached.head.find("X-Request-Id: abc-1"), std::string::npos);
  EXPECT_NE(cached.head.find("Connection: close"), std::string::npos);
  // Prebuilt bytes are sent as they are: middleware cannot add to them.
  EXPECT_EQ(cached.head.find("X-Global"), std::string::npos);
  auto head = request(port_, bh::verb::head, "/cached");
  EXPECT_EQ(head.body, "");
  EXPECT_NE(head.head.find("Content-Length: 15"), std::string::npos);

  auto events = request(port_, bh::verb::get, "/events");
  EXPECT_EQ(events.status, 200u);
  EXPECT_NE(events.head.find("text/event-stream"), std::string::npos);
  EXPECT_EQ(events.head.find("Content-Length"), std::string::npos);
  EXPECT_EQ(events.body, "event: status\ndata: 1\n\nevent: end\ndata: 2\n\n");
}

TEST_F(InProcessServer, ErrorsMapToStatuses) {
  auto busy = request(port_, bh::verb::get, "/busy");
  EXPECT_EQ(busy.status, 503u);
  EXPECT_NE(busy.head.find("Retry-After: 1"), std::string::npos);
  EXPECT_EQ(busy.body, R"({"error":{"code":"unavailable","message":"busy"}})");
  auto oops = request(port_, bh::verb::get, "/oops");
  EXPECT_EQ(oops.status, 500u);
  EXPECT_NE(oops.body.find("internal_error"), std::string::npos);
}

TEST_F(InProcessServer, PerRouteRateLimit) {
  EXPECT_EQ(request(port_, bh::verb::get, "/limited").status, 200u);
  auto limited = request(port_, bh::verb::get, "/limited");
  EXPECT_EQ(limited.status, 429u);
  EXPECT_NE(limited.head.find("Retry-After:"), std::string::npos);
  EXPECT_EQ(request(port_, bh::verb::get, "/items/1").status, 200u);  // other routes are not
}

TEST_F(InProcessServer, CsrfCheckAndPrincipal) {
  EXPECT_EQ(request(port_, bh::verb::post, "/guarded", "{}").body, "anonymous");
  EXPECT_EQ(request(port_, bh::verb::post, "/guarded", "{}", {{"X-Test-User", "u-7"}}).body, "u-7");
  EXPECT_EQ(
      request(port_, bh::verb::post, "/guarded", "{}", {{"Origin", "http://127.0.0.1"}}).status,
      200u);
  EXPECT_EQ(
      request(port_, bh::verb::post, "/guarded", "{}", {{"Origin", "https://evil.example"}}).status,
      403u);
}

}  // namespace
}  // namespace cinestream::http
