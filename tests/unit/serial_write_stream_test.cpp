#include "net/serial_write_stream.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace switchboard {
namespace {

namespace net = boost::asio;
using net::ip::tcp;

// A connected pair of loopback sockets: `writer` wrapped in the gate, `reader` plain.
struct SocketPair {
  net::io_context ioc;
  tcp::socket reader{ioc};
  SerialWriteStream<tcp::socket> writer{tcp::socket(ioc)};

  SocketPair() {
    tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
    writer.next_layer().connect(acceptor.local_endpoint());
    acceptor.accept(reader);
  }
};

std::vector<net::const_buffer> pieces_of(const std::string& text, std::size_t piece) {
  std::vector<net::const_buffer> out;
  for (std::size_t at = 0; at < text.size(); at += piece)
    out.emplace_back(text.data() + at, std::min(piece, text.size() - at));
  return out;
}

// Writes far bigger than the socket buffer, so that each takes many partial writes, with a
// small one between them as Beast writes a control frame: the bytes must arrive as unbroken
// runs, in submission order, and each handler must see its whole size.
TEST(SerialWriteStream, WritesNeverInterleaveAndCompleteInOrder) {
  SocketPair pair;
  const std::string first(3 << 20, 'a');
  const std::string second(125, 'b'); // a control frame's largest payload
  const std::string third(2 << 20, 'c');
  std::vector<char> completed;
  std::vector<std::size_t> written;
  auto record = [&](char which) {
    return [&, which](boost::system::error_code ec, std::size_t n) {
      EXPECT_FALSE(ec) << ec.message();
      completed.push_back(which);
      written.push_back(n);
    };
  };
  pair.writer.async_write_all(pieces_of(first, 4096), record('a'));
  // As Beast writes: a composed write through async_write_some.
  net::async_write(pair.writer, net::buffer(second), record('b'));
  pair.writer.async_write_all(pieces_of(third, 100'000), record('c'));

  std::string received(first.size() + second.size() + third.size(), '\0');
  boost::system::error_code read_error;
  net::async_read(pair.reader, net::buffer(received),
                  [&](boost::system::error_code ec, std::size_t) { read_error = ec; });
  pair.ioc.run();

  EXPECT_FALSE(read_error) << read_error.message();
  EXPECT_EQ(completed, (std::vector<char>{'a', 'b', 'c'}));
  EXPECT_EQ(written, (std::vector<std::size_t>{first.size(), second.size(), third.size()}));
  EXPECT_TRUE(received == first + second + third);
}

// When the connection fails, the write in progress and every waiting one complete with an
// error: nothing is left hanging (a hung handler would keep its session alive forever).
TEST(SerialWriteStream, EveryWaitingWriteCompletesWhenTheConnectionFails) {
  SocketPair pair;
  const std::string big(8 << 20, 'x');
  int failed = 0;
  int completed = 0;
  auto count = [&](boost::system::error_code ec, std::size_t) {
    ++completed;
    if (ec) ++failed;
  };
  pair.writer.async_write_all(pieces_of(big, 65536), count);
  pair.writer.async_write_all(pieces_of(big, 65536), count);
  net::async_write(pair.writer, net::buffer(big), count);
  // The reader never reads and goes away: the first write fails part way.
  pair.reader.close();
  pair.ioc.run();
  EXPECT_EQ(completed, 3);
  EXPECT_EQ(failed, 3);
}

// After a write has failed, a later one must fail too, at once. Asio 1.81 would wait for the
// socket to become writable again, which a dead connection never does: the handler (and the
// session it holds) stayed forever (issue 8, finding 1).
TEST(SerialWriteStream, AWriteAfterAFailedOneFailsWithoutWaiting) {
  SocketPair pair;
  const std::string big(8 << 20, 'x');
  // The peer resets: linger 0 turns close() into a RST.
  pair.reader.set_option(net::socket_base::linger(true, 0));
  pair.reader.close();
  boost::system::error_code first;
  pair.writer.async_write_all(pieces_of(big, 65536),
                              [&](boost::system::error_code ec, std::size_t) { first = ec; });
  pair.ioc.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(first);

  int later = 0;
  for (int i = 0; i < 3; ++i) {
    pair.writer.async_write_all(pieces_of(big, 65536),
                                [&](boost::system::error_code ec, std::size_t n) {
                                  EXPECT_EQ(ec, first);
                                  EXPECT_EQ(n, 0u);
                                  ++later;
                                });
  }
  pair.ioc.restart();
  pair.ioc.run_for(std::chrono::seconds(5));
  EXPECT_EQ(later, 3);
}

// The first close frame is the last frame: Beast's echo of the peer's close after ours, or a
// keep-alive ping, is dropped but reported written, so that Beast's write completes.
TEST(SerialWriteStream, NothingIsWrittenAfterACloseFrame) {
  SocketPair pair;
  const std::string close_frame("\x88\x02\x03\xE9", 4); // 1001
  const std::string echo("\x88\x02\x03\xE8", 4);        // 1000
  const std::string ping("\x89\x00", 2);
  std::vector<std::size_t> written;
  auto record = [&](boost::system::error_code ec, std::size_t n) {
    EXPECT_FALSE(ec) << ec.message();
    written.push_back(n);
  };
  pair.writer.async_write_all({net::buffer(close_frame)}, record);
  net::async_write(pair.writer, net::buffer(echo), record);
  net::async_write(pair.writer, net::buffer(ping), record);
  pair.ioc.run();
  EXPECT_EQ(written, (std::vector<std::size_t>{4, 4, 2}));

  pair.writer.next_layer().shutdown(tcp::socket::shutdown_send);
  std::string received;
  boost::system::error_code read_error;
  net::read(pair.reader, net::dynamic_buffer(received), read_error);
  EXPECT_EQ(read_error, net::error::eof);
  EXPECT_EQ(received, close_frame);
}

} // namespace
} // namespace switchboard
