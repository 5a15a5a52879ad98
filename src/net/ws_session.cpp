// The server's two kinds of WebSocket session, compiled once (the members are in
// ws_session_impl.hpp).
#include "net/ws_session_impl.hpp"
#include "tls/tls_stream.hpp"

namespace switchboard {

template class WsSession<boost::asio::ip::tcp::socket>;
template class WsSession<TlsStream>;

} // namespace switchboard
