#include "src/flow.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "src/radix_heap.h"

namespace ipraktik::matching {
namespace {

// ---- 1. The largest assignment -------------------------------------------------------------

// First every intern takes its best wished host with a free place. Then augmenting paths are
// searched from the other end, from each host with a free place towards any unplaced intern:
// in crowded rounds nearly every host is full and unplaced interns are everywhere, so these
// searches end after a few steps, where searches from the interns would wander through the
// whole crowded region looking for one of the rare free places. Depth first, with a lookahead
// that first tries an unplaced intern wishing for the host. A search that fails proves that the
// hosts it reached can never again lie on an augmenting path (their wishers are all placed, with
// hosts that lead only back into the set), so they are dead for all later searches. Interns
// once placed stay placed, so the lookahead pointer of a host never needs to go back.
class LargestAssignment {
 public:
  explicit LargestAssignment(const FlowGraph& graph)
      : graph_(graph),
        mate_edge_(graph.interns, kNone),
        slot_of_(graph.interns, kNone),
        slot_begin_(graph.hosts + 1, 0),
        load_(graph.hosts, 0),
        visited_(graph.hosts, 0),
        dead_(graph.hosts, 0),
        wishers_begin_(graph.hosts + 1, 0) {
    for (std::uint32_t h = 0; h < graph.hosts; ++h) {
      slot_begin_[h + 1] = slot_begin_[h] + graph.capacity[h];
    }
    slots_.assign(slot_begin_[graph.hosts], kNone);
  }

  void Run(const Progress& progress) {
    for (std::uint32_t i = 0; i < graph_.interns; ++i) {
      for (std::uint32_t e = graph_.offsets[i]; e < graph_.offsets[i + 1]; ++e) {
        const std::uint32_t host = graph_.host[e];
        if (load_[host] < graph_.capacity[host]) {
          Place(i, e, slot_begin_[host] + load_[host]++);
          break;
        }
      }
    }
    BuildWishers();
    std::uint32_t search = 0;
    for (std::uint32_t h = 0; h < graph_.hosts; ++h) {
      while (load_[h] < graph_.capacity[h] && !dead_[h] && Augment(h, ++search)) {
      }
      if (progress && h % 4096 == 0) {
        progress("cardinality", static_cast<double>(h) / static_cast<double>(graph_.hosts));
      }
    }
    if (progress) progress("cardinality", 1.0);
    wishers_ = {};
    lookahead_ = {};
  }

  const std::vector<std::uint32_t>& mate_edge() const { return mate_edge_; }
  std::uint32_t load(std::uint32_t host) const { return load_[host]; }
  // The interns placed with a host.
  const std::uint32_t* slots_begin(std::uint32_t host) const {
    return slots_.data() + slot_begin_[host];
  }

 private:
  struct Frame {
    std::uint32_t host;
    std::uint32_t cursor;  // next wisher
    std::uint32_t via;     // the intern placed here who moves down, or kNone for the root
  };

  // The interns wishing for each host, in intern order.
  void BuildWishers() {
    for (std::uint32_t host : graph_.host) ++wishers_begin_[host + 1];
    for (std::uint32_t h = 0; h < graph_.hosts; ++h) wishers_begin_[h + 1] += wishers_begin_[h];
    wishers_.resize(graph_.host.size());
    lookahead_.assign(wishers_begin_.begin(), wishers_begin_.end() - 1);
    std::vector<std::uint32_t> fill = lookahead_;
    for (std::uint32_t i = 0; i < graph_.interns; ++i) {
      for (std::uint32_t e = graph_.offsets[i]; e < graph_.offsets[i + 1]; ++e) {
        wishers_[fill[graph_.host[e]]++] = i;
      }
    }
  }

  std::uint32_t EdgeTo(std::uint32_t intern, std::uint32_t host) const {
    std::uint32_t e = graph_.offsets[intern];
    while (graph_.host[e] != host) ++e;
    return e;
  }

  // Frames are hosts: the root has a free place; every other host was entered through an intern
  // placed with it who wishes for the host of the frame below.
  bool Augment(std::uint32_t root, std::uint32_t search) {
    stack_.clear();
    reached_.clear();
    visited_[root] = search;
    reached_.push_back(root);
    stack_.push_back({root, wishers_begin_[root], kNone});
    while (!stack_.empty()) {
      Frame& frame = stack_.back();
      const std::uint32_t host = frame.host;
      const std::uint32_t end = wishers_begin_[host + 1];
      for (std::uint32_t& ahead = lookahead_[host]; ahead < end; ++ahead) {
        if (mate_edge_[wishers_[ahead]] == kNone) {
          Apply(wishers_[ahead]);
          return true;
        }
      }
      bool entered = false;
      while (frame.cursor < end) {
        const std::uint32_t intern = wishers_[frame.cursor++];
        const std::uint32_t next = graph_.host[mate_edge_[intern]];
        if (visited_[next] == search || dead_[next]) continue;
        visited_[next] = search;
        reached_.push_back(next);
        stack_.push_back({next, wishers_begin_[next], intern});
        entered = true;
        break;
      }
      if (!entered) stack_.pop_back();
    }
    for (std::uint32_t host : reached_) dead_[host] = 1;
    return false;
  }

