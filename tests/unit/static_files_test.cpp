#include "http/mime.hpp"
#include "http/static_files.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <string>

namespace switchboard::http {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

// A web root with files, directories and symlinks, and files outside it that must stay out
// of reach:
//   base/root/{index.html, app.js, b.txt, my file.txt, sub/{index.html,page.html},
//              noindex/x.txt, a/, link-* symlinks}
//   base/outside/secret.txt
//   base/root-evil/secret.txt   (a sibling whose name starts with the root's name)
class ResolveStaticPath : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "switchboard-static-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    base = fs::canonical(pattern);
    root = base / "root";
    fs::create_directories(root / "sub");
    fs::create_directories(root / "noindex");
    fs::create_directories(root / "a");
    fs::create_directories(base / "outside");
    fs::create_directories(base / "root-evil");
    write_file(root / "index.html", "<h1>home</h1>");
    write_file(root / "app.js", "export {};");
    write_file(root / "b.txt", "b");
    write_file(root / "my file.txt", "spaced");
    write_file(root / "sub" / "index.html", "sub home");
    write_file(root / "sub" / "page.html", "page");
    write_file(root / "noindex" / "x.txt", "x");
    // On Linux a backslash is an ordinary file name character; the rule still refuses it.
    write_file(root / "back\\slash.txt", "b");
    write_file(base / "outside" / "secret.txt", "secret");
    write_file(base / "root-evil" / "secret.txt", "secret");
    fs::create_symlink("app.js", root / "link-inside");
    fs::create_symlink("sub", root / "link-dir-inside");
    fs::create_symlink("../outside/secret.txt", root / "link-outside");
    fs::create_symlink(base / "outside" / "secret.txt", root / "link-outside-abs");
    fs::create_symlink("../outside", root / "link-dir-outside");
    fs::create_symlink("../root-evil/secret.txt", root / "link-sibling");
    fs::create_symlink("missing-target", root / "link-dangling");
    root = fs::canonical(root);
  }

  void TearDown() override {
    std::error_code ec;
    if (!base.empty()) fs::remove_all(base, ec);
  }

  std::optional<fs::path> resolve(std::string_view request_path) const {
    return resolve_static_path(root, request_path);
  }

  fs::path base;
  fs::path root;
};

TEST_F(ResolveStaticPath, ServesAFile) {
  EXPECT_EQ(resolve("/app.js"), root / "app.js");
  EXPECT_EQ(resolve("/sub/page.html"), root / "sub" / "page.html");
}

TEST_F(ResolveStaticPath, DecodesPercentEscapes) {
  EXPECT_EQ(resolve("/my%20file.txt"), root / "my file.txt");
  EXPECT_EQ(resolve("/s%75b/page%2Ehtml"), root / "sub" / "page.html");
}

TEST_F(ResolveStaticPath, RootIsIndexHtml) {
  EXPECT_EQ(resolve("/"), root / "index.html");
}

TEST_F(ResolveStaticPath, DirectoryIsItsIndexHtml) {
  EXPECT_EQ(resolve("/sub/"), root / "sub" / "index.html");
  EXPECT_EQ(resolve("/sub"), root / "sub" / "index.html");
}

TEST_F(ResolveStaticPath, DirectoryWithoutIndexIsRefused) {
  EXPECT_EQ(resolve("/noindex/"), std::nullopt);
  EXPECT_EQ(resolve("/noindex"), std::nullopt);
  EXPECT_EQ(resolve("/a"), std::nullopt);
}

TEST_F(ResolveStaticPath, MissingFileIsRefused) {
  EXPECT_EQ(resolve("/missing.html"), std::nullopt);
  EXPECT_EQ(resolve("/sub/missing.html"), std::nullopt);
  EXPECT_EQ(resolve("/app.js/more"), std::nullopt);
  EXPECT_EQ(resolve("/link-dangling"), std::nullopt);
}

TEST_F(ResolveStaticPath, DotDotIsRefused) {
  for (const char* path : {"/..", "/../outside/secret.txt", "/sub/../../outside/secret.txt",
                           "/../root/app.js", "/sub/../.."}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(resolve(path), std::nullopt);
  }
}

TEST_F(ResolveStaticPath, EncodedDotDotIsRefused) {
  for (const char* path :
       {"/%2e%2e/outside/secret.txt", "/%2E%2E/outside/secret.txt", "/.%2e/outside/secret.txt",
        "/%2e./outside/secret.txt", "/sub/%2e%2e/%2e%2e/outside/secret.txt",
        "/%2e%2e%2foutside%2fsecret.txt"}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(resolve(path), std::nullopt);
  }
}

