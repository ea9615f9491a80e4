#pragma once
// The recommendation routes:
//   GET /api/recommendations?city=&days=3&limit=10   films playing in the city in the next days,
//       ranked for the signed-in visitor (popular in the city for anyone else), each with its
//       reason and next showtimes;
//   GET /api/recommendations/similar/{id}?city=&days=&limit=   films like a catalogue film,
//       playing in the city.
#include <functional>
#include <string_view>

#include "cinestream/http/router.hpp"
#include "cinestream/recommend/recommendation_service.hpp"

namespace cinestream::recommend {

struct RecommendApiOptions {
  std::function<bool(std::string_view)> known_city;  // a city id the site serves
};

class RecommendApi {
 public:
  RecommendApi(RecommendationService& service, RecommendApiOptions options)
      : service_(service), options_(std::move(options)) {}
  void register_routes(http::Router& router);

 private:
  RecommendationService& service_;
  RecommendApiOptions options_;
};

}  // namespace cinestream::recommend