  // Each intern of the path moves to the host of the frame below; the unplaced intern takes the
  // place the last one leaves, and the root gains one.
  void Apply(std::uint32_t unplaced) {
    const std::uint32_t root = stack_.front().host;
    std::uint32_t free_slot = slot_begin_[root] + load_[root]++;
    for (std::size_t k = 1; k < stack_.size(); ++k) {
      const std::uint32_t intern = stack_[k].via;
      const std::uint32_t left = slot_of_[intern];
      Place(intern, EdgeTo(intern, stack_[k - 1].host), free_slot);
      free_slot = left;
    }
    Place(unplaced, EdgeTo(unplaced, stack_.back().host), free_slot);
  }

  void Place(std::uint32_t intern, std::uint32_t edge, std::uint32_t slot) {
    mate_edge_[intern] = edge;
    slot_of_[intern] = slot;
    slots_[slot] = intern;
  }

  const FlowGraph& graph_;
  std::vector<std::uint32_t> mate_edge_;
  std::vector<std::uint32_t> slot_of_;
  std::vector<std::uint32_t> slot_begin_;
  std::vector<std::uint32_t> load_;
  std::vector<std::uint32_t> visited_;  // the search that last reached the host
  std::vector<std::uint8_t> dead_;      // reached by a failed search
  std::vector<std::uint32_t> slots_;
  std::vector<std::uint32_t> wishers_begin_;
  std::vector<std::uint32_t> wishers_;
  std::vector<std::uint32_t> lookahead_;  // per host: next wisher to check for being unplaced
  std::vector<Frame> stack_;
  std::vector<std::uint32_t> reached_;
};

// ---- 2. One part: a transportation problem whose demand must all be routed -------------------

struct TransportInput {
  std::uint32_t left = 0;
  std::uint32_t right = 0;
  std::vector<std::uint32_t> offsets;   // left + 1; each left node's edges, cheapest first
  std::vector<std::uint32_t> target;    // per edge: right node
  std::vector<std::uint32_t> key;       // per edge: rank << 1 | cross
  std::vector<std::uint32_t> demand;    // per left node: units that must be routed
  std::vector<std::uint32_t> capacity;  // per right node
  std::vector<std::int64_t> sink_cost;  // per right node, <= 0 (empty: all 0)
};

// What an edge costs in a stage: its rank, or 1 for a placement that is not cross-sector.
enum class Criterion { kRank, kSameSector };

// Successive shortest paths in phases (primal-dual). Nodes: left 0..L-1, right L..L+R-1, the
// sink T = L+R that every right node with room leads to, and a virtual source S that leads to
// every left node with demand left. Potentials psi keep every residual arc's reduced
// cost cost(u,v) + psi(u) - psi(v) at or above zero. Each phase is one Dijkstra from S that
// finds the distance D of T, then depth-first searches on the arcs of reduced cost zero route
// every shortest augmenting path they find.
class Transport {
 public:
  Transport(TransportInput input, Criterion criterion)
      : in_(std::move(input)),
        criterion_(criterion),
        exact_by_default_(criterion == Criterion::kSameSector),
        sink_(in_.left + in_.right),
        used_(in_.target.size(), 0),
        nodes_(sink_ + 1) {
    if (in_.sink_cost.empty()) in_.sink_cost.assign(in_.right, 0);
    std::uint32_t slot = 0;
    for (std::uint32_t r = 0; r < in_.right; ++r) {
      Node& node = nodes_[in_.left + r];
      node.begin = node.end = slot;
      node.capacity = in_.capacity[r];
      node.sink_cost = in_.sink_cost[r];
      slot += in_.capacity[r];
    }
    slots_.resize(slot);
  }

  absl::Status Solve(const Progress& progress, std::string_view phase_name) {
    std::uint64_t total = 0;
    for (std::uint32_t d : in_.demand) total += d;
    if (auto status = WarmStart(); !status.ok()) return status;
    std::uint64_t routed = 0;
    for (std::uint32_t l = 0; l < in_.left; ++l) {
      routed += in_.demand[l] - demand_left_[l];
      if (demand_left_[l] > 0) sources_.push_back(l);
    }
    while (!sources_.empty()) {
      if (progress) progress(phase_name, static_cast<double>(routed) / static_cast<double>(total));
      std::int64_t distance = 0;
      if (auto status = Distances(distance); !status.ok()) return status;
      // psi += min(d, D) - D on settled nodes; the others keep theirs (shifted by the common D).
      for (std::uint32_t settled : settled_) {
        Node& node = nodes_[settled];
        if (node.dist == distance) continue;
        node.psi += node.dist - distance;
        // Only a left node's own potential falling makes its unused edges newly admissible.
        node.listed = 0;
      }
      source_level_ -= distance;
      std::uint64_t routed_in_phase = Route();
      if (routed_in_phase == 0) {
        // Dijkstra found a shortest path, so a kept list missed an arc. That would be a bug;
        // listing everything afresh recovers from it instead of looping.
        ForgetCandidates();
        routed_in_phase = Route();
        if (routed_in_phase == 0) {
          return absl::InternalError("no augmenting path where Dijkstra found one");
        }
      }
      routed += routed_in_phase;
      std::size_t kept = 0;
      for (std::uint32_t l : sources_) {
        if (demand_left_[l] > 0) sources_[kept++] = l;
      }
      sources_.resize(kept);
    }
    if (progress) progress(phase_name, 1.0);
    return absl::OkStatus();
  }
  const TransportInput& input() const { return in_; }
  bool used(std::uint32_t edge) const { return used_[edge] != 0; }
  // Potentials of left, right and T (= left + right) nodes.
  std::int64_t potential(std::uint32_t node) const { return nodes_[node].psi; }
  std::int64_t Cost(std::uint32_t edge) const {
    return criterion_ == Criterion::kRank ? static_cast<std::int64_t>(in_.key[edge] >> 1)
                                          : 1 - static_cast<std::int64_t>(in_.key[edge] & 1);
  }
  // Reduced costs of the arc left -> right of an edge and of the arc right -> T.
  std::int64_t Reduced(std::uint32_t left, std::uint32_t edge) const {
    return Cost(edge) + nodes_[left].psi - nodes_[in_.left + in_.target[edge]].psi;
  }
  std::int64_t ReducedToSink(std::uint32_t r) const {
    return in_.sink_cost[r] + nodes_[in_.left + r].psi - nodes_[sink_].psi;
  }

