// The SQLite connection's statement cache.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "cinestream/store/sqlite_db.hpp"

namespace cinestream::sqlite {
namespace {

std::int64_t one_value(Connection& c, const char* sql) {
  auto st = c.prepare(sql);
  EXPECT_TRUE(st.step());
  return st.integer(0);
}

// A buffer reused for other SQL (a std::string's c_str, a temporary) must not get the statement
// prepared for its old text.
TEST(SqliteStatementCache, KeyedByTextNotAddress) {
  Connection c(":memory:");
  char sql[32] = "SELECT 1";
  EXPECT_EQ(one_value(c, sql), 1);
  std::strcpy(sql, "SELECT 2");
  EXPECT_EQ(one_value(c, sql), 2);
  // The same text at another address is the same statement, prepared once.
  std::string copy = "SELECT 2";
  EXPECT_EQ(one_value(c, copy.c_str()), 2);
  EXPECT_EQ(c.cached_statements(), 2u);
}

}  // namespace
}  // namespace cinestream::sqlite