// The header promises "..", encoded or not, is refused: even a climb that would end back
// inside the root (there is no legitimate use for it).
TEST_F(ResolveStaticPath, DotDotInsideTheRootIsRefusedToo) {
  EXPECT_EQ(resolve("/a/../b.txt"), std::nullopt);
  EXPECT_EQ(resolve("/sub/../app.js"), std::nullopt);
}

TEST_F(ResolveStaticPath, NulIsRefused) {
  EXPECT_EQ(resolve("/app.js%00"), std::nullopt);
  EXPECT_EQ(resolve("/app.js%00.html"), std::nullopt);
  EXPECT_EQ(resolve(std::string_view("/app.js\0", 8)), std::nullopt);
}

TEST_F(ResolveStaticPath, BackslashIsRefused) {
  EXPECT_EQ(resolve("/sub\\page.html"), std::nullopt);
  EXPECT_EQ(resolve("/sub%5cpage.html"), std::nullopt);
  EXPECT_EQ(resolve("/..\\outside\\secret.txt"), std::nullopt);
  EXPECT_EQ(resolve("/%2e%2e%5coutside%5csecret.txt"), std::nullopt);
  ASSERT_TRUE(fs::is_regular_file(root / "back\\slash.txt"));
  EXPECT_EQ(resolve("/back\\slash.txt"), std::nullopt);
  EXPECT_EQ(resolve("/back%5Cslash.txt"), std::nullopt);
}

TEST_F(ResolveStaticPath, MalformedRequestsAreRefused) {
  EXPECT_EQ(resolve(""), std::nullopt);
  EXPECT_EQ(resolve("app.js"), std::nullopt);
  EXPECT_EQ(resolve("/%zz"), std::nullopt);
  EXPECT_EQ(resolve("/app.js%"), std::nullopt);
}

TEST_F(ResolveStaticPath, SymlinkInsideTheRootIsAllowed) {
  EXPECT_EQ(resolve("/link-inside"), root / "app.js");
  EXPECT_EQ(resolve("/link-dir-inside/page.html"), root / "sub" / "page.html");
}

TEST_F(ResolveStaticPath, SymlinkOutsideTheRootIsRefused) {
  for (const char* path : {"/link-outside", "/link-outside-abs", "/link-dir-outside/secret.txt",
                           "/link-dir-outside/", "/link-sibling"}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(resolve(path), std::nullopt);
  }
}

// Compares the media type, not parameters such as charset.
std::string_view media_type(std::string_view content_type) {
  return content_type.substr(0, content_type.find(';'));
}

TEST(MimeType, KnownExtensions) {
  EXPECT_EQ(media_type(mime_type("index.html")), "text/html");
  EXPECT_EQ(media_type(mime_type("/js/app.js")), "text/javascript");
  EXPECT_EQ(media_type(mime_type("/css/style.css")), "text/css");
  EXPECT_EQ(media_type(mime_type("data.json")), "application/json");
  EXPECT_EQ(media_type(mime_type("/img/logo.svg")), "image/svg+xml");
  EXPECT_EQ(media_type(mime_type("/img/photo.png")), "image/png");
}

TEST(MimeType, TextTypesDeclareUtf8) {
  for (const char* file : {"a.html", "a.js", "a.css"}) {
    SCOPED_TRACE(file);
    EXPECT_NE(mime_type(file).find("charset=utf-8"), std::string_view::npos);
  }
}

TEST(MimeType, ExtensionIsCaseInsensitive) {
  EXPECT_EQ(media_type(mime_type("INDEX.HTML")), "text/html");
  EXPECT_EQ(media_type(mime_type("/img/Photo.PNG")), "image/png");
  EXPECT_EQ(media_type(mime_type("App.Js")), "text/javascript");
}

TEST(MimeType, UnknownIsOctetStream) {
  EXPECT_EQ(mime_type("archive.xyz"), "application/octet-stream");
  EXPECT_EQ(mime_type("README"), "application/octet-stream");
  EXPECT_EQ(mime_type("/dir.html/README"), "application/octet-stream");
  EXPECT_EQ(mime_type("file."), "application/octet-stream");
}

} // namespace
} // namespace switchboard::http
