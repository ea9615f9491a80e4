#pragma once
// A map of per-client state with a bound on its size, for abuse limits (requests, connections,
// scrapes). When it is full, an entry the caller calls idle (indistinguishable from a new client:
// its bucket has refilled and it holds nothing) is forgotten to make room, least recently used
// first. An active entry is never dropped: many addresses cannot reset anyone's spent bucket, and
// when every entry is active a new key is refused (nullptr) so the caller refuses that client
// instead of switching the limit off.
#include <cstddef>
#include <iterator>
#include <list>
#include <unordered_map>
#include <utility>

namespace cinestream::http {

template <class Key, class Value, class Hash>
class BoundedTable {
 public:
  explicit BoundedTable(std::size_t capacity = 0) : capacity_(capacity) {}
  void set_capacity(std::size_t capacity) { capacity_ = capacity; }

  // The entry for k (now the most recently used), or nullptr.
  Value* find(const Key& k) {
    auto it = map_.find(k);
    if (it == map_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second.pos);
    return &it->second.value;
  }

  // The entry for k, made from `fresh` when new; nullptr when the table is full of entries
  // for which idle(const Value&) is false.
  template <class Idle>
  Value* find_or_insert(const Key& k, Value fresh, Idle&& idle) {
    if (Value* v = find(k)) return v;
    if (map_.size() >= capacity_ && !evict_one(idle)) return nullptr;
    order_.push_front(k);
    auto [it, inserted] = map_.emplace(k, Node{std::move(fresh), order_.begin()});
    return &it->second.value;
  }

  std::size_t size() const { return map_.size(); }

 private:
  struct Node {
    Value value;
    typename std::list<Key>::iterator pos;
  };
  // Looks at a bounded number of entries from the least recently used end, the likeliest to
  // have refilled. A busy one seen is moved to the front, so the next look sees others (a
  // client holding a connection for hours cannot pin the end of the list): the cost of making
  // room stays bounded however full of active clients the table is.
  static constexpr std::size_t kProbes = 64;
  template <class Idle>
  bool evict_one(Idle& idle) {
    for (std::size_t i = 0; i < kProbes && !order_.empty(); ++i) {
      auto last = std::prev(order_.end());
      auto it = map_.find(*last);
      if (idle(std::as_const(it->second.value))) {
        order_.erase(last);
        map_.erase(it);
        return true;
      }
      order_.splice(order_.begin(), order_, last);
    }
    return false;
  }

  std::size_t capacity_;
  std::unordered_map<Key, Node, Hash> map_;
  std::list<Key> order_;  // most recently used first
};

}  // namespace cinestream::http
