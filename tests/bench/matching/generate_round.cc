// Writes a realistic matching round as JSON (docs/matching.md) for the benchmark:
//  - organisations in five regions by population, each in one sector; hosts and interns belong to
//    them;
//  - host popularity is skewed (Zipf, exponent 0.7, over a random order), capacities mostly 1-10;
//  - interns wish mostly within their own region (80 %), the rest anywhere;
//  - some wishes are equal-rank groups (a wish by field: 2-4 hosts), and some are bad: a host of
//    the intern's own organisation, an unknown host id, a repeated host.
// Deterministic for a given seed.
//
//   generate_round --interns N [--hosts H] [--wishes W] [--seed S] --output FILE

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr const char* kRegions[] = {"Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland",
                                    "Nordjylland"};
constexpr double kRegionPopulation[] = {0.32, 0.14, 0.21, 0.23, 0.10};
constexpr const char* kSectors[] = {"municipal", "regional", "state", "private"};
constexpr double kSectorShare[] = {0.45, 0.10, 0.25, 0.20};

struct Options {
  long interns = 10000;
  long hosts = 0;  // default interns / 5
  int wishes = 10;
  unsigned long seed = 1;
  std::string output;
};

struct Organization {
  int region;
  int sector;
  std::vector<int> hosts;
};

class Output {
 public:
  explicit Output(std::FILE* file) : file_(file) { buffer_.reserve(1 << 20); }
  ~Output() { Flush(); }
  Output& operator<<(const std::string& text) {
    buffer_ += text;
    if (buffer_.size() > (1 << 20)) Flush();
    return *this;
  }
  Output& operator<<(long number) { return *this << std::to_string(number); }
  void Flush() {
    std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
    buffer_.clear();
  }

 private:
  std::FILE* file_;
  std::string buffer_;
};

Options Parse(int argc, char** argv) {
  Options options;
  for (int a = 1; a + 1 < argc; a += 2) {
    const std::string name = argv[a], value = argv[a + 1];
    if (name == "--interns")
      options.interns = std::stol(value);
    else if (name == "--hosts")
      options.hosts = std::stol(value);
    else if (name == "--wishes")
      options.wishes = std::stoi(value);
    else if (name == "--seed")
      options.seed = std::stoul(value);
    else if (name == "--output")
      options.output = value;
    else {
      std::fprintf(stderr, "generate_round: unknown option %s\n", name.c_str());
      std::exit(64);
    }
  }
  if (options.hosts == 0) options.hosts = std::max(1L, options.interns / 5);
  if (options.output.empty()) {
    std::fprintf(stderr,
                 "usage: generate_round --interns N [--hosts H] [--wishes W] [--seed S] "
                 "--output FILE\n");
    std::exit(64);
  }
  return options;
}

