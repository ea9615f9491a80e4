#pragma once
// A screening's language in the words the scrape's rows use ("original", "Ukrainian dubbing",
// "original with Ukrainian subtitles": what the model is asked for and the page classifies),
// from a site's schema.org values, which name languages as ISO codes ("uk", "uk-UA", "eng") or
// as names in Ukrainian, Russian or English ("Українська", "английский", "English").
#include <string>
#include <string_view>

namespace cinestream::agent {

// The English name of a language given as a code or a name ("uk" -> "Ukrainian"); "original"
// for the words that mean the original version; the text itself (cleaned) when unknown.
std::string language_name(std::string_view code_or_name);

// `audio`: the screening's inLanguage; `subtitles`: its subtitleLanguage; `original`: the
// movie's own inLanguage, when the site gives it.
// - subtitles: "original with <S> subtitles" (a subtitled screening keeps its sound), or
//   "<A> with <S> subtitles" when both are the same language;
// - audio that is the original language (or said to be): "original";
// - audio in another language than the movie's: "<A> dubbing";
// - audio alone, the movie's language unknown: "<A>" (a Ukrainian film and a dubbed one look the
//   same; the name is not guessed into a dubbing).
std::string screening_language(std::string_view audio, std::string_view subtitles,
                               std::string_view original);

}  // namespace cinestream::agent
