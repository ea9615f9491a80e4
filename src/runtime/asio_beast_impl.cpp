// Separate compilation: the only translation unit that compiles Asio's and Beast's definitions.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
