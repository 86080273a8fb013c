// docs/security.md shows exactly the roles the .proto files declare for every RPC.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "local_servers.h"
#include "roles_table.h"

namespace ipraktik::access {
namespace {

TEST(SecurityDoc, ItsRolesTableIsTheDeclarations) {
  std::ifstream file(ipraktik::testing::SourceDir() / "docs/security.md");
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const std::string begin = "<!-- roles-table: begin -->\n";
  const std::string end = "<!-- roles-table: end -->";
  auto from = doc.find(begin);
  auto to = doc.find(end);
  ASSERT_NE(from, std::string::npos) << "docs/security.md has no " << begin;
  ASSERT_NE(to, std::string::npos);
  EXPECT_EQ(doc.substr(from + begin.size(), to - from - begin.size()), RolesTable())
      << "regenerate it: build/bin/ipraktik-roles-table";
}

}  // namespace
}  // namespace ipraktik::access