 private:
  // Everything the searches read of a node sits in one cache line: a national round has a
  // million nodes, and the searches are bound by the misses on them, not by arithmetic.
  struct alignas(64) Node {
    std::int64_t psi = 0;           // potential
    std::int64_t dist = 0;          // Dijkstra's label
    std::int64_t sink_cost = 0;     // right nodes: cost of the arc to T
    std::uint32_t seen = 0;         // the phase dist (and settled) belong to
    std::uint32_t dead = 0;         // the pass the node was found to lead nowhere in
    std::uint32_t cursor_pass = 0;  // the pass the cursor belongs to
    std::uint32_t cursor = 0;
    // Left nodes: candidates_[begin, end), a superset of the admissible arcs while listed.
    // Right nodes: slots_[begin, end) hold the placed left nodes, of capacity in all; the
    // first of them is also kept here (interns have one place: no second miss to reach it).
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    std::uint32_t capacity = 0;
    std::uint32_t first_left = 0;
    std::int32_t first_cost = 0;
    std::uint8_t on_path = 0;
    std::uint8_t blocked = 0;  // a search passed over an arc back into the path
    std::uint8_t listed = 0;
    std::uint8_t settled = 0;  // by Dijkstra, in phase seen
  };
  static_assert(sizeof(Node) == 64);
  // A placement, or an edge a left node may take, with what the searches need of it inline.
  struct Slot {
    std::uint32_t left;
    std::uint32_t edge;
    std::int64_t cost;
  };
  struct Candidate {
    std::uint32_t edge;
    std::uint32_t next;  // the right node
    std::int64_t cost;
  };

  bool IsLeft(std::uint32_t node) const { return node < in_.left; }
  bool Settled(const Node& node) const { return node.seen == phase_ && node.settled; }

  // The left node in slot s of a right node, and the cost of its edge.
  struct Placed {
    std::uint32_t left;
    std::int64_t cost;
  };
  Placed PlacedAt(const Node& right, std::uint32_t s) const {
    if (s == right.begin) return {right.first_left, right.first_cost};
    return {slots_[s].left, slots_[s].cost};
  }
  void Place(Node& right, std::uint32_t s, std::uint32_t left, std::uint32_t edge,
             std::int64_t cost) {
    slots_[s] = {left, edge, cost};
    if (s == right.begin) {
      right.first_left = left;
      right.first_cost = static_cast<std::int32_t>(cost);  // a rank, or 0 or 1
    }
  }
  std::uint32_t RightNode(std::uint32_t edge) const { return in_.left + in_.target[edge]; }

  // Right nodes start at psi = -sink_cost, so that their arcs to T cost 0 reduced; an edge's
  // effective cost is its cost plus its right node's sink cost. Left nodes take edges in rounds
  // of rising effective cost: in each round every left node still taking takes all its edges of
  // that cost whose right nodes have room. One that meets a full right node, or its demand,
  // stops there. So an edge is taken before any of a dearer round (a host gets the interns who
  // ranked it first before another takes them as a second choice), and psi(left) = -(the
  // effective cost of its last round) keeps every reduced cost at or above zero: its edges of
  // cheaper rounds are all used, its unused ones cost at least that.
  absl::Status WarmStart() {
    demand_left_ = in_.demand;
    for (std::uint32_t r = 0; r < in_.right; ++r) nodes_[in_.left + r].psi = -in_.sink_cost[r];
    auto effective = [&](std::uint32_t e) { return Cost(e) + in_.sink_cost[in_.target[e]]; };
    // Left nodes still taking, by the effective cost of their next edge, then by index: a round
    // is every node at the smallest cost, in input order.
    using Next = std::pair<std::int64_t, std::uint32_t>;
    std::priority_queue<Next, std::vector<Next>, std::greater<>> taking;
    std::vector<std::uint32_t> next_edge(in_.offsets.begin(), in_.offsets.end() - 1);
    for (std::uint32_t l = 0; l < in_.left; ++l) {
      const std::uint32_t begin = in_.offsets[l], end = in_.offsets[l + 1];
      if (begin == end) {
        if (in_.demand[l] > 0) return absl::InternalError("a part has demand without an edge");
        continue;
      }
      nodes_[l].psi = -effective(begin);
      if (in_.demand[l] > 0) taking.push({effective(begin), l});
    }
    while (!taking.empty()) {
      const auto [round, l] = taking.top();
      taking.pop();
      const std::uint32_t end = in_.offsets[l + 1];
      std::uint32_t e = next_edge[l];
      bool stopped = false;
      for (; e < end && effective(e) == round; ++e) {
        Node& right = nodes_[RightNode(e)];
        if (right.end - right.begin >= right.capacity || demand_left_[l] == 0) {
          stopped = true;
          continue;
        }
        Place(right, right.end++, l, e, Cost(e));
        used_[e] = 1;
        --demand_left_[l];
        nodes_[l].psi = -round;
      }
      next_edge[l] = e;
      if (!stopped && demand_left_[l] > 0 && e < end) taking.push({effective(e), l});
    }
    return absl::OkStatus();
  }

