// Static path resolution: whatever the target, a path it resolves to lies inside the web root.

#include "http/static_files.hpp"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <unistd.h>

namespace {
std::filesystem::path root;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char dir[] = "/tmp/switchboard-fuzz-root-XXXXXX";
  if (mkdtemp(dir) == nullptr) std::abort();
  root = std::filesystem::canonical(dir);
  std::filesystem::create_directories(root / "js");
  std::ofstream(root / "index.html") << "<!doctype html>";
  std::ofstream(root / "js" / "app.js") << "export {};";
  std::filesystem::create_directory_symlink("/etc", root / "out");
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const auto resolved = switchboard::http::resolve_static_path(root, target);
  if (!resolved) return 0;
  const auto relative = resolved->lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") std::abort();
  // Never through the symlink that leaves the root.
  if (!relative.empty() && *relative.begin() == "out") std::abort();
  return 0;
}
