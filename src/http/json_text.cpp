#include "cinestream/http/json_text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace cinestream::http {
namespace json = boost::json;

namespace {

template <class Int>
void append_integer(std::string& out, Int i) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, end);
}

void append_string(std::string& out, json::string_view s) {
  // Boost.JSON's own escaping, so strings read exactly as json::serialize writes them.
  out += json::serialize(s);
}

void append_value(std::string& out, const json::value& v);

void append_array(std::string& out, const json::array& a) {
  out += '[';
  bool first = true;
  for (const auto& e : a) {
    if (!first) out += ',';
    first = false;
    append_value(out, e);
  }
  out += ']';
}

void append_object(std::string& out, const json::object& o) {
  out += '{';
  bool first = true;
  for (const auto& kv : o) {
    if (!first) out += ',';
    first = false;
    append_string(out, kv.key());
    out += ':';
    append_value(out, kv.value());
  }
  out += '}';
}

void append_value(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      append_integer(out, v.get_int64());
      break;
    case json::kind::uint64:
      append_integer(out, v.get_uint64());
      break;
    case json::kind::double_:
      append_json_number(out, v.get_double());
      break;
    case json::kind::string:
      append_string(out, v.get_string());
      break;
    case json::kind::array:
      append_array(out, v.get_array());
      break;
    case json::kind::object:
      append_object(out, v.get_object());
      break;
  }
}

}  // namespace

void append_json_number(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  // Fixed notation with no precision given is the shortest text that reads back to `d`;
  // the largest double needs 309 digits before the point, the smallest 1074 after it.
  char buf[1100];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  if (ec != std::errc{}) {  // cannot happen with this buffer; keep the output valid JSON anyway
    out += "null";
    return;
  }
  out.append(buf, end);
  bool has_point = false;
  for (const char* p = buf; p != end; ++p)
    has_point = has_point || *p == '.';
  if (!has_point) out += ".0";
}

std::string json_number(double d) {
  std::string out;
  append_json_number(out, d);
  return out;
}

std::string json_text(const json::value& v) {
  std::string out;
  append_value(out, v);
  return out;
}

std::string json_text(const json::object& o) {
  std::string out;
  append_object(out, o);
  return out;
}

std::string json_text(const json::array& a) {
  std::string out;
  append_array(out, a);
  return out;
}

}  // namespace cinestream::http
