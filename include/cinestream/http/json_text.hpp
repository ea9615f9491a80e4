#pragma once
// The one JSON writer for what the server emits. It behaves like boost::json::serialize (same
// string escaping, integers as integers, no whitespace) except for doubles: Boost.JSON 1.81 prints
// 0.6798 as 6.798E-1, so doubles are written here in plain decimal form, the shortest one that
// reads back to the same double, always with a fraction (0.0, 50.4501, 0.0000001), so a reader
// still sees a double. Non-finite doubles, which JSON cannot hold, are written as null.
#include <boost/json/fwd.hpp>

#include <string>

namespace cinestream::http {

std::string json_text(const boost::json::value& v);
std::string json_text(const boost::json::object& o);
std::string json_text(const boost::json::array& a);

// For hand-rendered fast paths: appends the same text json_text gives for a double.
void append_json_number(std::string& out, double d);
std::string json_number(double d);

}  // namespace cinestream::http
