#include "protocol/user_name.hpp"

#include "protocol/text_rules.hpp"

#include <array>
#include <memory>
#include <stdexcept>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

namespace switchboard::protocol {
namespace {

// No canonical decomposition is longer than 4 code points (U+1F82: alpha, two accents and
// iota subscript; a unit test checks this against ICU's data), so a name of more than 4 x 32
// code points is still longer than 32 in NFC: refused before any normalizing.
constexpr std::size_t max_canonical_decomposition = 4;

// What UTS #39 may flag in a single name, each refused as name_confusable:
//   restriction level "moderately restrictive": one script (common characters such as digits,
//     punctuation and emoji go with any); Latin with Han and Bopomofo, with Han, Hiragana and
//     Katakana, or with Han and Hangul; or Latin with one other script, except Cyrillic, Greek
//     and Cherokee, whose letters pass for Latin ones;
//   mixed numbers: digits of two numbering systems ("1" and Arabic-Indic "٣");
//   invisible: one nonspacing mark twice in a row, which renders as once;
//   hidden overlay: a dot above on "i" or "j", which already have one.
constexpr std::int32_t spoof_checks =
    USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS | USPOOF_INVISIBLE | USPOOF_HIDDEN_OVERLAY;
constexpr URestrictionLevel restriction_level = USPOOF_MODERATELY_RESTRICTIVE;

struct SpoofCheckerCloser {
  void operator()(USpoofChecker* checker) const { uspoof_close(checker); }
};

// ICU's singletons, opened once. Normalizer2 instances are immutable and owned by ICU; the
// spoof checker is configured here and afterwards only read.
struct NameData {
  const icu::Normalizer2* nfc = nullptr;
  const icu::Normalizer2* nfkc_casefold = nullptr;
  std::unique_ptr<USpoofChecker, SpoofCheckerCloser> spoof;
  // skeleton("0") ... skeleton("9") and their folds, for with_suffix.
  std::array<std::string, 10> digit_skeletons;
  std::array<std::string, 10> folded_digit_skeletons;
};

void throw_if_failed(UErrorCode status, const char* what) {
  if (U_FAILURE(status))
    throw std::runtime_error(std::string("ICU: ") + what + ": " + u_errorName(status));
}

std::string skeleton_of(const USpoofChecker& checker, std::string_view text, UErrorCode& status) {
  std::string out(text.size() * 2 + 8, '\0');
  auto length = uspoof_getSkeletonUTF8(&checker, 0, text.data(), static_cast<int32_t>(text.size()),
                                       out.data(), static_cast<int32_t>(out.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    status = U_ZERO_ERROR;
    out.resize(static_cast<std::size_t>(length));
    length = uspoof_getSkeletonUTF8(&checker, 0, text.data(), static_cast<int32_t>(text.size()),
                                    out.data(), length, &status);
  }
  out.resize(U_SUCCESS(status) ? static_cast<std::size_t>(length) : 0);
  return out;
}

std::string normalize(const icu::Normalizer2& normalizer, std::string_view text,
                      UErrorCode& status) {
  std::string out;
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(text.size()));
  normalizer.normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())),
                           sink, nullptr, status);
  return out;
}

NameData load() {
  NameData data;
  UErrorCode status = U_ZERO_ERROR;
  data.nfc = icu::Normalizer2::getNFCInstance(status);
  throw_if_failed(status, "NFC normalizer");
  data.nfkc_casefold = icu::Normalizer2::getNFKCCasefoldInstance(status);
  throw_if_failed(status, "NFKC_Casefold normalizer");
  data.spoof.reset(uspoof_open(&status));
  throw_if_failed(status, "spoof checker");
  uspoof_setChecks(data.spoof.get(), spoof_checks, &status);
  uspoof_setRestrictionLevel(data.spoof.get(), restriction_level);
  throw_if_failed(status, "spoof checks");
  for (char digit = '0'; digit <= '9'; ++digit) {
    const auto i = static_cast<std::size_t>(digit - '0');
    data.digit_skeletons[i] = skeleton_of(*data.spoof, std::string_view(&digit, 1), status);
    data.folded_digit_skeletons[i] =
        normalize(*data.nfkc_casefold, data.digit_skeletons[i], status);
    throw_if_failed(status, "digit skeleton");
  }
  return data;
}

const NameData& name_data() {
  static const NameData data = load();
  return data;
}

bool has_refused_code_point(std::string_view text) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 code_point = 0;
    U8_NEXT(bytes, i, length, code_point);
    // Negative: ill-formed UTF-8, such as an encoded surrogate.
    if (code_point < 0 || is_refused_in_names(static_cast<char32_t>(code_point))) return true;
  }
  return false;
}

} // namespace

bool is_refused_in_names(char32_t code_point) {
  const auto c = static_cast<UChar32>(code_point);
  switch (u_charType(c)) {
  case U_FORMAT_CHAR:
  case U_UNASSIGNED:
  case U_PRIVATE_USE_CHAR:
  case U_SURROGATE:
  case U_LINE_SEPARATOR:
  case U_PARAGRAPH_SEPARATOR:
    return true;
  default:
    return c == 0x2800 || u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
  }
}

std::variant<UserName, ErrorCode> make_user_name(std::string_view requested) {
  if (count_code_points(requested) > max_canonical_decomposition * max_name_code_points)
    return ErrorCode::name_too_long;
  if (has_refused_code_point(requested)) return ErrorCode::name_invalid;

  const auto& data = name_data();
  UErrorCode status = U_ZERO_ERROR;
  UserName name;
  name.text = normalize(*data.nfc, requested, status);
  if (U_FAILURE(status)) return ErrorCode::name_invalid;
  // Length, markup and white space are judged on the name as registered.
  if (auto error = check_user_name(name.text)) return *error;

  const auto flags = uspoof_check2UTF8(data.spoof.get(), name.text.data(),
                                       static_cast<int32_t>(name.text.size()), nullptr, &status);
  if (U_FAILURE(status)) return ErrorCode::name_invalid;
  if ((flags & USPOOF_ALL_CHECKS) != 0) return ErrorCode::name_confusable;

  auto& keys = name.keys;
  keys.folded = normalize(*data.nfkc_casefold, name.text, status);
  keys.skeleton = skeleton_of(*data.spoof, name.text, status);
  keys.skeleton_of_folded = skeleton_of(*data.spoof, keys.folded, status);
  keys.folded_skeleton = normalize(*data.nfkc_casefold, keys.skeleton, status);
  if (U_FAILURE(status)) return ErrorCode::name_invalid;
  return name;
}

UserName with_suffix(const UserName& name, std::size_t suffix) {
  const auto& data = name_data();
  UserName out = name;
  for (const char digit : std::to_string(suffix)) {
    const auto i = static_cast<std::size_t>(digit - '0');
    out.text.push_back(digit);
    out.keys.folded.push_back(digit);
    out.keys.skeleton.append(data.digit_skeletons[i]);
    out.keys.skeleton_of_folded.append(data.digit_skeletons[i]);
    out.keys.folded_skeleton.append(data.folded_digit_skeletons[i]);
  }
  return out;
}

void load_name_rules() {
  name_data();
}

} // namespace switchboard::protocol