  void Relax(std::uint32_t index, Node& node, std::int64_t distance) {
    if (node.seen != phase_ || (!node.settled && distance < node.dist)) {
      node.seen = phase_;
      node.settled = 0;
      node.dist = distance;
      heap_.Push(static_cast<std::uint64_t>(distance), index);
    }
  }

  // Left nodes have the long edge lists (hosts in part A), and scanning one costs a random read
  // per edge, so a left node's candidates are listed when a search first reaches it and kept
  // across phases until its own potential changes. The list holds every edge of reduced cost at
  // or below zero: the admissible arcs and the used edges, the only ones that can become
  // admissible while the node's potential stays (by being freed on a path; a right node's
  // potential only ever falls, which makes the arcs into it dearer).
  void ListAdmissible(std::uint32_t l) {
    Node& n = nodes_[l];
    n.listed = 1;
    n.begin = static_cast<std::uint32_t>(candidates_.size());
    for (std::uint32_t e = in_.offsets[l]; e < in_.offsets[l + 1]; ++e) {
      const std::uint32_t next = RightNode(e);
      const std::int64_t cost = Cost(e);
      if (cost + n.psi - nodes_[next].psi <= 0) candidates_.push_back({e, next, cost});
    }
    n.end = static_cast<std::uint32_t>(candidates_.size());
  }

  // Replaced lists leave their old entries behind; past one entry per edge, start afresh (the
  // listing cost stays linear in what is listed).
  void ForgetCandidates() {
    candidates_.clear();
    for (std::uint32_t l = 0; l < in_.left; ++l) nodes_[l].listed = 0;
  }

  // The virtual source's potential this phase: the largest of the sources', so that every arc
  // S -> source has a reduced cost at or above zero.
  std::int64_t SourceLevel() const {
    std::int64_t top = nodes_[sources_.front()].psi;
    for (std::uint32_t l : sources_) top = std::max(top, nodes_[l].psi);
    return top;
  }

  static absl::Status NegativeReducedCost() {
    return absl::InternalError("negative reduced cost: the potentials lost optimality");
  }

  // Dijkstra from S until T is settled at `distance`.
  absl::Status Distances(std::int64_t& distance) {
    ++phase_;
    heap_.Clear();
    settled_.clear();
    if (candidates_.size() > in_.target.size()) ForgetCandidates();
    const std::int64_t top = SourceLevel();
    for (std::uint32_t l : sources_) Relax(l, nodes_[l], top - nodes_[l].psi);
    source_level_ = top;
    const std::int64_t sink_psi = nodes_[sink_].psi;
    while (!heap_.empty()) {
      auto [key, index] = heap_.Pop();
      Node& node = nodes_[index];
      if (Settled(node)) continue;
      node.settled = 1;
      const std::int64_t d = static_cast<std::int64_t>(key);
      if (index == sink_) {
        distance = d;
        return absl::OkStatus();
      }
      settled_.push_back(index);
      if (IsLeft(index)) {
        for (std::uint32_t e = in_.offsets[index]; e < in_.offsets[index + 1]; ++e) {
          if (used_[e]) continue;
          const std::uint32_t next = RightNode(e);
          Node& right = nodes_[next];
          if (Settled(right)) continue;
          const std::int64_t reduced = Cost(e) + node.psi - right.psi;
          if (reduced < 0) return NegativeReducedCost();
          Relax(next, right, d + reduced);
        }
      } else {
        for (std::uint32_t s = node.begin; s < node.end; ++s) {
          const Placed placed = PlacedAt(node, s);
          Node& left = nodes_[placed.left];
          if (Settled(left)) continue;
          const std::int64_t reduced = -placed.cost + node.psi - left.psi;
          if (reduced < 0) return NegativeReducedCost();
          Relax(placed.left, left, d + reduced);
        }
        if (node.end - node.begin < node.capacity) {
          const std::int64_t reduced = node.sink_cost + node.psi - sink_psi;
          if (reduced < 0) return NegativeReducedCost();
          Relax(sink_, nodes_[sink_], d + reduced);
        }
      }
    }
    return absl::InternalError("a part's demand cannot be routed");
  }

  // Depth-first searches on the arcs of reduced cost zero, from the sources at the virtual
  // source's level (after the update, every source at distance at most D sits at it) towards T.
  // Two ways to treat a node whose arcs are exhausted. Exact: it is dead for the phase only if
  // no arc was passed over because it led back into the path ("blocked"); dead nodes then stay
  // dead (augmenting changes arcs only at path nodes, which no dead node leads to) and one pass
  // routes all the zero-cost graph holds, but blocked nodes are searched again. Eager: every
  // exhausted node is dead for the pass; paths routed open new zero-cost arcs (their reverses),
  // so passes repeat while they route much. Eager wins on the wide zero-cost plateaus of stage
  // 1, exact on the narrow graphs of stage 2; stage 1 ends each phase with one exact pass, which
  // routes the few paths left far more cheaply than a phase of Dijkstra and searches would.
  std::uint64_t Route() {
    std::uint64_t routed = 0;
    exact_ = exact_by_default_;
    for (;;) {
      ++pass_;
      std::uint64_t routed_in_pass = 0;
      for (std::uint32_t source : sources_) {
        if (nodes_[source].psi != source_level_) continue;
        while (demand_left_[source] > 0 && nodes_[source].dead != pass_ && FindPath(source)) {
          ApplyPath();
          --demand_left_[source];
          ++routed_in_pass;
        }
      }
      routed += routed_in_pass;
      if (exact_) return routed;
      // Once an eager pass adds under a fifth, finish with an exact one.
      if (routed_in_pass * 5 <= routed) exact_ = true;
    }
  }

