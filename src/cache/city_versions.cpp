#include "cinestream/cache/city_versions.hpp"

namespace cinestream {

CityVersions::CityVersions(const CityCatalog& catalog)
    : catalog_(catalog),
      versions_(std::make_unique<std::atomic<std::int64_t>[]>(catalog.all().size())),
      states_(std::make_shared<const std::vector<LocationState>>()) {
  // -1: nothing cached is trusted until the store has been read once.
  for (std::size_t i = 0; i < catalog.all().size(); ++i)
    versions_[i].store(-1);
}

std::shared_ptr<const std::vector<LocationState>> CityVersions::states() const {
  std::lock_guard lock(states_mutex_);
  return states_;
}

std::size_t CityVersions::update(std::vector<LocationState> states) {
  std::size_t changed = 0;
  for (const auto& s : states) {
    const Location* l = catalog_.resolve(s.city_id);
    if (!l || l->id != s.city_id) continue;
    auto& v = versions_[catalog_.index_of(*l)];
    if (v.exchange(s.data_version, std::memory_order_acq_rel) != s.data_version) ++changed;
  }
  auto fresh = std::make_shared<const std::vector<LocationState>>(std::move(states));
  std::lock_guard lock(states_mutex_);
  states_.swap(fresh);  // the old vector is freed after the unlock, by `fresh`
  return changed;
}

}  // namespace cinestream
