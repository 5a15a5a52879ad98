#include "bench/sdp_text.hpp"

#include <string_view>

namespace switchboard::bench {
namespace {

constexpr std::string_view audio_codecs = "a=rtpmap:111 opus/48000/2\r\n"
                                          "a=rtcp-fb:111 transport-cc\r\n"
                                          "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
                                          "a=rtpmap:63 red/48000/2\r\n"
                                          "a=fmtp:63 111/111\r\n"
                                          "a=rtpmap:9 G722/8000\r\n"
                                          "a=rtpmap:0 PCMU/8000\r\n"
                                          "a=rtpmap:8 PCMA/8000\r\n"
                                          "a=rtpmap:13 CN/8000\r\n"
                                          "a=rtpmap:110 telephone-event/48000\r\n"
                                          "a=rtpmap:126 telephone-event/8000\r\n";

constexpr std::string_view video_codecs_offer =
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
    "a=rtpmap:98 VP9/90000\r\n"
    "a=rtcp-fb:98 goog-remb\r\na=rtcp-fb:98 transport-cc\r\na=rtcp-fb:98 ccm fir\r\n"
    "a=rtcp-fb:98 nack\r\na=rtcp-fb:98 nack pli\r\na=fmtp:98 profile-id=0\r\n"
    "a=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n"
    "a=rtpmap:100 VP9/90000\r\n"
    "a=rtcp-fb:100 goog-remb\r\na=rtcp-fb:100 transport-cc\r\na=rtcp-fb:100 ccm fir\r\n"
    "a=rtcp-fb:100 nack\r\na=rtcp-fb:100 nack pli\r\na=fmtp:100 profile-id=2\r\n"
    "a=rtpmap:101 rtx/90000\r\na=fmtp:101 apt=100\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 goog-remb\r\na=rtcp-fb:102 transport-cc\r\na=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n"
    "a=rtpmap:104 H264/90000\r\n"
    "a=rtcp-fb:104 goog-remb\r\na=rtcp-fb:104 transport-cc\r\na=rtcp-fb:104 ccm fir\r\n"
    "a=rtcp-fb:104 nack\r\na=rtcp-fb:104 nack pli\r\n"
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
    "a=rtpmap:105 rtx/90000\r\na=fmtp:105 apt=104\r\n"
    "a=rtpmap:106 H264/90000\r\n"
    "a=rtcp-fb:106 goog-remb\r\na=rtcp-fb:106 transport-cc\r\na=rtcp-fb:106 ccm fir\r\n"
    "a=rtcp-fb:106 nack\r\na=rtcp-fb:106 nack pli\r\n"
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:107 rtx/90000\r\na=fmtp:107 apt=106\r\n"
    "a=rtpmap:45 AV1/90000\r\n"
    "a=rtcp-fb:45 goog-remb\r\na=rtcp-fb:45 transport-cc\r\na=rtcp-fb:45 ccm fir\r\n"
    "a=rtcp-fb:45 nack\r\na=rtcp-fb:45 nack pli\r\n"
    "a=rtpmap:46 rtx/90000\r\na=fmtp:46 apt=45\r\n"
    "a=rtpmap:116 red/90000\r\na=rtpmap:117 rtx/90000\r\na=fmtp:117 apt=116\r\n"
    "a=rtpmap:118 ulpfec/90000\r\n";

constexpr std::string_view video_codecs_answer =
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
    "a=rtpmap:98 VP9/90000\r\n"
    "a=rtcp-fb:98 goog-remb\r\na=rtcp-fb:98 transport-cc\r\na=rtcp-fb:98 ccm fir\r\n"
    "a=rtcp-fb:98 nack\r\na=rtcp-fb:98 nack pli\r\na=fmtp:98 profile-id=0\r\n"
    "a=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 goog-remb\r\na=rtcp-fb:102 transport-cc\r\na=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n"
    "a=rtpmap:116 red/90000\r\na=rtpmap:117 rtx/90000\r\na=fmtp:117 apt=116\r\n"
    "a=rtpmap:118 ulpfec/90000\r\n";

constexpr std::string_view header_extensions_audio =
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n";

constexpr std::string_view header_extensions_video =
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n";

void append_transport(std::string& out, bool offer, unsigned session) {
  const std::string id = std::to_string(session % 100000);
  out.append("c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n");
  out.append("a=ice-ufrag:u").append(id).append("\r\n");
  out.append("a=ice-pwd:b3NKc0xvYWRHZW5lcmF0b3I").append(id).append("\r\n");
  out.append("a=ice-options:trickle\r\n");
  out.append("a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:"
             "1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n");
  out.append(offer ? "a=setup:actpass\r\n" : "a=setup:active\r\n");
}

} // namespace

std::string session_description(bool offer, unsigned session) {
  std::string out;
  out.reserve(5000);
  out.append("v=0\r\no=- ").append(std::to_string(4611731400430051336ULL + session));
  out.append(" 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n");
  out.append("a=extmap-allow-mixed\r\na=msid-semantic: WMS stream\r\n");

  out.append("m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n");
  append_transport(out, offer, session);
  out.append("a=mid:0\r\n").append(header_extensions_audio);
  out.append("a=sendrecv\r\na=msid:stream audio-track\r\na=rtcp-mux\r\n");
  out.append(audio_codecs);
  out.append("a=ssrc:1001").append(std::to_string(session % 1000)).append(" cname:benchcname\r\n");
  out.append("a=ssrc:1001").append(std::to_string(session % 1000));
  out.append(" msid:stream audio-track\r\n");

  out.append(offer ? "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107 45 "
                     "46 116 117 118\r\n"
                   : "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103 116 117 118\r\n");
  append_transport(out, offer, session);
  out.append("a=mid:1\r\n").append(header_extensions_video);
  out.append("a=sendrecv\r\na=msid:stream video-track\r\na=rtcp-mux\r\na=rtcp-rsize\r\n");
  out.append(offer ? video_codecs_offer : video_codecs_answer);
  const std::string ssrc = std::to_string(2002000 + session % 1000);
  const std::string rtx = std::to_string(3003000 + session % 1000);
  out.append("a=ssrc-group:FID ").append(ssrc).append(" ").append(rtx).append("\r\n");
  for (const auto& s : {ssrc, rtx}) {
    out.append("a=ssrc:").append(s).append(" cname:benchcname\r\n");
    out.append("a=ssrc:").append(s).append(" msid:stream video-track\r\n");
  }
  return out;
}

} // namespace switchboard::bench
