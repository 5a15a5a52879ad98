#include "auth/turn_credentials.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace switchboard::auth {
namespace {

// Expected values computed independently (Node's crypto.createHmac('sha1', 'S')), as coturn
// computes them from its static-auth-secret.
TEST(TurnCredential, KnownVector) {
  const auto turn = make_turn_credential("S", "1", 1'796'124'944);
  EXPECT_EQ(turn.username, "1796124944:1");
  EXPECT_EQ(turn.credential, "eqWgiX6SJXqW4+cHbZu9VE8bk1Q=");
  EXPECT_EQ(turn.expires_at, 1'796'124'944);
}

TEST(TurnCredential, UsernameIsExpiryColonWho) {
  const auto turn = make_turn_credential("S", "ana", 1'796'124'944);
  EXPECT_EQ(turn.username, "1796124944:ana");
  EXPECT_EQ(turn.credential, "8PbouRlkpi1Usb2MiaX8vVTp/3Q=");
}

TEST(TurnCredential, ColonsInWhoAreReplaced) {
  // coturn reads the time up to the first ':'; a ':' in the name must not make another split.
  const auto turn = make_turn_credential("S", "a:b:c", 1'796'124'944);
  EXPECT_EQ(turn.username, "1796124944:a_b_c");
  EXPECT_EQ(turn.credential, "/HEOnIZbxX0Wdpv5ELnsWytbgJ4=") << "signed as replaced";
  EXPECT_EQ(make_turn_credential("S", ":", 1).username, "1:_");
  EXPECT_EQ(make_turn_credential("S", "::", 1).username, "1:__");
}

TEST(TurnCredential, OtherCharactersAreKept) {
  EXPECT_EQ(make_turn_credential("S", "jos\xC3\xA9 _-.", 5).username, "5:jos\xC3\xA9 _-.");
  EXPECT_EQ(make_turn_credential("S", "", 5).username, "5:");
}

TEST(TurnCredential, ExpiryAndSecretChangeTheCredential) {
  const auto base = make_turn_credential("S", "1", 1'796'124'944);
  const auto later = make_turn_credential("S", "1", 1'796'124'945);
  EXPECT_EQ(later.username, "1796124945:1");
  EXPECT_EQ(later.credential, "xNrk7D5YX+936ZQ+5Gmz6yAzQkI=");
  EXPECT_NE(make_turn_credential("T", "1", 1'796'124'944).credential, base.credential);
  EXPECT_EQ(make_turn_credential("S", "1", 1'796'124'944).credential, base.credential)
      << "deterministic";
}

TEST(TurnCredential, CredentialIsBase64OfTwentyBytes) {
  const std::vector<std::string> secrets{"S", "a longer secret of several words",
                                         std::string(200, 'k')};
  for (const auto& secret : secrets) {
    const auto turn = make_turn_credential(secret, "someone", 1'796'124'944);
    SCOPED_TRACE(secret.size());
    ASSERT_EQ(turn.credential.size(), 28u);
    EXPECT_EQ(turn.credential.back(), '=');
    EXPECT_EQ(
        turn.credential.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789+/="),
        std::string::npos);
  }
}

} // namespace
} // namespace switchboard::auth
