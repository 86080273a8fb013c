// ipraktik-match as a program: exit codes, files and pipes, byte-identical output, --verify.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class MatchCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* binary_dir = std::getenv("IPRAKTIK_BINARY_DIR");
    ASSERT_NE(binary_dir, nullptr);
    binary_ = fs::path(binary_dir) / "bin" / "ipraktik-match";
    dir_ = fs::temp_directory_path() / ("ipraktik-match-test-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name)) << text;
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name));
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }
  // Runs the program with a shell command line tail; returns the exit code, stderr in errors_.
  int Run(const std::string& arguments) {
    const std::string command = binary_.string() + " " + arguments + " 2>" + Path("stderr.txt");
    const int status = std::system(command.c_str());
    errors_ = Read("stderr.txt");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  fs::path binary_;
  fs::path dir_;
  std::string errors_;
};

constexpr char kRound[] = R"({"round":"r-1",
  "hosts":[{"id":"h-1","organization":"A","sector":"state","capacity":1},
           {"id":"h-2","organization":"B","sector":"municipal","capacity":1}],
  "interns":[{"id":"p-1","organization":"C","sector":"state","wishes":["h-1","h-2"]},
             {"id":"p-2","organization":"C","sector":"state","wishes":["h-1"]},
             {"id":"p-3","organization":"C","sector":"state","wishes":["h-1"]}]})";

std::string WithoutTiming(const std::string& json) {
  return std::regex_replace(json, std::regex(R"("solve_ms":[0-9.]+)"), "\"solve_ms\":0");
}

TEST_F(MatchCliTest, SolvesFileToFileAndVerifies) {
  Write("round.json", kRound);
  ASSERT_EQ(Run("--input " + Path("round.json") + " --output " + Path("result.json")), 0)
      << errors_;
  EXPECT_TRUE(errors_.empty()) << "no progress output when stderr is not a terminal: " << errors_;
  const std::string result = Read("result.json");
  EXPECT_THAT(result, HasSubstr(R"("intern":"p-1","host":"h-2","rank":2)"));
  EXPECT_EQ(Run("--verify " + Path("round.json") + " " + Path("result.json")), 0) << errors_;
}

TEST_F(MatchCliTest, PipesAndRunsAreByteIdenticalApartFromTiming) {
  Write("round.json", kRound);
  ASSERT_EQ(Run("< " + Path("round.json") + " > " + Path("a.json")), 0) << errors_;
  ASSERT_EQ(Run("--input=- --output=- < " + Path("round.json") + " > " + Path("b.json")), 0);
  ASSERT_EQ(Run("--input " + Path("round.json") + " --output " + Path("c.json")), 0);
  EXPECT_EQ(WithoutTiming(Read("a.json")), WithoutTiming(Read("b.json")));
  EXPECT_EQ(WithoutTiming(Read("a.json")), WithoutTiming(Read("c.json")));
}

TEST_F(MatchCliTest, MalformedInputExitsWithTwoNamingTheRecord) {
  Write("bad.json", R"({"round":"r","hosts":[{"id":"h-1","organization":"A","sector":"state",
                       "capacity":-3}],"interns":[]})");
  EXPECT_EQ(Run("--input " + Path("bad.json") + " --output " + Path("out.json")), 2);
  EXPECT_THAT(errors_, HasSubstr("hosts[0] (id \"h-1\"): field \"capacity\": -3 is negative"));
  EXPECT_FALSE(fs::exists(Path("out.json")));
  Write("notjson.json", "this is not json");
  EXPECT_EQ(Run("--input " + Path("notjson.json")), 2);
}

TEST_F(MatchCliTest, UsageAndFileErrors) {
  EXPECT_EQ(Run("--help > " + Path("help.txt")), 0);
  EXPECT_THAT(Read("help.txt"), HasSubstr("--verify"));
  EXPECT_EQ(Run("--frobnicate"), 64);
  EXPECT_EQ(Run("--verify only-one"), 64);
  EXPECT_EQ(Run("--input " + Path("missing.json")), 1);
  EXPECT_THAT(errors_, HasSubstr("cannot open"));
}

TEST_F(MatchCliTest, VerifyRejectsATamperedResult) {
  Write("round.json", kRound);
  ASSERT_EQ(Run("--input " + Path("round.json") + " --output " + Path("result.json")), 0);
  std::string result = Read("result.json");
  // p-1 moved from h-2 to its first wish h-1, which is already full.
  std::string tampered = std::regex_replace(
      result, std::regex(R"("intern":"p-1","host":"h-2","rank":2,"cross_sector":true)"),
      R"("intern":"p-1","host":"h-1","rank":1,"cross_sector":false)");
  ASSERT_NE(tampered, result);
  Write("tampered.json", tampered);
  EXPECT_EQ(Run("--verify " + Path("round.json") + " " + Path("tampered.json")), 1);
  EXPECT_THAT(errors_, HasSubstr("result rejected"));
  // A malformed result file is blamed, not the (good) input.
  Write("garbage.json", "{");
  EXPECT_EQ(Run("--verify " + Path("round.json") + " " + Path("garbage.json")), 1);
  EXPECT_THAT(errors_, HasSubstr("result file " + Path("garbage.json") + " rejected: result: "));
  EXPECT_THAT(errors_, Not(HasSubstr("input")));
}

// JSON has no byte-order mark: one gets a message that says so, naming the file it is in.
TEST_F(MatchCliTest, AByteOrderMarkIsNamed) {
  Write("bom.json", std::string("\xEF\xBB\xBF") + kRound);
  EXPECT_EQ(Run("--input " + Path("bom.json") + " --output " + Path("out.json")), 2);
  EXPECT_THAT(errors_, HasSubstr("input: starts with a UTF-8 byte-order mark"));
  Write("round.json", kRound);
  ASSERT_EQ(Run("--input " + Path("round.json") + " --output " + Path("result.json")), 0);
  Write("bom-result.json", "\xEF\xBB\xBF" + Read("result.json"));
  EXPECT_EQ(Run("--verify " + Path("round.json") + " " + Path("bom-result.json")), 1);
  EXPECT_THAT(errors_, HasSubstr("result: starts with a UTF-8 byte-order mark"));
}

}  // namespace