long Capacity(std::mt19937_64& rng) {
  const int roll = static_cast<int>(rng() % 100);
  if (roll < 1) return 0;
  if (roll < 21) return 1;
  if (roll < 41) return 2;
  if (roll < 56) return 3;
  if (roll < 66) return 4;
  if (roll < 76) return 5;
  if (roll < 96) return 6 + static_cast<long>(rng() % 5);
  return 20 + static_cast<long>(rng() % 11);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = Parse(argc, argv);
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::discrete_distribution<int> pick_region(std::begin(kRegionPopulation),
                                              std::end(kRegionPopulation));
  std::discrete_distribution<int> pick_sector(std::begin(kSectorShare), std::end(kSectorShare));

  const long organizations = std::max(10L, options.hosts / 4);
  std::vector<Organization> orgs(organizations);
  for (auto& org : orgs) org = {pick_region(rng), pick_sector(rng), {}};

  // Hosts: an organisation each; popularity by Zipf rank over a random order.
  std::vector<int> host_org(options.hosts);
  std::vector<std::vector<int>> hosts_in_region(5);
  for (long h = 0; h < options.hosts; ++h) {
    host_org[h] = static_cast<int>(rng() % organizations);
    orgs[host_org[h]].hosts.push_back(static_cast<int>(h));
    hosts_in_region[orgs[host_org[h]].region].push_back(static_cast<int>(h));
  }
  std::vector<double> popularity(options.hosts);
  {
    std::vector<long> order(options.hosts);
    for (long h = 0; h < options.hosts; ++h) order[h] = h;
    std::shuffle(order.begin(), order.end(), rng);
    for (long k = 0; k < options.hosts; ++k) popularity[order[k]] = 1.0 / std::pow(k + 1.0, 0.7);
  }
  std::vector<std::discrete_distribution<int>> pick_in_region;
  for (const auto& region_hosts : hosts_in_region) {
    std::vector<double> weights;
    for (int h : region_hosts) weights.push_back(popularity[h]);
    if (weights.empty()) weights.push_back(1.0);
    pick_in_region.emplace_back(weights.begin(), weights.end());
  }
  std::discrete_distribution<int> pick_anywhere(popularity.begin(), popularity.end());

  std::FILE* file = std::fopen(options.output.c_str(), "wb");
  if (file == nullptr) {
    std::perror(options.output.c_str());
    return 1;
  }
  {
    Output out(file);
    out << "{\"round\":\"bench-" << options.interns << "-seed-" << static_cast<long>(options.seed)
        << "\",\n\"hosts\":[\n";
    for (long h = 0; h < options.hosts; ++h) {
      const Organization& org = orgs[host_org[h]];
      out << (h ? ",\n" : "") << "{\"id\":\"h-" << h << "\",\"organization\":\"org-"
          << static_cast<long>(host_org[h]) << "\",\"sector\":\"" << kSectors[org.sector]
          << "\",\"region\":\"" << kRegions[org.region] << "\",\"capacity\":" << Capacity(rng)
          << "}";
    }
    out << "],\n\"interns\":[\n";
    auto random_host = [&](int region) {
      if (unit(rng) < 0.8 && !hosts_in_region[region].empty()) {
        return hosts_in_region[region][pick_in_region[region](rng)];
      }
      return pick_anywhere(rng);
    };
    std::vector<int> listed;
    for (long i = 0; i < options.interns; ++i) {
      const int org_index = static_cast<int>(rng() % organizations);
      const Organization& org = orgs[org_index];
      out << (i ? ",\n" : "") << "{\"id\":\"p-" << i << "\",\"organization\":\"org-"
          << static_cast<long>(org_index) << "\",\"sector\":\"" << kSectors[org.sector]
          << "\",\"region\":\"" << kRegions[org.region] << "\",\"wishes\":[";
      listed.clear();
      for (int w = 0; w < options.wishes; ++w) {
        out << (w ? "," : "");
        const double roll = unit(rng);
        auto fresh_host = [&] {
          for (;;) {
            int h = random_host(org.region);
            if (std::find(listed.begin(), listed.end(), h) == listed.end()) return h;
          }
        };
        if (roll < 0.01 && !org.hosts.empty()) {  // own organisation
          out << "\"h-" << static_cast<long>(org.hosts[rng() % org.hosts.size()]) << "\"";
        } else if (roll < 0.015) {  // unknown host
          out << "\"h-x" << static_cast<long>(rng() % 1000) << "\"";
        } else if (roll < 0.025 && !listed.empty()) {  // repeated host
          out << "\"h-" << static_cast<long>(listed[rng() % listed.size()]) << "\"";
        } else if (roll < 0.075 && options.hosts > 8) {  // equal-rank group
          const int members = 2 + static_cast<int>(rng() % 3);
          out << "[";
          for (int m = 0; m < members; ++m) {
            const int h = fresh_host();
            listed.push_back(h);
            out << (m ? "," : "") << "\"h-" << static_cast<long>(h) << "\"";
          }
          out << "]";
        } else {
          const int h = fresh_host();
          listed.push_back(h);
          out << "\"h-" << static_cast<long>(h) << "\"";
        }
      }
      out << "]}";
    }
    out << "]}\n";
  }
  return std::fclose(file) == 0 ? 0 : 1;
}
