// Boost.JSON compiled into this binary (header-only mode, BOOST_JSON_NO_LIB): used for the
// summary and for reading the children's results, never on the per-message path.
#include <boost/json/src.hpp>
