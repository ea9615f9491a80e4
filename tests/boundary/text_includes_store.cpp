// Probe: the text module does not declare the store module, so this include must not compile
// when built as part of text (tests/boundary/check.sh expects exactly that failure).
#include "cinestream/store/database.hpp"
#include "cinestream/text/normalize.hpp"
