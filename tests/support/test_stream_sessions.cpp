#include "tests/support/test_stream_sessions.hpp"

#include "net/http_session_impl.hpp"
#include "net/http_upgrade_impl.hpp"
#include "net/ws_session_impl.hpp"

namespace switchboard {

template class HttpSession<boost::beast::test::stream>;
template class WsSession<boost::beast::test::stream>;

} // namespace switchboard
