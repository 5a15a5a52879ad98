// Boost.JSON's compiled part, built once here (Debian ships it header-only with Boost 1.81).
#include <boost/json/src.hpp>
