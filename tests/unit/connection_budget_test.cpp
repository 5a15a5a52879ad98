#include "config/connection_budget.hpp"

#include <gtest/gtest.h>

namespace switchboard {
namespace {

TEST(ConnectionBudget, DerivedFromTheOpenFileLimitWhenNotConfigured) {
  const auto budget = connection_budget(0, 20'000);
  EXPECT_EQ(budget.max_connections, 20'000 - fd_reserve - over_capacity_connections);
  EXPECT_EQ(budget.accept_limit, budget.max_connections + over_capacity_connections);
  EXPECT_FALSE(budget.lowered);
  // Whatever is accepted still leaves the reserve free.
  EXPECT_EQ(budget.accept_limit + fd_reserve, 20'000u);
}

TEST(ConnectionBudget, AConfiguredLimitThatFitsIsKept) {
  const auto budget = connection_budget(500, 20'000);
  EXPECT_EQ(budget.max_connections, 500u);
  EXPECT_EQ(budget.accept_limit, 500 + over_capacity_connections);
  EXPECT_FALSE(budget.lowered);
}

// Issue 8, finding 4: 100,000 by default against 20,000 open files.
TEST(ConnectionBudget, AConfiguredLimitAboveTheOpenFileLimitIsLowered) {
  const auto budget = connection_budget(100'000, 20'000);
  EXPECT_EQ(budget.max_connections, 20'000 - fd_reserve - over_capacity_connections);
  EXPECT_TRUE(budget.lowered);
}

TEST(ConnectionBudget, ATinyLimitStillAllowsOneConnection) {
  const auto budget = connection_budget(0, 16);
  EXPECT_EQ(budget.max_connections, 1u);
  EXPECT_EQ(budget.accept_limit, 1 + over_capacity_connections);
}

} // namespace
} // namespace switchboard
