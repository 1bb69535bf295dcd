#include "integrations/docker/passwd_entry.h"

#include <gtest/gtest.h>

namespace kelola::docker {
namespace {

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "broken:x:12\n"
    "nonnum:x:a:b::/home/nonnum:/bin/sh\n"
    "deploy:x:1000:1001:Deploy User,,,:/home/deploy/:/bin/sh\r\n"
    "evil:x:1002:1002::../../etc:/bin/sh\n";

TEST(PasswdEntry, FindsUsersAndSkipsBrokenLines) {
  auto root = FindPasswdEntry(kPasswd, "root");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->uid, 0);
  EXPECT_EQ(root->home, "/root");
  auto deploy = FindPasswdEntry(kPasswd, "deploy");
  ASSERT_TRUE(deploy.ok()) << deploy.status().ToString();
  EXPECT_EQ(deploy->uid, 1000);
  EXPECT_EQ(deploy->gid, 1001);
  EXPECT_EQ(deploy->home, "/home/deploy");
  EXPECT_EQ(FindPasswdEntry(kPasswd, "broken").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(FindPasswdEntry(kPasswd, "nonnum").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(FindPasswdEntry(kPasswd, "nobody").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(FindPasswdEntry(kPasswd, "evil").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FindPasswdEntry(kPasswd, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FindPasswdEntry("", "root").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kelola::docker
