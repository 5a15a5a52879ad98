#include "bench/frame_codec.hpp"

#include <cstring>

namespace switchboard::bench::ws {
namespace {

bool is_control(Opcode opcode) {
  return (static_cast<std::uint8_t>(opcode) & 0x8) != 0;
}

bool is_known(std::uint8_t opcode) {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA);
}

} // namespace

void mask_copy(char* dst, const char* src, std::size_t size, std::uint32_t mask_key) {
  unsigned char key[4];
  key[0] = static_cast<unsigned char>(mask_key >> 24);
  key[1] = static_cast<unsigned char>(mask_key >> 16);
  key[2] = static_cast<unsigned char>(mask_key >> 8);
  key[3] = static_cast<unsigned char>(mask_key);
  // Eight bytes at a time: the key repeated twice, in memory order, lines up with every
  // eight-byte block because blocks start at multiples of four.
  std::uint64_t wide = 0;
  unsigned char wide_bytes[8];
  for (int i = 0; i < 8; ++i)
    wide_bytes[i] = key[i % 4];
  std::memcpy(&wide, wide_bytes, 8);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t block;
    std::memcpy(&block, src + i, 8);
    block ^= wide;
    std::memcpy(dst + i, &block, 8);
  }
  for (; i < size; ++i)
    dst[i] = static_cast<char>(static_cast<unsigned char>(src[i]) ^ key[i % 4]);
}

void append_frame(std::string& out, Opcode opcode, std::string_view payload,
                  std::uint32_t mask_key) {
  unsigned char header[14];
  std::size_t header_size = 2;
  header[0] = static_cast<unsigned char>(0x80 | static_cast<std::uint8_t>(opcode));
  const std::uint64_t size = payload.size();
  if (size < 126) {
    header[1] = static_cast<unsigned char>(0x80 | size);
  } else if (size <= 0xFFFF) {
    header[1] = 0x80 | 126;
    header[2] = static_cast<unsigned char>(size >> 8);
    header[3] = static_cast<unsigned char>(size);
    header_size = 4;
  } else {
    header[1] = 0x80 | 127;
    for (int i = 0; i < 8; ++i)
      header[2 + i] = static_cast<unsigned char>(size >> (56 - 8 * i));
    header_size = 10;
  }
  for (int i = 0; i < 4; ++i)
    header[header_size + i] = static_cast<unsigned char>(mask_key >> (24 - 8 * i));
  header_size += 4;

  const std::size_t start = out.size();
  out.resize(start + header_size + payload.size());
  std::memcpy(out.data() + start, header, header_size);
  mask_copy(out.data() + start + header_size, payload.data(), payload.size(), mask_key);
}

Decoded decode_frame(std::string_view bytes) {
  Decoded result;
  if (bytes.size() < 2) return result;
  const auto b0 = static_cast<unsigned char>(bytes[0]);
  const auto b1 = static_cast<unsigned char>(bytes[1]);
  auto invalid = [&result](const char* reason) {
    result.status = DecodeStatus::invalid;
    result.reason = reason;
    return result;
  };
  if ((b0 & 0x70) != 0) return invalid("reserved bits set (no extension was negotiated)");
  if (!is_known(b0 & 0x0F)) return invalid("unknown opcode");
  if ((b1 & 0x80) != 0) return invalid("masked frame from the server");
  const auto opcode = static_cast<Opcode>(b0 & 0x0F);
  const bool fin = (b0 & 0x80) != 0;

  std::size_t header = 2;
  std::uint64_t size = b1 & 0x7F;
  if (size == 126) {
    if (bytes.size() < 4) return result;
    size = (std::uint64_t{static_cast<unsigned char>(bytes[2])} << 8) |
           static_cast<unsigned char>(bytes[3]);
    header = 4;
  } else if (size == 127) {
    if (bytes.size() < 10) return result;
    size = 0;
    for (int i = 0; i < 8; ++i)
      size = (size << 8) | static_cast<unsigned char>(bytes[2 + i]);
    header = 10;
  }
  if (is_control(opcode) && (size > 125 || !fin)) return invalid("malformed control frame");
  if (size > max_inbound_frame) return invalid("frame larger than the bench accepts");

  const std::size_t total = header + static_cast<std::size_t>(size);
  if (bytes.size() < total) {
    result.frame_size = total;
    return result;
  }
  result.status = DecodeStatus::frame;
  result.frame = Frame{opcode, fin, bytes.substr(header, static_cast<std::size_t>(size))};
  result.consumed = total;
  return result;
}

} // namespace switchboard::bench::ws
