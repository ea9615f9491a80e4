#pragma once
// The structured data a web page carries, read with libxml2's HTML parser (never by pattern
// matching): every `<script type="application/ld+json">` block parsed as JSON, and the microdata
// items (itemscope/itemtype/itemprop) turned into the same shape as JSON-LD objects ("@type" and
// one member per property), so one reader (schema_screenings.hpp) understands both. Pages are
// untrusted: the input, the blocks, the items, the nesting and every value are bounded.
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cinestream::agent {

struct MarkupLimits {
  std::size_t max_page_bytes = 4u << 20;  // the rest of a longer page is not read
  std::size_t max_json_blocks = 32;       // JSON-LD blocks read per page
  std::size_t max_json_bytes = 1u << 20;  // a longer block is skipped
  std::size_t max_depth = 32;             // JSON nesting, and itemscope nesting
  std::size_t max_items = 4000;           // microdata items per page
  std::size_t max_text = 2000;            // bytes kept of one microdata value
  std::size_t max_values = 64;            // properties of one item, values of one property
  std::size_t max_kept_bytes = 4u << 20;  // microdata text kept per page
  std::size_t max_links = 1000;           // <a href> links kept per page
  std::size_t max_link_text = 200;        // bytes kept of one link's text
};

// A link as written on the page: its href (not yet resolved) and its text, whitespace collapsed.
struct PageLink {
  std::string href;
  std::string text;
};

struct PageMarkup {
  std::vector<boost::json::value> json_ld;  // one per block that parsed
  boost::json::array microdata;             // top-level items (nested ones are inside them)
  std::vector<PageLink> links;              // <a href> in page order, for the site reader
  std::string lang;                         // <html lang="...">, as written (bounded)
  int blocks_invalid = 0;                   // JSON-LD blocks that did not parse
  int blocks_skipped = 0;                   // past the limits (count, size)
  bool truncated = false;                   // the page was longer than max_page_bytes
};

// `encoding`: the charset of the HTTP response, when it named one; otherwise the page's own
// <meta charset> decides, UTF-8 when it declares none. Text comes out as UTF-8.
PageMarkup read_page_markup(std::string_view html, const MarkupLimits& limits = {},
                            const std::string& encoding = {});

// HTML character references decoded: named ones of HTML 4 (&amp; &quot; &laquo; &nbsp; ...),
// &apos;, decimal and hexadecimal (&#039; &#x27;). Invalid or unknown ones are left as written.
// JSON-LD text is often written HTML-escaped, sometimes twice ("&amp;quot;").
std::string decode_html_entities(std::string_view s);

}  // namespace cinestream::agent
