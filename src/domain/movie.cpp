#include "cinestream/domain/movie.hpp"

namespace cinestream {

const std::string& MovieTitles::in(Lang lang) const {
  const std::string& wanted = lang == Lang::ua ? ua : lang == Lang::ru ? ru : en;
  if (!wanted.empty()) return wanted;
  if (!local.empty()) return local;
  if (!en.empty()) return en;
  return !ua.empty() ? ua : ru;
}

}  // namespace cinestream
