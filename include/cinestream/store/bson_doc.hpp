#pragma once
// Thin RAII helpers over libbson for the MongoDB store: building documents and reading fields.
#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cinestream/domain/location.hpp"

namespace cinestream::mongo {

inline std::int64_t to_millis(SysSeconds t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline SysSeconds from_millis(std::int64_t ms) {
  return std::chrono::floor<std::chrono::seconds>(
      std::chrono::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{ms}});
}

// An owned BSON document (or array: keys "0", "1", ... appended in order).
class Doc {
 public:
  Doc() { bson_init(&b_); }
  ~Doc() { bson_destroy(&b_); }
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;

  bson_t* get() { return &b_; }
  const bson_t* get() const { return &b_; }
  bool empty() const { return bson_count_keys(&b_) == 0; }

  Doc& str(std::string_view k, std::string_view v) {
    bson_append_utf8(&b_, k.data(), len(k), v.data(), len(v));
    return *this;
  }
  Doc& i64(std::string_view k, std::int64_t v) {
    bson_append_int64(&b_, k.data(), len(k), v);
    return *this;
  }
  Doc& i32(std::string_view k, std::int32_t v) {
    bson_append_int32(&b_, k.data(), len(k), v);
    return *this;
  }
  Doc& dbl(std::string_view k, double v) {
    bson_append_double(&b_, k.data(), len(k), v);
    return *this;
  }
  Doc& boolean(std::string_view k, bool v) {
    bson_append_bool(&b_, k.data(), len(k), v);
    return *this;
  }
  Doc& null(std::string_view k) {
    bson_append_null(&b_, k.data(), len(k));
    return *this;
  }
  Doc& date(std::string_view k, SysSeconds t) {
    bson_append_date_time(&b_, k.data(), len(k), to_millis(t));
    return *this;
  }
  Doc& date_or_null(std::string_view k, const std::optional<SysSeconds>& t) {
    return t ? date(k, *t) : null(k);
  }
  Doc& oid(std::string_view k, const bson_oid_t& v) {
    bson_append_oid(&b_, k.data(), len(k), &v);
    return *this;
  }
  Doc& doc(std::string_view k, const Doc& d) {
    bson_append_document(&b_, k.data(), len(k), d.get());
    return *this;
  }
  Doc& array(std::string_view k, const Doc& d) {
    bson_append_array(&b_, k.data(), len(k), d.get());
    return *this;
  }
  Doc& value(std::string_view k, const bson_value_t& v) {
    bson_append_value(&b_, k.data(), len(k), &v);
    return *this;
  }
  // Array element helpers: the next index as the key.
  Doc& push(const Doc& d) {
    std::string key = std::to_string(next_++);
    return doc(key, d);
  }
  Doc& push_str(std::string_view v) {
    std::string key = std::to_string(next_++);
    return str(key, v);
  }
  Doc& push_dbl(double v) {
    std::string key = std::to_string(next_++);
    return dbl(key, v);
  }

  std::string json() const {
    char* s = bson_as_relaxed_extended_json(&b_, nullptr);
    std::string out = s ? s : "";
    bson_free(s);
    return out;
  }

 private:
  static int len(std::string_view s) { return static_cast<int>(s.size()); }
  bson_t b_;
  std::uint32_t next_ = 0;
};

// Read-only field access on a document that outlives the calls (dotted paths allowed).
inline bool find(const bson_t* d, const char* path, bson_iter_t& it) {
  bson_iter_t root;
  return bson_iter_init(&root, d) && bson_iter_find_descendant(&root, path, &it);
}

inline std::string str_of(const bson_iter_t& it) {
  if (!BSON_ITER_HOLDS_UTF8(&it)) return {};
  std::uint32_t n = 0;
  const char* s = bson_iter_utf8(&it, &n);
  return std::string(s, n);
}

inline std::string str_at(const bson_t* d, const char* path) {
  bson_iter_t it;
  return find(d, path, it) ? str_of(it) : std::string{};
}

inline std::int64_t int_of(const bson_iter_t& it) {
  if (BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it) || BSON_ITER_HOLDS_DOUBLE(&it))
    return bson_iter_as_int64(&it);
  return 0;
}

inline std::int64_t int_at(const bson_t* d, const char* path) {
  bson_iter_t it;
  return find(d, path, it) ? int_of(it) : 0;
}

inline double dbl_at(const bson_t* d, const char* path) {
  bson_iter_t it;
  if (!find(d, path, it)) return 0;
  if (BSON_ITER_HOLDS_DOUBLE(&it)) return bson_iter_double(&it);
  return static_cast<double>(int_of(it));
}

inline std::optional<SysSeconds> date_of(const bson_iter_t& it) {
  if (!BSON_ITER_HOLDS_DATE_TIME(&it)) return std::nullopt;
  return from_millis(bson_iter_date_time(&it));
}

inline std::optional<SysSeconds> date_at(const bson_t* d, const char* path) {
  bson_iter_t it;
  return find(d, path, it) ? date_of(it) : std::nullopt;
}

inline std::optional<bson_oid_t> oid_at(const bson_t* d, const char* path) {
  bson_iter_t it;
  if (!find(d, path, it) || !BSON_ITER_HOLDS_OID(&it)) return std::nullopt;
  return *bson_iter_oid(&it);
}

// A sub-document or array viewed in place (valid while the parent lives).
class View {
 public:
  View() { bson_init(&b_); }
  explicit View(const bson_iter_t& it) {
    const std::uint8_t* data = nullptr;
    std::uint32_t n = 0;
    if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
      bson_iter_document(&it, &n, &data);
    } else if (BSON_ITER_HOLDS_ARRAY(&it)) {
      bson_iter_array(&it, &n, &data);
    }
    if (!data || !bson_init_static(&b_, data, n)) bson_init(&b_);
  }
  View(const View&) = delete;
  View& operator=(const View&) = delete;
  const bson_t* get() const { return &b_; }

 private:
  bson_t b_;
};

// Calls fn(const bson_t*) for each document element of the array at `path`.
template <class F>
void for_each_doc(const bson_t* d, const char* path, F&& fn) {
  bson_iter_t it;
  if (!find(d, path, it) || !BSON_ITER_HOLDS_ARRAY(&it)) return;
  bson_iter_t child;
  if (!bson_iter_recurse(&it, &child)) return;
  while (bson_iter_next(&child)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&child)) continue;
    View v(child);
    fn(v.get());
  }
}

}  // namespace cinestream::mongo
