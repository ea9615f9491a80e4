// The stand-in's embedding methods, shaped like the service's: embedContent answers
// {"embedding": {"values": [...]}}, batchEmbedContents {"embeddings": [{"values": [...]}, ...]} in
// request order; at most 100 requests a batch, each naming the URL's model; outputDimensionality
// 128..3072 (default 3072) with Matryoshka truncation, unit length only at 3072 as the service
// documents; the transport faults of every method. The vectors are a bag of hashed words, so
// texts sharing words are close: enough for a client to be exercised, not real semantics.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>

#include "cinestream/gemini/protocol.hpp"
#include "cinestream/gemini_sim/sim_hash.hpp"
#include "cinestream/gemini_sim/sim_service.hpp"

namespace cinestream::gemini_sim {
namespace json = boost::json;

namespace {

using detail::hash_text;
using detail::splitmix;

constexpr std::size_t kMaxBatch = 100;
constexpr std::int64_t kFullDimensions = 3072;

// Words: runs of ASCII letters and digits (lower-cased) and of non-ASCII bytes.
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      word.push_back(static_cast<char>(std::tolower(c)));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

json::array vector_for(std::string_view text, std::int64_t dims) {
  std::vector<double> v(static_cast<std::size_t>(dims), 0.0);
  auto words = words_of(text);
  for (const auto& w : words) {
    auto seed = hash_text(w);
    for (std::size_t i = 0; i < v.size(); ++i) {
      // A centred value in [-1, 1) per word and coordinate.
      auto r = splitmix(seed + i);
      v[i] += static_cast<double>(r >> 11) / 4503599627370496.0 - 1.0;
    }
  }
  double norm = 0;
  for (double x : v)
    norm += x * x;
  norm = std::sqrt(norm);
  // Unit length only at full size; truncated vectors keep the full vector's scale.
  double scale = norm > 0 ? (dims == kFullDimensions ? 1.0 / norm : 0.8 / norm) : 0.0;
  json::array out;
  out.reserve(v.size());
  for (double x : v)
    out.emplace_back(static_cast<double>(static_cast<float>(x * scale)));
  return out;
}

std::string text_of(const json::value* content) {
  std::string text;
  if (!content || !content->is_object()) return text;
  const auto* parts = content->as_object().if_contains("parts");
  if (!parts || !parts->is_array()) return text;
  for (const auto& p : parts->as_array()) {
    if (!p.is_object()) continue;
    if (const auto* t = p.as_object().if_contains("text"); t && t->is_string()) {
      if (!text.empty()) text += ' ';
      text += t->as_string();
    }
  }
  return text;
}

}  // namespace

SimReply SimService::embed(const std::string& model, bool batch, std::string_view body,
                           std::uint64_t call) {
  auto error = [](unsigned code, std::string_view status, std::string message) {
    SimReply r;
    r.status = code;
    r.body = gemini::error_body(static_cast<int>(code), status, message);
    return r;
  };
  if (model != "gemini-embedding-001" && model != "text-embedding-004" &&
      model != "embedding-001") {
    return error(404, "NOT_FOUND",
                 fmt::format("models/{} is not found for API version v1beta, or is not supported "
                             "for embedContent. Call ListModels to see the list of available "
                             "models and their supported methods.",
                             model));
  }
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec || !doc.is_object())
    return error(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected token.");
  std::vector<const json::object*> requests;
  if (batch) {
    const auto* list = doc.as_object().if_contains("requests");
    if (!list || !list->is_array() || list->as_array().empty())
      return error(400, "INVALID_ARGUMENT",
                   "* BatchEmbedContentsRequest.requests: requests is not specified\n");
    if (list->as_array().size() > kMaxBatch)
      return error(400, "INVALID_ARGUMENT",
                   "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one "
                   "batch\n");
    for (const auto& r : list->as_array()) {
      if (!r.is_object())
        return error(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Expected object.");
      requests.push_back(&r.as_object());
    }
  } else {
    requests.push_back(&doc.as_object());
  }
  json::array vectors;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& r = *requests[i];
    if (const auto* m = r.if_contains("model");
        m && (!m->is_string() || m->as_string() != "models/" + model)) {
      return error(400, "INVALID_ARGUMENT",
                   fmt::format("* BatchEmbedContentsRequest.requests[{}].model: model must be the "
                               "model in the request URL, models/{}\n",
                               i, model));
    }
    auto text = text_of(r.if_contains("content"));
    if (text.empty())
      return error(400, "INVALID_ARGUMENT",
                   fmt::format("* BatchEmbedContentsRequest.requests[{}].content: contents is not "
                               "specified\n",
                               i));
    std::int64_t dims = kFullDimensions;
    if (const auto* d = r.if_contains("outputDimensionality")) {
      if (!d->is_int64() || d->as_int64() < 128 || d->as_int64() > kFullDimensions)
        return error(400, "INVALID_ARGUMENT", "output_dimensionality must be between 128 and 3072");
      dims = d->as_int64();
    }
    if (const auto* t = r.if_contains("taskType")) {
      static constexpr std::array<std::string_view, 8> kTasks{
          "TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY",
          "CLASSIFICATION",        "CLUSTERING",      "QUESTION_ANSWERING", "FACT_VERIFICATION"};
      if (!t->is_string() ||
          std::find(kTasks.begin(), kTasks.end(), std::string_view(t->as_string())) == kTasks.end())
        return error(400, "INVALID_ARGUMENT",
                     fmt::format("Invalid value at 'requests[{}].task_type'", i));
    }
    vectors.push_back(json::object{{"values", vector_for(text, dims)}});
  }
  Faults f = faults();
  SimReply reply;
  if (auto failed = transport_fault(call, f, reply)) return *failed;
  json::object out;
  if (batch)
    out["embeddings"] = std::move(vectors);
  else
    out["embedding"] = std::move(vectors[0]);
  reply.body = json::serialize(out);
  return reply;
}

}  // namespace cinestream::gemini_sim
