#include "lemon_flow.h"

#include <lemon/capacity_scaling.h>
#include <lemon/cost_scaling.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace ipraktik::matching::testing {

std::string_view Name(MinCostFlow algorithm) {
  switch (algorithm) {
    case MinCostFlow::kNetworkSimplex:
      return "NetworkSimplex";
    case MinCostFlow::kCostScaling:
      return "CostScaling";
    case MinCostFlow::kCapacityScaling:
      return "CapacityScaling";
  }
  return "?";
}

std::optional<std::vector<std::int64_t>> SolveMinCostFlow(const FlowNetwork& network,
                                                          MinCostFlow algorithm) {
  using Graph = lemon::SmartDigraph;
  const int arcs = static_cast<int>(network.from.size());
  if (algorithm == MinCostFlow::kCostScaling) {
    // Costs are multiplied by the number of nodes and the scaling factor (16), and potentials
    // grow a few times beyond that.
    std::int64_t largest = 0;
    for (std::int64_t c : network.cost) largest = std::max(largest, c < 0 ? -c : c);
    const double reach = static_cast<double>(largest) * (network.nodes + 1) * 16 * 8;
    if (reach >= static_cast<double>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  }
  Graph graph;
  graph.reserveNode(network.nodes);
  graph.reserveArc(arcs);
  for (int n = 0; n < network.nodes; ++n) graph.addNode();
  for (int a = 0; a < arcs; ++a) {
    graph.addArc(graph.nodeFromId(network.from[a]), graph.nodeFromId(network.to[a]));
  }
  Graph::NodeMap<std::int64_t> supply(graph);
  Graph::ArcMap<std::int64_t> capacity(graph), cost(graph);
  for (int n = 0; n < network.nodes; ++n) supply[graph.nodeFromId(n)] = network.supply[n];
  for (int a = 0; a < arcs; ++a) {
    capacity[graph.arcFromId(a)] = network.capacity[a];
    cost[graph.arcFromId(a)] = network.cost[a];
  }
  std::vector<std::int64_t> flow(arcs);
  auto solve = [&](auto& solver, auto optimal) {
    solver.upperMap(capacity).costMap(cost).supplyMap(supply);
    if (solver.run() != optimal) throw std::runtime_error("LEMON found no optimal flow");
    for (int a = 0; a < arcs; ++a) flow[a] = solver.flow(graph.arcFromId(a));
  };
  switch (algorithm) {
    case MinCostFlow::kNetworkSimplex: {
      lemon::NetworkSimplex<Graph, std::int64_t, std::int64_t> solver(graph);
      solve(solver, decltype(solver)::OPTIMAL);
      break;
    }
    case MinCostFlow::kCostScaling: {
      lemon::CostScaling<Graph, std::int64_t, std::int64_t> solver(graph);
      solve(solver, decltype(solver)::OPTIMAL);
      break;
    }
    case MinCostFlow::kCapacityScaling: {
      lemon::CapacityScaling<Graph, std::int64_t, std::int64_t> solver(graph);
      solve(solver, decltype(solver)::OPTIMAL);
      break;
    }
  }
  return flow;
}

}  // namespace ipraktik::matching::testing
