// Runs a libFuzzer target over files instead of fuzzing: each argument is a file, or a
// directory whose regular files are all run. This is how CI replays the corpora (under ASan +
// UBSan, with g++, which has no libFuzzer): every input that ever found a bug stays a test.
// Built in place of libFuzzer's main when SWITCHBOARD_FUZZ_ENGINE is not "libfuzzer".

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

int run_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  // A copy of exactly the file's size, so that ASan sees a read past the end.
  std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  int inputs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path))
        if (entry.is_regular_file()) inputs += run_file(entry.path());
    } else {
      inputs += run_file(path);
    }
  }
  std::printf("%s: %d inputs replayed, no crash\n", argv[0], inputs);
  return inputs > 0 ? 0 : 1;
}
