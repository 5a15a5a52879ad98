#pragma once
// A browser-like session description (Chrome's shape: BUNDLEd audio + video, Opus, VP8/VP9/
// H264/AV1 with RTX, simulcast-free). Pure. Offers are ~4.5 KB and answers ~3.5 KB, the sizes a
// signaling server really relays; `session` varies the o= line and ICE credentials.

#include <string>

namespace switchboard::bench {

std::string session_description(bool offer, unsigned session);

} // namespace switchboard::bench
