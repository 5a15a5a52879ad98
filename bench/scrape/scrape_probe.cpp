// switchboard-scrape-probe: scrapes GET /metrics the way Prometheus does (one keep-alive
// connection, one request at a time) every --interval-ms, --count times, and prints each
// scrape's time from request to the end of the answer, in milliseconds, one a line. A few
// microseconds of CPU per scrape: bench/metrics runs it on the bench's core while measuring
// latency, where a curl per scrape (a fork and exec) or a Node process disturbed the bench more
// than the scrape disturbed the server. Loopback only.
//
//   switchboard-scrape-probe --port P [--interval-ms 100] [--count 100]

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

// Reads one HTTP answer whose headers carry Content-Length; false on a closed or bad stream.
bool read_answer(int fd, std::string& buffer) {
  buffer.clear();
  char chunk[64 * 1024];
  std::size_t header_end = std::string::npos;
  std::size_t total = 0;
  for (;;) {
    const auto n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    if (header_end == std::string::npos) {
      header_end = buffer.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      const auto length = buffer.find("Content-Length: ");
      if (length == std::string::npos || length > header_end) return false;
      total = header_end + 4 + std::strtoul(buffer.c_str() + length + 16, nullptr, 10);
    }
    if (buffer.size() >= total) return buffer.compare(0, 12, "HTTP/1.1 200") == 0;
  }
}

} // namespace

int main(int argc, char** argv) {
  int port = 0;
  long interval_ms = 100;
  long count = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--interval-ms") == 0) interval_ms = std::atol(argv[i + 1]);
    if (std::strcmp(argv[i], "--count") == 0) count = std::atol(argv[i + 1]);
  }
  if (port <= 0 || port > 65535 || interval_ms < 0 || count <= 0 || count > 100000) {
    std::fprintf(stderr, "usage: switchboard-scrape-probe --port P [--interval-ms 100] "
                         "[--count 100]  (count <= 100000)\n");
    return 2;
  }
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::perror("switchboard-scrape-probe: connect");
    return 1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const std::string request =
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n\r\n";
  std::string answer;
  for (long i = 0; i < count; ++i) {
    const auto started = std::chrono::steady_clock::now();
    if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size()) ||
        !read_answer(fd, answer)) {
      std::fprintf(stderr, "switchboard-scrape-probe: scrape %ld failed\n", i + 1);
      return 1;
    }
    const std::chrono::duration<double, std::milli> took =
        std::chrono::steady_clock::now() - started;
    std::printf("%.3f\n", took.count());
    std::fflush(stdout);
    if (interval_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  close(fd);
  return 0;
}
