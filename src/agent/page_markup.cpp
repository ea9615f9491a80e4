#include "cinestream/agent/page_markup.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "cinestream/text/normalize.hpp"

namespace cinestream::agent {
namespace json = boost::json;

namespace {

// libxml2 2.9 sets up its global tables (encodings, thread-local state) in xmlInitParser, which is
// not itself thread-safe: it must run once before any thread parses.
void init_libxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

// The code point of one reference's body ("amp", "#039", "#x27"), or nullopt.
std::optional<char32_t> entity_value(std::string_view body) {
  if (body.empty()) return std::nullopt;
  if (body[0] == '#') {
    body.remove_prefix(1);
    int base = 10;
    if (!body.empty() && (body[0] == 'x' || body[0] == 'X')) {
      base = 16;
      body.remove_prefix(1);
    }
    if (body.empty() || body.size() > 7) return std::nullopt;
    char32_t cp = 0;
    for (char c : body) {
      int d = c >= '0' && c <= '9'                 ? c - '0'
              : base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10
              : base == 16 && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                   : -1;
      if (d < 0) return std::nullopt;
      cp = cp * static_cast<char32_t>(base) + static_cast<char32_t>(d);
    }
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    return cp;
  }
  if (body == "apos") return U'\'';  // XML's, not in HTML 4's table
  std::string name(body);
  const htmlEntityDesc* e = htmlEntityLookup(reinterpret_cast<const xmlChar*>(name.c_str()));
  if (!e) return std::nullopt;
  return static_cast<char32_t>(e->value);
}

std::string decode_once(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto amp = s.find('&', i);
    if (amp == std::string_view::npos) break;
    out.append(s.substr(i, amp - i));
    // The longest name of HTML 4 is 8 letters; numeric ones up to "#x10FFFF".
    auto semi = s.substr(amp + 1, 10).find(';');
    std::optional<char32_t> cp;
    if (semi != std::string_view::npos) cp = entity_value(s.substr(amp + 1, semi));
    if (!cp) {
      out += '&';
      i = amp + 1;
      continue;
    }
    append_utf8(out, *cp == 0xA0 ? U' ' : *cp);  // &nbsp; in a name is a space
    i = amp + 1 + semi + 1;
  }
  out.append(s.substr(std::min(i, s.size())));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trimmed(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n\f");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n\f") - b + 1);
}

// "application/ld+json", any case, with parameters ("; charset=utf-8") allowed.
bool is_json_ld(std::string_view type) {
  type = trimmed(type.substr(0, type.find(';')));
  return iequals(type, "application/ld+json");
}

// Where an element with itemprop keeps its value when not in its text (WHATWG microdata).
const char* value_attribute(std::string_view tag) {
  if (tag == "meta") return "content";
  if (tag == "a" || tag == "area" || tag == "link") return "href";
  if (tag == "img" || tag == "audio" || tag == "video" || tag == "source" || tag == "embed" ||
      tag == "iframe" || tag == "track") {
    return "src";
  }
  if (tag == "object") return "data";
  if (tag == "data" || tag == "meter") return "value";
  if (tag == "time") return "datetime";
  return nullptr;
}

// Adds a value under `name`; a second value makes the member an array.
void add_property(json::object& o, std::string_view name, json::value v, std::size_t max_values) {
  auto* existing = o.if_contains(name);
  if (!existing) {
    if (o.size() >= max_values) return;
    o.emplace(name, std::move(v));
    return;
  }
  if (!existing->is_array()) {
    json::array a;
    a.push_back(std::move(*existing));
    *existing = std::move(a);
  }
  auto& a = existing->as_array();
  if (a.size() < max_values) a.push_back(std::move(v));
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = s.find_first_not_of(" \t\r\n\f", i);
    if (b == std::string_view::npos) break;
    auto e = s.find_first_of(" \t\r\n\f", b);
    if (e == std::string_view::npos) e = s.size();
    out.push_back(s.substr(b, e - b));
    i = e;
  }
  return out;
}

// The SAX reader's state: no tree is built, so memory stays bounded by what is kept.
class Reader {
 public:
  Reader(const MarkupLimits& limits, PageMarkup& out) : limits_(limits), out_(out) {}

