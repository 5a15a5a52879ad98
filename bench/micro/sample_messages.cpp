#include "bench/micro/sample_messages.hpp"

#include <string_view>

namespace switchboard::microbench {
namespace {

// A Chrome 120-era offer (audio, video with its usual codec list, data channel), trimmed to the
// ~4 KB typical of a one-camera call. Joined with the JSON escape "\r\n" below.
constexpr std::string_view offer_sdp_lines[] = {
    "v=0",
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1 2",
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS 3d2bdb62-6ba0-4ad0-9a58-2a1e4bbd6ab0",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:4ZcD",
    "a=ice-pwd:2hB3zmTkXgq6Xw2Yy9TvQ1rS",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:"
    "C2:43:F0:A1:58:D0:A1:2C:19:08",
    "a=setup:actpass",
    "a=mid:0",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=sendrecv",
    "a=msid:3d2bdb62-6ba0-4ad0-9a58-2a1e4bbd6ab0 9f6be5c0-1c1e-4b8e-a3a4-7c1f0e2d4b11",
    "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2",
    "a=rtcp-fb:111 transport-cc",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=rtpmap:63 red/48000/2",
    "a=fmtp:63 111/111",
    "a=rtpmap:9 G722/8000",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:13 CN/8000",
    "a=rtpmap:110 telephone-event/48000",
    "a=rtpmap:126 telephone-event/8000",
    "a=ssrc:3735928559 cname:Zr8o1Hc7wHkq2uBv",
    "a=ssrc:3735928559 msid:3d2bdb62-6ba0-4ad0-9a58-2a1e4bbd6ab0 "
    "9f6be5c0-1c1e-4b8e-a3a4-7c1f0e2d4b11",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103 104 105 106 107 45 46 116 117 118",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:4ZcD",
    "a=ice-pwd:2hB3zmTkXgq6Xw2Yy9TvQ1rS",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:"
    "C2:43:F0:A1:58:D0:A1:2C:19:08",
    "a=setup:actpass",
    "a=mid:1",
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:13 urn:3gpp:video-orientation",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type",
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing",
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space",
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
    "a=sendrecv",
    "a=msid:3d2bdb62-6ba0-4ad0-9a58-2a1e4bbd6ab0 5a2e7d3c-8f41-4c5e-9b0a-6d2f1e3c4b5a",
    "a=rtcp-mux",
    "a=rtcp-rsize",
    "a=rtpmap:96 VP8/90000",
    "a=rtcp-fb:96 goog-remb",
    "a=rtcp-fb:96 transport-cc",
    "a=rtcp-fb:96 ccm fir",
    "a=rtcp-fb:96 nack",
    "a=rtcp-fb:96 nack pli",
    "a=rtpmap:97 rtx/90000",
    "a=fmtp:97 apt=96",
    "a=rtpmap:98 VP9/90000",
    "a=rtcp-fb:98 transport-cc",
    "a=rtcp-fb:98 nack pli",
    "a=fmtp:98 profile-id=0",
    "a=rtpmap:99 rtx/90000",
    "a=fmtp:99 apt=98",
    "a=rtpmap:102 H264/90000",
    "a=rtcp-fb:102 transport-cc",
    "a=rtcp-fb:102 nack pli",
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
    "a=rtpmap:103 rtx/90000",
    "a=fmtp:103 apt=102",
    "a=rtpmap:104 H264/90000",
    "a=rtcp-fb:104 transport-cc",
    "a=rtcp-fb:104 nack pli",
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f",
    "a=rtpmap:105 rtx/90000",
    "a=fmtp:105 apt=104",
    "a=rtpmap:106 H264/90000",
    "a=rtcp-fb:106 transport-cc",
    "a=rtcp-fb:106 nack pli",
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
    "a=rtpmap:107 rtx/90000",
    "a=fmtp:107 apt=106",
    "a=rtpmap:45 AV1/90000",
    "a=rtpmap:46 rtx/90000",
    "a=fmtp:46 apt=45",
    "a=rtpmap:116 red/90000",
    "a=rtpmap:117 rtx/90000",
    "a=fmtp:117 apt=116",
    "a=rtpmap:118 ulpfec/90000",
    "a=ssrc-group:FID 2882400001 2882400002",
    "a=ssrc:2882400001 cname:Zr8o1Hc7wHkq2uBv",
    "a=ssrc:2882400002 cname:Zr8o1Hc7wHkq2uBv",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "c=IN IP4 0.0.0.0",
    "a=ice-ufrag:4ZcD",
    "a=ice-pwd:2hB3zmTkXgq6Xw2Yy9TvQ1rS",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:"
    "C2:43:F0:A1:58:D0:A1:2C:19:08",
    "a=setup:actpass",
    "a=mid:2",
    "a=sctp-port:5000",
    "a=max-message-size:262144",
};

std::string build_offer_message() {
  // What the MDN-style client sends: it also claims its own "name", which the server replaces.
  std::string text = R"({"type":"video-offer","name":"alice","target":"bob","sdp":{"type":"offer",)"
                     R"("sdp":")";
  for (const auto line : offer_sdp_lines) {
    text += line;
    text += "\\r\\n";
  }
  text += R"("}})";
  return text;
}

} // namespace

const std::string& ice_candidate_message() {
  static const std::string text =
      R"({"type":"new-ice-candidate","target":"bob","candidate":{"candidate":"candidate:842163049 )"
      R"(1 udp 1686052607 203.0.113.77 61942 typ srflx raddr 192.168.1.23 rport 54321 )"
      R"(generation 0 ufrag 4ZcD network-id 1 network-cost 10","sdpMid":"0","sdpMLineIndex":0,)"
      R"("usernameFragment":"4ZcD"}})";
  return text;
}

const std::string& sdp_offer_message() {
  static const std::string text = build_offer_message();
  return text;
}

const std::string& chat_message() {
  // The MDN chat client's shape: text plus its own id and timestamp, passed through untouched.
  static const std::string text =
      R"({"type":"message","text":"Hi <b>bob</b>, the slides are <a href=\"https://example.)"
      R"(org/deck\">here</a> <img src=x onerror=alert(1)> see you at 3","id":1717,)"
      R"("date":1718035200123})";
  return text;
}

const std::string& truncated_candidate_message() {
  static const std::string text =
      ice_candidate_message().substr(0, ice_candidate_message().size() - 2);
  return text;
}

const std::string& forged_userlist_message() {
  static const std::string text = R"({"type":"userlist","users":["alice","bob","mallory"]})";
  return text;
}

} // namespace switchboard::microbench