  // Grows path_ from start along admissible arcs until one reaches T.
  bool FindPath(std::uint32_t start) {
    path_.clear();
    path_.push_back(start);
    nodes_[start].on_path = 1;
    nodes_[start].blocked = 0;
    while (!path_.empty()) {
      const std::uint32_t index = path_.back();
      const std::uint32_t next = NextAdmissible(index);
      if (next == kFound) return true;
      if (next == kNone) {
        Node& node = nodes_[index];
        node.on_path = 0;
        path_.pop_back();
        if (node.blocked && exact_) {
          node.cursor_pass = 0;  // look at all its arcs again next time
          if (!path_.empty()) nodes_[path_.back()].blocked = 1;
        } else {
          node.dead = pass_;
        }
        if (!path_.empty()) ++nodes_[path_.back()].cursor;
        continue;
      }
      nodes_[next].on_path = 1;
      nodes_[next].blocked = 0;
      path_.push_back(next);
    }
    return false;
  }

  static constexpr std::uint32_t kFound = kNone - 1;

  std::uint32_t& CursorOf(Node& node, std::uint32_t start) {
    if (node.cursor_pass != pass_) {
      node.cursor_pass = pass_;
      node.cursor = start;
    }
    return node.cursor;
  }

  // Whether a search may step to `to` from `from`; a step refused because `to` is on the path
  // marks `from` blocked.
  bool Open(Node& from, const Node& to) {
    if (to.on_path) {
      from.blocked = 1;
      return false;
    }
    return to.dead != pass_;
  }

  // A left node's cursor is a candidate; a right node's 0 means "try T", s > 0 its slot s-1.
  std::uint32_t NextAdmissible(std::uint32_t index) {
    if (IsLeft(index)) {
      if (!nodes_[index].listed) ListAdmissible(index);
      Node& node = nodes_[index];
      std::uint32_t& cursor = CursorOf(node, node.begin);
      for (; cursor < node.end; ++cursor) {
        const Candidate candidate = candidates_[cursor];
        Node& right = nodes_[candidate.next];
        if (candidate.cost + node.psi - right.psi != 0 || used_[candidate.edge]) continue;
        if (Open(node, right)) return candidate.next;
      }
      return kNone;
    }
    Node& node = nodes_[index];
    std::uint32_t& cursor = CursorOf(node, 0);
    if (cursor == 0) {
      if (node.end - node.begin < node.capacity && node.sink_cost + node.psi == nodes_[sink_].psi) {
        return kFound;
      }
      cursor = 1;
    }
    for (; cursor <= node.end - node.begin; ++cursor) {
      const Placed placed = PlacedAt(node, node.begin + cursor - 1);
      Node& left = nodes_[placed.left];
      if (-placed.cost + node.psi - left.psi == 0 && Open(node, left)) return placed.left;
    }
    return kNone;
  }

  // path_ = l0 r0 l1 r1 ... lk rk: l_m takes its cursor's candidate edge to r_m, r_m (m < k)
  // gives its slot cursor(r_m) - 1, held by l_{m+1}, to l_m, and r_k takes l_k in a free slot.
  void ApplyPath() {
    const std::size_t pairs = path_.size() / 2;
    const std::uint32_t last = path_[2 * pairs - 2];
    Node& last_right = nodes_[path_[2 * pairs - 1]];
    const Candidate taken = candidates_[nodes_[last].cursor];
    Place(last_right, last_right.end++, last, taken.edge, taken.cost);
    used_[taken.edge] = 1;
    for (std::size_t m = pairs - 1; m-- > 0;) {
      const std::uint32_t l = path_[2 * m];
      Node& right = nodes_[path_[2 * m + 1]];
      const std::uint32_t s = right.begin + right.cursor - 1;
      used_[slots_[s].edge] = 0;
      const Candidate candidate = candidates_[nodes_[l].cursor];
      Place(right, s, l, candidate.edge, candidate.cost);
      used_[candidate.edge] = 1;
    }
    for (std::uint32_t index : path_) {
      nodes_[index].on_path = 0;
      // Their arcs changed; exact dead marks need all of them looked at again.
      if (exact_) nodes_[index].cursor_pass = 0;
    }
  }

