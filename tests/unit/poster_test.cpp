// Poster downloads: which addresses may be fetched, which bytes are images, and the fetcher
// against the stand-in's own posters (on loopback: refused unless private addresses are allowed).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cinestream/agent/poster_fetcher.hpp"
#include "cinestream/gemini_sim/sim_server.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace cinestream::agent {
namespace {
namespace asio = boost::asio;

TEST(PosterRules, OnlyPublicAddressesByDefault) {
  using asio::ip::make_address;
  for (auto a : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                 "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1",
                 "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "198.18.0.1"}) {
    EXPECT_FALSE(net::is_public_address(make_address(a))) << a;
  }
  for (auto a : {"8.8.8.8", "93.184.216.34", "172.32.0.1", "2606:4700::1111", "::ffff:1.1.1.1"}) {
    EXPECT_TRUE(net::is_public_address(make_address(a))) << a;
  }
}

// `n` times `c`, then `ext`. Appended in place: GCC 12 at -O1 with sanitizers misreports
// `std::string(n, c) + ext` as out of bounds (-Warray-bounds).
std::string name_of(std::size_t n, char c, std::string_view ext) {
  std::string s(n, c);
  s.append(ext);
  return s;
}

TEST(PosterRules, ImagesAreRecognisedByTheirBytes) {
  EXPECT_EQ(image_extension("\xFF\xD8\xFF\xE0rest"), "jpg");
  EXPECT_EQ(image_extension(std::string("\x89PNG\r\n\x1a\n....", 12)), "png");
  EXPECT_EQ(image_extension(std::string_view("RIFF\x10\x00\x00\x00WEBPVP8 ", 16)), "webp");
  EXPECT_FALSE(image_extension("<html><script>"));
  EXPECT_FALSE(image_extension("GIF89a"));
  EXPECT_TRUE(is_poster_name(name_of(64, 'a', ".png")));
  EXPECT_FALSE(is_poster_name(name_of(64, 'a', ".svg")));
  EXPECT_FALSE(is_poster_name(name_of(63, 'a', ".png")));
  EXPECT_FALSE(is_poster_name("../../etc/passwd"));
  EXPECT_FALSE(is_poster_name(name_of(64, 'A', ".png")));
}

class PosterFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static CityCatalog catalog(bundled_locations());
    sim_ = std::make_unique<gemini_sim::SimServer>(catalog, gemini_sim::SimOptions{});
    sim_->start("127.0.0.1", 0);
  }
  void TearDown() override {
    pool_.stop();
    sim_->stop();
  }
  std::optional<std::string> fetch(bool allow_private, const std::string& url) {
    PosterOptions o;
    o.dir = dir_.str() + "/posters";
    o.allow_private = allow_private;
    o.files = &pool_;
    PosterFetcher fetcher(io_.get_executor(), async_, o, stats_);
    auto fut = asio::co_spawn(io_, fetcher.fetch(url), asio::use_future);
    io_.run();
    io_.restart();
    return fut.get();
  }

  testing::TempDir dir_;
  std::unique_ptr<gemini_sim::SimServer> sim_;
  std::unique_ptr<Database> store_ = make_sqlite_store(dir_.str() + "/s.sqlite3", 1);
  BlockingPool pool_{1, 16};
  ScrapeStore repos_ = scrape_store_of(*store_);
  Async<ScrapeStore> async_{repos_, pool_};
  asio::io_context io_;
  PosterStats stats_;
};

TEST_F(PosterFetcherTest, LoopbackIsRefusedUnlessAllowed) {
  auto url = sim_->base_url() + "/posters/river.png";
  EXPECT_FALSE(fetch(false, url));
  EXPECT_EQ(stats_.refused.load(), 1);
  auto path = fetch(true, url);
  ASSERT_TRUE(path);
  EXPECT_TRUE(path->starts_with("/posters/"));
  EXPECT_TRUE(path->ends_with(".png"));
  EXPECT_TRUE(std::filesystem::exists(dir_.str() + *path));
  // The same image again: the same content address, written once.
  EXPECT_EQ(fetch(true, url), path);
  EXPECT_EQ(stats_.downloaded.load(), 2);
}

// Another loop or worker process downloading the same poster writes its own temporary file: a
// fetch never writes into (or renames away) a temporary name it does not own, so a half-written
// file can never appear under the served name.
TEST_F(PosterFetcherTest, AnotherWritersTemporaryFileIsNotTouched) {
  auto url = sim_->base_url() + "/posters/river.png";
  auto path = fetch(true, url);
  ASSERT_TRUE(path);
  auto file = std::filesystem::path(dir_.str() + *path);
  auto size = std::filesystem::file_size(file);
  std::filesystem::remove(file);
  auto foreign = file.string() + ".tmp";
  std::ofstream(foreign) << "half of another writer's download";
  ASSERT_EQ(fetch(true, url), path);
  EXPECT_EQ(std::filesystem::file_size(file), size);
  std::ifstream in(foreign);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "half of another writer's download");
  // Nothing of ours is left behind: the poster and the other writer's file only.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(file.parent_path()))
    ++files;
  EXPECT_EQ(files, 2u);
}

TEST_F(PosterFetcherTest, NonImagesAndMissingFilesAreNotStored) {
  EXPECT_FALSE(fetch(true, sim_->base_url() + "/sim/stats"));      // JSON, not an image
  EXPECT_FALSE(fetch(true, sim_->base_url() + "/posters/x.gif"));  // 404
  EXPECT_FALSE(fetch(true, "ftp://example.com/x.png"));
  EXPECT_EQ(stats_.downloaded.load(), 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.str() + "/posters") &&
               !std::filesystem::is_empty(dir_.str() + "/posters"));
}

}  // namespace
}  // namespace cinestream::agent
