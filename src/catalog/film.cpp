#include "cinestream/catalog/film.hpp"

#include "cinestream/catalog/metadata_provider.hpp"

namespace cinestream::catalog {

std::string_view to_string(EnrichStatus s) {
  switch (s) {
    case EnrichStatus::retry:
      return "retry";
    case EnrichStatus::enriched:
      return "enriched";
    case EnrichStatus::not_found:
      return "not_found";
    case EnrichStatus::failed:
      return "failed";
    case EnrichStatus::pending:
      break;
  }
  return "pending";
}

EnrichStatus enrich_status_of(std::string_view name) {
  for (auto s :
       {EnrichStatus::retry, EnrichStatus::enriched, EnrichStatus::not_found, EnrichStatus::failed})
    if (to_string(s) == name) return s;
  return EnrichStatus::pending;
}

std::string_view to_string(MetadataFailure f) {
  switch (f) {
    case MetadataFailure::film:
      return "film";
    case MetadataFailure::provider:
      return "provider";
    case MetadataFailure::transient:
      break;
  }
  return "transient";
}

}  // namespace cinestream::catalog