  void start(std::string_view tag, const xmlChar** atts) {
    Element el;
    auto attr = [&](const char* name) -> std::optional<std::string_view> {
      for (auto** a = atts; a && a[0]; a += 2) {
        if (std::strcmp(reinterpret_cast<const char*>(a[0]), name) == 0) {
          return a[1] ? std::string_view(reinterpret_cast<const char*>(a[1])) : "";
        }
      }
      return std::nullopt;
    };
    if (tag == "html" && out_.lang.empty()) {
      if (auto lang = attr("lang")) out_.lang = std::string(trimmed(*lang).substr(0, 35));
    }
    if (tag == "a" && out_.links.size() < limits_.max_links && !in_link_) {
      if (auto href = attr("href")) {
        link_ = PageLink{std::string(trimmed(*href).substr(0, 2048)), {}};
        in_link_ = true;
        el.link = true;
      }
    }
    if (tag == "script") {
      auto type = attr("type");
      if (type && is_json_ld(*type)) {
        el.script = true;
        script_.clear();
        script_over_ = false;
        in_script_ = true;
      }
    }
    auto prop = attr("itemprop");
    bool scope = attr("itemscope").has_value();
    bool room = items_.size() < limits_.max_depth && text_.size() < limits_.max_depth;
    if (scope && room && created_ < limits_.max_items) {
      ++created_;
      OpenItem item;
      if (auto types = attr("itemtype")) {
        auto list = words(*types);
        if (list.size() == 1) {
          item.object["@type"] = std::string(list[0].substr(0, 200));
        } else if (!list.empty()) {
          json::array a;
          for (auto w : list)
            if (a.size() < limits_.max_values) a.emplace_back(std::string(w.substr(0, 200)));
          item.object["@type"] = std::move(a);
        }
      }
      if (prop && !items_.empty()) item.props = names(*prop);
      item.nested = prop && !items_.empty();
      items_.push_back(std::move(item));
      el.item = true;
    } else if (prop && !items_.empty()) {
      auto props = names(*prop);
      const char* value_attr = value_attribute(tag);
      std::optional<std::string_view> value;
      if (auto content = attr("content")) value = content;  // also common on <span>
      if (!value && value_attr) value = attr(value_attr);
      if (value) {
        keep(props, value->substr(0, limits_.max_text));
      } else if (room) {
        text_.push_back({std::move(props), {}});
        el.text = true;
      }
    }
    elements_.push_back(el);
  }

  void end() {
    if (elements_.empty()) return;
    auto el = elements_.back();
    elements_.pop_back();
    if (el.script && in_script_) finish_script();
    if (el.link && in_link_) {
      in_link_ = false;
      link_.text = collapse(link_.text);
      out_.links.push_back(std::move(link_));
    }
    if (el.text && !text_.empty()) {
      auto t = std::move(text_.back());
      text_.pop_back();
      if (!items_.empty()) keep(t.props, collapse(t.text));
    }
    if (el.item && !items_.empty()) {
      auto item = std::move(items_.back());
      items_.pop_back();
      if (item.nested && !items_.empty()) {
        // Under its first name only: a copy per name, level after level, would grow
        // exponentially with the nesting.
        if (!item.props.empty())
          add_property(items_.back().object, item.props.front(), std::move(item.object),
                       limits_.max_values);
      } else if (out_.microdata.size() < limits_.max_items) {
        out_.microdata.emplace_back(std::move(item.object));
      }
    }
  }

  void characters(std::string_view s) {
    if (in_script_) {
      if (script_.size() + s.size() > limits_.max_json_bytes) {
        script_over_ = true;
      } else {
        script_.append(s);
      }
    }
    if (in_link_ && link_.text.size() < limits_.max_link_text)
      link_.text.append(s.substr(0, limits_.max_link_text - link_.text.size()));
    for (auto& t : text_) {
      if (t.text.size() < limits_.max_text)
        t.text.append(s.substr(0, limits_.max_text - t.text.size()));
    }
  }

 private:
  struct Element {
    bool script = false;
    bool item = false;
    bool text = false;
    bool link = false;
  };
  struct OpenItem {
    json::object object;
    std::vector<std::string> props;  // under which names its parent gets it
    bool nested = false;
  };
  struct OpenText {
    std::vector<std::string> props;
    std::string text;
  };

  // A text value under each of its names, within the page's budget: nested elements' text is
  // kept once per level, so the input alone does not bound what is kept.
  void keep(const std::vector<std::string>& props, std::string_view value) {
    for (const auto& p : props) {
      if (kept_ + value.size() > limits_.max_kept_bytes) return;
      kept_ += value.size();
      add_property(items_.back().object, p, json::string(value), limits_.max_values);
    }
  }

  std::vector<std::string> names(std::string_view prop) const {
    std::vector<std::string> out;
    for (auto w : words(prop)) {
      if (out.size() < 8) out.emplace_back(w.substr(0, 100));
    }
    return out;
  }

