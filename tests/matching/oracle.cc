#include "oracle.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace ipraktik::matching::testing {
namespace {

struct Edge {
  int intern;
  int host;
  std::int64_t rank;
  bool cross;
};

// The usable (intern, host) pairs after the rules and pins, with what pins fix beforehand.
struct Reduced {
  std::vector<Edge> edges;
  std::vector<std::int64_t> places;  // per host, after pins
  Objective pinned;
};

Reduced Reduce(const Instance& instance) {
  std::unordered_map<std::string, int> host_of, intern_of;
  for (int h = 0; h < static_cast<int>(instance.hosts.size()); ++h)
    host_of[instance.hosts[h].id] = h;
  for (int i = 0; i < static_cast<int>(instance.interns.size()); ++i) {
    intern_of[instance.interns[i].id] = i;
  }
  std::set<std::pair<int, int>> forbidden;
  for (const Pair& pair : instance.forbidden) {
    if (intern_of.count(pair.intern) && host_of.count(pair.host)) {
      forbidden.emplace(intern_of[pair.intern], host_of[pair.host]);
    }
  }
  std::map<int, int> pinned;  // intern -> host
  for (const Pair& pin : instance.pinned) pinned[intern_of.at(pin.intern)] = host_of.at(pin.host);

  Reduced reduced;
  for (const Host& host : instance.hosts) reduced.places.push_back(host.capacity);
  for (auto [intern, host] : pinned) --reduced.places[host];
  for (int i = 0; i < static_cast<int>(instance.interns.size()); ++i) {
    const Intern& intern = instance.interns[i];
    std::set<int> seen;
    for (const Wish& wish : intern.wishes) {
      auto found = host_of.find(wish.host);
      if (found == host_of.end() || !seen.insert(found->second).second) continue;
      const Host& host = instance.hosts[found->second];
      if (host.organization == intern.organization || forbidden.count({i, found->second})) continue;
      const bool cross = host.sector != intern.sector;
      auto pin = pinned.find(i);
      if (pin != pinned.end()) {
        if (pin->second == found->second) {
          ++reduced.pinned.matched;
          reduced.pinned.total_rank += wish.rank;
          reduced.pinned.cross_sector += cross ? 1 : 0;
        }
        continue;
      }
      if (reduced.places[found->second] <= 0) continue;
      reduced.edges.push_back({i, found->second, wish.rank, cross});
    }
  }
  return reduced;
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

double CpuMilliseconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

}  // namespace

OracleRun SolveWithLemon(const Instance& instance, MinCostFlow algorithm) {
  OracleRun run;
  const auto build_start = std::chrono::steady_clock::now();
  Reduced reduced = Reduce(instance);
  const int interns = static_cast<int>(instance.interns.size());
  const int hosts = static_cast<int>(instance.hosts.size());
  const std::int64_t scale = interns + 1;  // one rank outweighs every cross-sector placement
  std::int64_t dearest_wish = 0;
  for (const Edge& edge : reduced.edges) dearest_wish = std::max(dearest_wish, edge.rank * scale);
  std::int64_t hosts_with_places = 0;
  for (std::int64_t places : reduced.places) hosts_with_places += places > 0 ? 1 : 0;
  // A cheaper flow that places fewer interns would leave a negative cycle: the bypass of an
  // unplaced intern backwards, then alternately wish arcs forwards (at most one into each host,
  // each at most `dearest_wish`) and backwards (each worth at least scale - 1 > 0), then a host's
  // free place to the sink. Such a cycle costs below hosts_with_places * dearest_wish - bypass.
  const std::int64_t bypass = hosts_with_places * dearest_wish + 1;

  // Nodes: the sink, the hosts, then the interns with a usable wish (supply 1 each).
  FlowNetwork network;
  const int sink = 0;
  std::vector<int> intern_node(interns, -1);
  network.nodes = 1 + hosts;
  for (const Edge& edge : reduced.edges) {
    if (intern_node[edge.intern] < 0) intern_node[edge.intern] = network.nodes++;
  }
  network.supply.assign(network.nodes, 1);
  network.supply[sink] = -(network.nodes - 1 - hosts);
  std::fill_n(network.supply.begin() + 1, hosts, 0);
  auto add_arc = [&](int from, int to, std::int64_t capacity, std::int64_t cost) {
    network.from.push_back(from);
    network.to.push_back(to);
    network.capacity.push_back(capacity);
    network.cost.push_back(cost);
  };
  for (const Edge& edge : reduced.edges) {  // arc e is edge e
    add_arc(intern_node[edge.intern], 1 + edge.host, 1, edge.rank * scale - (edge.cross ? 1 : 0));
  }
  for (int h = 0; h < hosts; ++h) {
    add_arc(1 + h, sink, std::max<std::int64_t>(0, reduced.places[h]), 0);
  }
  for (int node = 1 + hosts; node < network.nodes; ++node) add_arc(node, sink, 1, bypass);
  run.rules_ms = Since(build_start);

  const auto solve_start = std::chrono::steady_clock::now();
  const double cpu_start = CpuMilliseconds();
  const auto flow = SolveMinCostFlow(network, algorithm);
  if (flow) {
    run.solved = true;
    run.objective = reduced.pinned;
    for (std::size_t e = 0; e < reduced.edges.size(); ++e) {
      if ((*flow)[e] > 0) {
        ++run.objective.matched;
        run.objective.total_rank += reduced.edges[e].rank;
        run.objective.cross_sector += reduced.edges[e].cross ? 1 : 0;
      }
    }
  }
  run.lemon_ms = Since(solve_start);
  run.lemon_cpu_ms = CpuMilliseconds() - cpu_start;
  return run;
}

Objective SolveByBruteForce(const Instance& instance) {
  Reduced reduced = Reduce(instance);
  const int interns = static_cast<int>(instance.interns.size());
  std::vector<std::vector<const Edge*>> options(interns);
  for (const Edge& edge : reduced.edges) options[edge.intern].push_back(&edge);
  std::vector<std::int64_t> load(instance.hosts.size(), 0);
  Objective best, current;
  bool found = false;
  auto better = [](const Objective& a, const Objective& b) {
    if (a.matched != b.matched) return a.matched > b.matched;
    if (a.total_rank != b.total_rank) return a.total_rank < b.total_rank;
    return a.cross_sector > b.cross_sector;
  };
  auto search = [&](auto&& self, int intern) -> void {
    if (intern == interns) {
      if (!found || better(current, best)) best = current;
      found = true;
      return;
    }
    self(self, intern + 1);  // unplaced
    for (const Edge* edge : options[intern]) {
      if (load[edge->host] >= reduced.places[edge->host]) continue;
      ++load[edge->host];
      ++current.matched;
      current.total_rank += edge->rank;
      current.cross_sector += edge->cross ? 1 : 0;
      self(self, intern + 1);
      --load[edge->host];
      --current.matched;
      current.total_rank -= edge->rank;
      current.cross_sector -= edge->cross ? 1 : 0;
    }
  };
  search(search, 0);
  best.matched += reduced.pinned.matched;
  best.total_rank += reduced.pinned.total_rank;
  best.cross_sector += reduced.pinned.cross_sector;
  return best;
}

}  // namespace ipraktik::matching::testing
