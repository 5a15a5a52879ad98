#pragma once
// A real redis-server for a test: started on 127.0.0.1 on a free port in a temporary
// directory, with nothing saved to disk, and ended by PID when the object goes (also when the
// test fails). Ready once its log (a pipe we read) says it accepts connections.

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace switchboard::test {

class RedisServer {
public:
  RedisServer() {
    char pattern[] = "/tmp/switchboard-redis-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    start();
  }
  ~RedisServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // SIGKILL: the connection drops without a goodbye.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // Started again, empty, on the same port.
  void restart() {
    stop();
    start(port_);
  }

private:
  static int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      close(fd);
      throw std::runtime_error("no free port");
    }
    close(fd);
    return ntohs(address.sin_port);
  }

  void start(int port = 0) {
    // A port found free may be taken before redis binds it: try a few.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = port != 0 ? port : free_port();
      int log[2];
      if (pipe2(log, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
      pid_ = fork();
      if (pid_ == 0) {
        dup2(log[1], STDOUT_FILENO);
        close(log[0]);
        close(log[1]);
        const auto port_text = std::to_string(port_);
        execlp("redis-server", "redis-server", "--port", port_text.c_str(), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--dir", dir_.c_str(),
               static_cast<char*>(nullptr));
        _exit(127);
      }
      close(log[1]);
      const bool ready = wait_ready(log[0]);
      // redis-server ignores SIGPIPE: what it logs later is simply dropped.
      close(log[0]);
      if (ready) return;
      stop();
    }
    throw std::runtime_error("redis-server did not start");
  }

  // Reads its log (stdout) until it says it is ready, or it exits, or 10 s pass.
  static bool wait_ready(int log) {
    std::string text;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (text.find("Ready to accept connections") == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          give_up - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd readable{log, POLLIN, 0};
      if (poll(&readable, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[4096];
      const auto got = read(log, buffer, sizeof(buffer));
      if (got <= 0) return false; // exited
      text.append(buffer, static_cast<std::size_t>(got));
    }
    return true;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

} // namespace switchboard::test
