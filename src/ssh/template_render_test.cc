#include "ssh/template_render.h"

#include <gtest/gtest.h>

namespace kelola {
namespace {

const std::map<std::string, std::string> kVars = {
    {"app_port", "8080"}, {"host.name", "web-1"}, {"host.labels.zone", "a"}, {"greeting", "{{ not expanded }}"}};

TEST(TemplateRenderTest, SubstitutesVariables) {
  auto out = RenderTemplate("listen {{app_port}};\nserver_name {{ host.name }}-{{ host.labels.zone }};\n", kVars, "t");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "listen 8080;\nserver_name web-1-a;\n");
}

TEST(TemplateRenderTest, ValuesAreInsertedVerbatimNotReparsed) {
  EXPECT_EQ(*RenderTemplate("{{ greeting }}", kVars, "t"), "{{ not expanded }}");
  EXPECT_EQ(*RenderTemplate("literal {{{{ braces }}", kVars, "t"), "literal {{ braces }}");
  EXPECT_EQ(*RenderTemplate("single { and } are fine", kVars, "t"), "single { and } are fine");
  EXPECT_EQ(*RenderTemplate("", kVars, "t"), "");
}

TEST(TemplateRenderTest, ErrorsNameTemplateLineAndColumn) {
  auto unknown = RenderTemplate("a\nport {{ app_prot }}\n", kVars, "app.conf.tmpl");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message().rfind("app.conf.tmpl:2:6: unknown variable \"app_prot\"; known: app_port", 0),
            0u)
      << unknown.status().message();
  auto open = RenderTemplate("x {{ app_port", kVars, "t");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().message().rfind("t:1:3: expected {{ variable }}", 0), 0u) << open.status().message();
  EXPECT_FALSE(RenderTemplate("{{ }}", kVars, "t").ok());
  EXPECT_FALSE(RenderTemplate("{{ a b }}", kVars, "t").ok());
}

}  // namespace
}  // namespace kelola