  // Text content as a browser shows it: whitespace runs become one space.
  static std::string collapse(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        space = !out.empty();
        continue;
      }
      if (space) out += ' ';
      space = false;
      out += c;
    }
    return out;
  }

  void finish_script() {
    in_script_ = false;
    if (out_.json_ld.size() + static_cast<std::size_t>(out_.blocks_invalid) >=
            limits_.max_json_blocks ||
        script_over_) {
      ++out_.blocks_skipped;
      return;
    }
    // Real blocks carry comments and trailing commas; browsers' consumers forgive them too.
    json::parse_options opts;
    opts.max_depth = limits_.max_depth;
    opts.allow_comments = true;
    opts.allow_trailing_commas = true;
    boost::system::error_code ec;
    auto v = json::parse(script_, ec, {}, opts);
    if (ec && script_.find('&') != std::string::npos) {
      // Some sites HTML-escape the whole block ({&quot;@type&quot;: ...}).
      ec = {};
      v = json::parse(decode_html_entities(script_), ec, {}, opts);
    }
    if (ec) {
      ++out_.blocks_invalid;
      return;
    }
    out_.json_ld.push_back(std::move(v));
  }

  const MarkupLimits& limits_;
  PageMarkup& out_;
  std::vector<Element> elements_;
  std::vector<OpenItem> items_;
  std::vector<OpenText> text_;
  std::size_t created_ = 0;
  std::size_t kept_ = 0;
  std::string script_;
  bool in_script_ = false;
  bool script_over_ = false;
  PageLink link_;
  bool in_link_ = false;  // links do not nest; an <a> inside one is the same link
};

Reader& reader_of(void* ctx) {
  return *static_cast<Reader*>(ctx);
}

void on_start(void* ctx, const xmlChar* name, const xmlChar** atts) {
  reader_of(ctx).start(reinterpret_cast<const char*>(name), atts);
}

void on_end(void* ctx, const xmlChar*) {
  reader_of(ctx).end();
}

void on_text(void* ctx, const xmlChar* ch, int len) {
  if (len > 0) reader_of(ctx).characters({reinterpret_cast<const char*>(ch), std::size_t(len)});
}

// Errors are expected (real pages are rarely valid): nothing is printed, nothing is global.
void on_error(void*, xmlErrorPtr) {}

struct CtxtDeleter {
  void operator()(htmlParserCtxtPtr c) const { htmlFreeParserCtxt(c); }
};

}  // namespace

std::string decode_html_entities(std::string_view s) {
  auto once = decode_once(s);
  // "&amp;quot;" was escaped twice; a third level is not decoded.
  if (once.find('&') == std::string::npos) return once;
  return decode_once(once);
}

PageMarkup read_page_markup(std::string_view html, const MarkupLimits& limits,
                            const std::string& encoding) {
  init_libxml();
  PageMarkup out;
  if (html.size() > limits.max_page_bytes) {
    html = html.substr(0, limits.max_page_bytes);
    out.truncated = true;
  }
  if (html.empty()) return out;
  std::unique_ptr<htmlParserCtxt, CtxtDeleter> ctxt(
      htmlCreateMemoryParserCtxt(html.data(), static_cast<int>(html.size())));
  if (!ctxt) return out;
  Reader reader(limits, out);
  // Only the callbacks we need: no tree, no entities fetched, no output.
  std::memset(ctxt->sax, 0, sizeof(*ctxt->sax));
  ctxt->sax->startElement = on_start;
  ctxt->sax->endElement = on_end;
  ctxt->sax->characters = on_text;
  ctxt->sax->cdataBlock = on_text;  // <script> content
  ctxt->sax->ignorableWhitespace = on_text;
  ctxt->sax->initialized = XML_SAX2_MAGIC;  // so the structured error handler is used
  ctxt->sax->serror = on_error;
  ctxt->userData = &reader;
  if (!encoding.empty()) {
    if (auto* handler = xmlFindCharEncodingHandler(encoding.c_str()))
      xmlSwitchToEncoding(ctxt.get(), handler);
  } else {
    // libxml2 reads a page that declares no charset as Latin-1; today's pages are UTF-8. A
    // <meta charset> still switches, and bytes that are not UTF-8 still fall back to Latin-1.
    ctxt->charset = XML_CHAR_ENCODING_UTF8;
  }
  htmlCtxtUseOptions(ctxt.get(), HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                     HTML_PARSE_NONET);
  htmlParseDocument(ctxt.get());
  return out;
}

}  // namespace cinestream::agent