  TransportInput in_;
  Criterion criterion_;
  bool exact_by_default_;
  bool exact_ = false;  // the dead marks of the current pass
  std::uint32_t sink_;
  std::vector<std::uint8_t> used_;
  std::vector<Node> nodes_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> demand_left_;
  std::vector<std::uint32_t> sources_;  // left nodes with demand left
  std::vector<std::uint32_t> settled_;
  std::vector<Candidate> candidates_;
  std::vector<std::uint32_t> path_;
  RadixHeap heap_;
  std::uint32_t phase_ = 0;
  std::uint32_t pass_ = 0;  // of the depth-first searches; dead marks and cursors are per pass
  std::int64_t source_level_ = 0;  // the virtual source's potential in this phase
};

// One part solved lexicographically: stage 1 minimises the total rank; stage 2, among the
// assignments of least total rank, minimises the placements that are not cross-sector.
//
// By complementary slackness with stage 1's optimal potentials psi1, the assignments of least
// total rank are exactly the feasible ones in which every arc of non-zero reduced cost is where
// stage 1 has it: an edge below zero is used, above zero unused; a right node whose arc to T is
// below zero is full, above zero empty. Stage 2 solves the problem left when those are fixed,
// on the edges of reduced cost zero; "must be full" becomes a reward M per unit on the arc to T
// (M above any difference stage 2 can make).
//
// Potentials for the combined cost rank * scale - cross: scale * psi1 + psi', with psi' = psi2,
// minus 1 on right nodes and T (the 1 - cross of stage 2 is -cross plus 1 per unit routed, and
// every unit crosses exactly one edge). Free arcs then have the reduced cost of stage 2; every
// other arc has a stage-1 reduced cost of at least 1 in size, which scale * 1 outweighs once
// scale exceeds the spread of psi' plus M.
struct PartSolution {
  std::vector<std::uint8_t> used;            // per edge of the part
  std::vector<std::int64_t> rank_potential;  // psi1 per node (left, right, T)
  std::vector<std::int64_t> tie_potential;   // psi' per node
  std::int64_t reward = 0;                   // M
};

absl::StatusOr<PartSolution> SolvePart(TransportInput input, const Progress& progress,
                                       std::string_view name) {
  PartSolution solution;
  Transport rank_stage(std::move(input), Criterion::kRank);
  if (auto status = rank_stage.Solve(progress, name); !status.ok()) return status;
  const TransportInput& in = rank_stage.input();
  const std::uint32_t nodes = in.left + in.right + 1;
  solution.rank_potential.resize(nodes);
  for (std::uint32_t node = 0; node < nodes; ++node) {
    solution.rank_potential[node] = rank_stage.potential(node);
  }

  // Fix what stage 1's reduced costs decide.
  const std::size_t edges = in.target.size();
  solution.used.assign(edges, 0);
  TransportInput tie;
  tie.left = in.left;
  tie.right = in.right;
  tie.demand = in.demand;
  tie.capacity = in.capacity;
  std::vector<std::int8_t> edge_sign(edges);
  for (std::uint32_t l = 0; l < in.left; ++l) {
    for (std::uint32_t e = in.offsets[l]; e < in.offsets[l + 1]; ++e) {
      const std::int64_t reduced = rank_stage.Reduced(l, e);
      edge_sign[e] = reduced < 0 ? -1 : reduced > 0 ? 1 : 0;
      if (reduced < 0) {
        if (!rank_stage.used(e)) return absl::InternalError("stage 1 is not optimal");
        solution.used[e] = 1;
        --tie.demand[l];
        --tie.capacity[in.target[e]];
      } else if (reduced > 0 && rank_stage.used(e)) {
        return absl::InternalError("stage 1 is not optimal");
      }
    }
  }
  std::uint64_t free_demand = 0;
  for (std::uint32_t d : tie.demand) free_demand += d;
  solution.reward = static_cast<std::int64_t>(free_demand) + 2;
  tie.sink_cost.assign(in.right, 0);
  for (std::uint32_t r = 0; r < in.right; ++r) {
    const std::int64_t reduced = rank_stage.ReducedToSink(r);
    if (reduced > 0) tie.capacity[r] = 0;                  // empty in every optimum
    if (reduced < 0) tie.sink_cost[r] = -solution.reward;  // full in every optimum
  }
  // Free edges, each left node's cheapest first by cost + sink cost (four classes), gathered
  // per left node in one pass over its edges.
  std::vector<std::uint32_t> origin;
  tie.offsets.reserve(in.left + 1);
  tie.offsets.push_back(0);
  std::vector<std::uint32_t> by_kind[4];
  for (std::uint32_t l = 0; l < in.left; ++l) {
    for (auto& kind : by_kind) kind.clear();
    for (std::uint32_t e = in.offsets[l]; e < in.offsets[l + 1]; ++e) {
      const std::uint32_t r = in.target[e];
      if (edge_sign[e] != 0 || tie.capacity[r] == 0) continue;
      by_kind[(tie.sink_cost[r] < 0 ? 0 : 2) + ((in.key[e] & 1) ? 0 : 1)].push_back(e);
    }
    for (const auto& kind : by_kind) {
      for (std::uint32_t e : kind) {
        tie.target.push_back(in.target[e]);
        tie.key.push_back(in.key[e]);
        origin.push_back(e);
      }
    }
    tie.offsets.push_back(static_cast<std::uint32_t>(tie.target.size()));
  }
  Transport tie_stage(std::move(tie), Criterion::kSameSector);
  if (auto status = tie_stage.Solve(progress, name); !status.ok()) return status;
  for (std::size_t k = 0; k < origin.size(); ++k) {
    if (tie_stage.used(static_cast<std::uint32_t>(k))) solution.used[origin[k]] = 1;
  }
  solution.tie_potential.resize(nodes);
  for (std::uint32_t node = 0; node < nodes; ++node) {
    solution.tie_potential[node] = tie_stage.potential(node) - (node < in.left ? 0 : 1);
  }
  return solution;
}

std::int64_t Spread(const std::vector<std::int64_t>& values) {
  if (values.empty()) return 0;
  auto [low, high] = std::minmax_element(values.begin(), values.end());
  return *high - *low;
}

}  // namespace

absl::StatusOr<FlowSolution> SolveFlow(const FlowGraph& graph, const Progress& progress) {
  const std::uint32_t interns = graph.interns, hosts = graph.hosts;
  FlowSolution solution;
  solution.intern_edge.assign(interns, kNone);
  solution.host_price.assign(hosts, 0);
  solution.host_cover.assign(hosts, 0);

  // 1. Largest assignment and the split it implies.
  std::vector<std::uint8_t> in_d(interns, 0);  // reachable from an unplaced intern
  std::vector<std::uint8_t> in_c(interns, 0);  // placed in every largest assignment
  {
    LargestAssignment largest(graph);
    largest.Run(progress);
    const auto& mate = largest.mate_edge();
    std::vector<std::uint32_t> queue;
    for (std::uint32_t i = 0; i < interns; ++i) {
      if (mate[i] == kNone && graph.offsets[i] < graph.offsets[i + 1]) {
        in_d[i] = 1;
        queue.push_back(i);
      }
    }
    for (std::size_t next = 0; next < queue.size(); ++next) {
      const std::uint32_t i = queue[next];
      for (std::uint32_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
        const std::uint32_t h = graph.host[e];
        if (solution.host_cover[h]) continue;
        if (largest.load(h) < graph.capacity[h]) {
          return absl::InternalError("an augmenting path is left after the largest assignment");
        }
        solution.host_cover[h] = 1;
        const std::uint32_t* placed = largest.slots_begin(h);
        for (std::uint32_t k = 0; k < graph.capacity[h]; ++k) {
          if (!in_d[placed[k]]) {
            in_d[placed[k]] = 1;
            queue.push_back(placed[k]);
          }
        }
      }
    }
    for (std::uint32_t i = 0; i < interns; ++i) in_c[i] = !in_d[i] && mate[i] != kNone;
  }
  const auto& in_a = solution.host_cover;

  // 2a. Part C: every intern of C placed with a host outside A. Left = interns, right = hosts.
  std::vector<std::uint32_t> c_interns;
  std::vector<std::uint32_t> local_host(hosts, kNone);
  std::vector<std::uint32_t> c_edge_origin;
  TransportInput c_part;
  for (std::uint32_t h = 0; h < hosts; ++h) {
    if (!in_a[h]) {
      local_host[h] = c_part.right++;
      c_part.capacity.push_back(graph.capacity[h]);
    }
  }
  c_part.offsets.push_back(0);
  for (std::uint32_t i = 0; i < interns; ++i) {
    if (!in_c[i]) continue;
    c_interns.push_back(i);
    for (std::uint32_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
      if (in_a[graph.host[e]]) continue;
      c_part.target.push_back(local_host[graph.host[e]]);
      c_part.key.push_back(graph.key[e]);
      c_edge_origin.push_back(e);
    }
    c_part.offsets.push_back(static_cast<std::uint32_t>(c_part.target.size()));
    c_part.demand.push_back(1);
  }
  c_part.left = static_cast<std::uint32_t>(c_interns.size());
  const std::uint32_t c_left = c_part.left;
  auto c_solved = SolvePart(std::move(c_part), progress, "placed interns");
  if (!c_solved.ok()) return c_solved.status();

  // 2b. Part A: every place of A filled from D. Left = hosts of A, right = interns of D; each
  // host's edges sorted by cost, then by intern.
  std::vector<std::uint32_t> a_hosts, d_interns, local_intern(interns, kNone);
  std::vector<std::uint32_t> a_edge_origin;
  TransportInput a_part;
  {
    for (std::uint32_t h = 0; h < hosts; ++h) {
      if (in_a[h]) {
        local_host[h] = static_cast<std::uint32_t>(a_hosts.size());
        a_hosts.push_back(h);
      }
    }
    for (std::uint32_t i = 0; i < interns; ++i) {
      if (in_d[i]) {
        local_intern[i] = static_cast<std::uint32_t>(d_interns.size());
        d_interns.push_back(i);
      }
    }
    a_part.left = static_cast<std::uint32_t>(a_hosts.size());
    a_part.right = static_cast<std::uint32_t>(d_interns.size());
    a_part.offsets.assign(a_part.left + 1, 0);
    for (std::uint32_t i : d_interns) {
      for (std::uint32_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
        ++a_part.offsets[local_host[graph.host[e]] + 1];
      }
    }
    for (std::uint32_t l = 0; l < a_part.left; ++l) a_part.offsets[l + 1] += a_part.offsets[l];
    const std::uint32_t edges = a_part.offsets[a_part.left];
    // Each host's edges by cost (rank, then cross-sector first), then by intern: a stable
    // counting sort of the D interns' edges by cost class (key ^ 1 orders as cost does), then a
    // stable distribution into the hosts.
    std::uint32_t classes = 0;
    for (std::uint32_t i : d_interns) {
      for (std::uint32_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
        classes = std::max(classes, (graph.key[e] ^ 1u) + 1);
      }
    }
    std::vector<std::uint32_t> class_begin(classes + 1, 0);
    for (std::uint32_t i : d_interns) {
      for (std::uint32_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
        ++class_begin[(graph.key[e] ^ 1u) + 1];
      }
    }
    for (std::uint32_t c = 0; c < classes; ++c) class_begin[c + 1] += class_begin[c];
    // Graph edges (and their local interns) in cost-class, intern order.
    std::vector<std::uint32_t> by_class(edges), by_class_intern(edges);
    for (std::uint32_t i : d_interns) {
      for (std::uint32_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
        const std::uint32_t k = class_begin[graph.key[e] ^ 1u]++;
        by_class[k] = e;
        by_class_intern[k] = local_intern[i];
      }
    }
    class_begin = {};
    a_part.target.resize(edges);
    a_part.key.resize(edges);
    a_edge_origin.resize(edges);
    std::vector<std::uint32_t> fill(a_part.offsets.begin(), a_part.offsets.end() - 1);
    for (std::uint32_t n = 0; n < edges; ++n) {
      const std::uint32_t e = by_class[n];
      const std::uint32_t k = fill[local_host[graph.host[e]]]++;
      a_part.target[k] = by_class_intern[n];
      a_part.key[k] = graph.key[e];
      a_edge_origin[k] = e;
    }
    for (std::uint32_t l = 0; l < a_part.left; ++l) {
      a_part.demand.push_back(graph.capacity[a_hosts[l]]);
    }
    a_part.capacity.assign(a_part.right, 1);
  }
  const std::uint32_t a_left = a_part.left;
  auto a_solved = SolvePart(std::move(a_part), progress, "filled hosts");
  if (!a_solved.ok()) return a_solved.status();
  // 3. Read the assignment off.
  auto intern_of_edge = [&](std::uint32_t e) {
    return static_cast<std::uint32_t>(
        std::upper_bound(graph.offsets.begin(), graph.offsets.end(), e) - graph.offsets.begin() -
        1);
  };
  for (std::size_t k = 0; k < c_edge_origin.size(); ++k) {
    if (c_solved->used[k])
      solution.intern_edge[intern_of_edge(c_edge_origin[k])] = c_edge_origin[k];
  }
  for (std::size_t k = 0; k < a_edge_origin.size(); ++k) {
    if (a_solved->used[k])
      solution.intern_edge[intern_of_edge(a_edge_origin[k])] = a_edge_origin[k];
  }

  // 4. The certificate in combined units: potential = scale * psi1 + psi'.
  const std::int64_t spread = std::max(Spread(c_solved->tie_potential) + c_solved->reward,
                                       Spread(a_solved->tie_potential) + a_solved->reward);
  const std::int64_t scale = std::max(graph.scale, spread + 4);
  solution.scale = scale;
  auto combined = [&](const PartSolution& part,
                      std::uint32_t node) -> absl::StatusOr<std::int64_t> {
    const long double wide = static_cast<long double>(scale) * part.rank_potential[node];
    if (std::abs(wide) > 0x1p60L) return absl::InternalError("potentials exceed 64 bits");
    return scale * part.rank_potential[node] + part.tie_potential[node];
  };
  const std::uint32_t c_sink = c_left + static_cast<std::uint32_t>(hosts - a_hosts.size());
  const std::uint32_t a_sink = a_left + static_cast<std::uint32_t>(d_interns.size());

  // Prices outside A come from part C: price = pi(T) - pi(host). Prices in A are part A's host
  // potentials shifted by the smallest sigma that keeps them >= 0, makes every C intern still
  // prefer its own host over any host of A, and lifts the threshold above every C intern.
  auto c_sink_potential = combined(*c_solved, c_sink);
  if (!c_sink_potential.ok()) return c_sink_potential.status();
  for (std::uint32_t h = 0; h < hosts; ++h) {
    if (in_a[h]) continue;
    auto host_potential = combined(*c_solved, c_left + local_host[h]);
    if (!host_potential.ok()) return host_potential.status();
    solution.host_price[h] = *c_sink_potential - *host_potential;
  }
  std::vector<std::int64_t> a_potential(a_hosts.size());
  for (std::uint32_t l = 0; l < a_hosts.size(); ++l) {
    auto potential = combined(*a_solved, l);
    if (!potential.ok()) return potential.status();
    a_potential[l] = *potential;
  }
  auto a_sink_potential = combined(*a_solved, a_sink);
  if (!a_sink_potential.ok()) return a_sink_potential.status();
  std::int64_t sigma = std::numeric_limits<std::int64_t>::min();
  for (std::int64_t potential : a_potential) sigma = std::max(sigma, -potential);
  for (std::uint32_t i : c_interns) {
    const std::uint32_t own = solution.intern_edge[i];
    const std::int64_t best =
        EdgeCost(graph.key[own], scale) + solution.host_price[graph.host[own]];
    sigma = std::max(sigma, best - *a_sink_potential);
    for (std::uint32_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
      if (!in_a[graph.host[e]]) continue;
      sigma = std::max(
          sigma, best - EdgeCost(graph.key[e], scale) - a_potential[local_host[graph.host[e]]]);
    }
  }
  if (sigma == std::numeric_limits<std::int64_t>::min()) sigma = 0;
  for (std::uint32_t l = 0; l < a_hosts.size(); ++l) {
    solution.host_price[a_hosts[l]] = a_potential[l] + sigma;
  }
  solution.threshold = *a_sink_potential + sigma;
  return solution;
}

}  // namespace ipraktik::matching
