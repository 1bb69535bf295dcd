#include "base/edit_distance.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("listen", "listen"), 0u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("lissten", "listen"), 1u);  // one deletion
  EXPECT_EQ(EditDistance("listen", "lissten"), 1u);  // one insertion
  EXPECT_EQ(EditDistance("hosst", "hosts"), 2u);     // two substitutions
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace kelola
