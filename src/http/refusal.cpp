#include "cinestream/http/refusal.hpp"

#include <optional>

namespace cinestream::http {

Handler guarded(Step step) {
  // Handlers name every argument before a co_await (GCC 12, PR 100611).
  return [step = std::move(step)](RequestContext& ctx) -> boost::asio::awaitable<Reply> {
    std::optional<Refusal> refusal;
    try {
      co_return co_await step(ctx);
    } catch (const Refusal& r) {
      refusal = r;
    }
    co_return error_response(refusal->status, refusal->code, refusal->message);
  };
}

}  // namespace cinestream::http
