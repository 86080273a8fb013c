#include "src/flow.h"

#include <algorithm>
#include <string>
#include <utility>

#include "src/radix_heap.h"

namespace ipraktik::matching {
namespace {

// ---- 1. The largest assignment -------------------------------------------------------------

// Augmenting paths from each unplaced intern, depth first, each host entered at most once per
// round (Pothen-Fan), with a lookahead that first tries a wished host with a free place. Host
// loads only grow, so the lookahead pointer of an intern never needs to go back.
class LargestAssignment {
 public:
  explicit LargestAssignment(const FlowGraph& graph)
      : graph_(graph),
        mate_edge_(graph.interns, kNone),
        lookahead_(graph.offsets.begin(), graph.offsets.end() - 1),
        slot_begin_(graph.hosts + 1, 0),
        load_(graph.hosts, 0),
        visited_(graph.hosts, 0) {
    for (std::uint32_t h = 0; h < graph.hosts; ++h) {
      slot_begin_[h + 1] = slot_begin_[h] + graph.capacity[h];
    }
    slots_.assign(slot_begin_[graph.hosts], kNone);
  }

  void Run(const Progress& progress) {
    std::vector<std::uint32_t> unplaced;
    for (std::uint32_t i = 0; i < graph_.interns; ++i) {
      if (graph_.offsets[i] < graph_.offsets[i + 1]) unplaced.push_back(i);
    }
    const double total = std::max<double>(1.0, static_cast<double>(unplaced.size()));
    std::uint32_t round = 0;
    while (!unplaced.empty()) {
      ++round;
      std::size_t kept = 0;
      for (std::uint32_t intern : unplaced) {
        if (!Augment(intern, round)) unplaced[kept++] = intern;
      }
      bool progressed = kept < unplaced.size();
      unplaced.resize(kept);
      if (progress) progress("cardinality", 1.0 - static_cast<double>(kept) / total);
      if (!progressed) break;
    }
  }

  const std::vector<std::uint32_t>& mate_edge() const { return mate_edge_; }
  std::uint32_t load(std::uint32_t host) const { return load_[host]; }
  // The interns placed with a host.
  const std::uint32_t* slots_begin(std::uint32_t host) const {
    return slots_.data() + slot_begin_[host];
  }

 private:
  struct Frame {
    std::uint32_t node;
    std::uint32_t cursor;  // intern: next edge; host: next slot
    std::uint32_t via;     // host: the edge it was entered by; intern: the slot it leaves
    bool is_host;
  };

  bool Augment(std::uint32_t root, std::uint32_t round) {
    const auto& offsets = graph_.offsets;
    stack_.clear();
    stack_.push_back({root, offsets[root], kNone, false});
    while (!stack_.empty()) {
      Frame& frame = stack_.back();
      if (!frame.is_host) {
        const std::uint32_t intern = frame.node;
        const std::uint32_t end = offsets[intern + 1];
        for (std::uint32_t& ahead = lookahead_[intern]; ahead < end; ++ahead) {
          std::uint32_t host = graph_.host[ahead];
          if (load_[host] < graph_.capacity[host]) {
            Apply(ahead, host);
            return true;
          }
        }
        bool entered = false;
        while (frame.cursor < end) {
          std::uint32_t edge = frame.cursor++;
          std::uint32_t host = graph_.host[edge];
          if (visited_[host] == round) continue;
          visited_[host] = round;
          stack_.push_back({host, slot_begin_[host], edge, true});
          entered = true;
          break;
        }
        if (!entered) stack_.pop_back();
      } else {
        const std::uint32_t host = frame.node;
        if (frame.cursor < slot_begin_[host] + load_[host]) {
          std::uint32_t slot = frame.cursor++;
          std::uint32_t next = slots_[slot];
          stack_.push_back({next, graph_.offsets[next], slot, false});
        } else {
          stack_.pop_back();
        }
      }
    }
    return false;
  }

  // The stack is intern, host, intern, ..., intern; the last intern takes a free place at
  // free_host and every intern before it takes the place of the one after it.
  void Apply(std::uint32_t last_edge, std::uint32_t free_host) {
    std::size_t top = stack_.size() - 1;
    Place(stack_[top].node, last_edge, slot_begin_[free_host] + load_[free_host]++);
    for (std::size_t index = top; index >= 2; index -= 2) {
      Place(stack_[index - 2].node, stack_[index - 1].via, stack_[index].via);
    }
  }

  void Place(std::uint32_t intern, std::uint32_t edge, std::uint32_t slot) {
    mate_edge_[intern] = edge;
    slots_[slot] = intern;
  }

  const FlowGraph& graph_;
  std::vector<std::uint32_t> mate_edge_;
  std::vector<std::uint32_t> lookahead_;
  std::vector<std::uint32_t> slot_begin_;
  std::vector<std::uint32_t> load_;
  std::vector<std::uint32_t> visited_;
  std::vector<std::uint32_t> slots_;
  std::vector<Frame> stack_;
};

// ---- 2. One part: a transportation problem whose demand must all be routed -------------------

struct TransportInput {
  std::uint32_t left = 0;
  std::uint32_t right = 0;
  std::vector<std::uint32_t> offsets;   // left + 1; each left node's edges by cost
  std::vector<std::uint32_t> target;    // per edge: right node
  std::vector<std::uint32_t> key;       // per edge
  std::vector<std::uint32_t> demand;    // per left node: units that must be routed
  std::vector<std::uint32_t> capacity;  // per right node
};

// Successive shortest paths in phases (primal-dual). Nodes: left 0..L-1, right L..L+R-1, and the
// sink T = L+R that every right node with room leads to. Potentials psi keep every residual
// arc's reduced cost cost(u,v) + psi(u) - psi(v) at or above zero; psi(T) stays 0.
class Transport {
 public:
  Transport(TransportInput input, std::int64_t scale)
      : in_(std::move(input)),
        scale_(scale),
        sink_(in_.left + in_.right),
        used_(in_.target.size(), 0),
        slot_begin_(in_.right + 1, 0),
        load_(in_.right, 0),
        psi_(sink_ + 1, 0),
        dist_(sink_ + 1, 0),
        seen_(sink_ + 1, 0),
        done_(sink_ + 1, 0),
        dead_(sink_ + 1, 0),
        cursor_stamp_(sink_ + 1, 0),
        cursor_(sink_ + 1, 0),
        on_path_(sink_ + 1, 0) {
    for (std::uint32_t r = 0; r < in_.right; ++r) {
      slot_begin_[r + 1] = slot_begin_[r] + in_.capacity[r];
    }
    slots_.resize(slot_begin_[in_.right]);
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
      if (auto status = ShortestDistances(distance); !status.ok()) return status;
      for (std::uint32_t node : settled_) psi_[node] += dist_[node] - distance;
      routed += RouteAlongShortestPaths();
      std::size_t kept = 0;
      for (std::uint32_t l : sources_) {
        if (demand_left_[l] > 0) sources_[kept++] = l;
      }
      sources_.resize(kept);
    }
    if (progress) progress(phase_name, 1.0);
    return absl::OkStatus();
  }

  bool used(std::uint32_t edge) const { return used_[edge] != 0; }
  std::int64_t left_potential(std::uint32_t l) const { return psi_[l]; }
  std::int64_t right_potential(std::uint32_t r) const { return psi_[in_.left + r]; }
  std::int64_t sink_potential() const { return psi_[sink_]; }

 private:
  struct Slot {
    std::uint32_t left;
    std::uint32_t edge;
  };

  std::int64_t Cost(std::uint32_t edge) const { return EdgeCost(in_.key[edge], scale_); }
  bool IsLeft(std::uint32_t node) const { return node < in_.left; }

  // Each left node takes its cheapest edges while their right nodes have room and stops at the
  // first that has none; with psi(left) = -(cost of the last edge taken, or of the first edge),
  // psi(right) = psi(T) = 0, every reduced cost is then at or above zero.
  absl::Status WarmStart() {
    demand_left_ = in_.demand;
    for (std::uint32_t l = 0; l < in_.left; ++l) {
      const std::uint32_t begin = in_.offsets[l], end = in_.offsets[l + 1];
      if (begin == end) {
        if (in_.demand[l] > 0) return absl::InternalError("a part has demand without an edge");
        continue;
      }
      std::uint32_t last = begin;
      for (std::uint32_t e = begin; e < end && demand_left_[l] > 0; ++e) {
        std::uint32_t r = in_.target[e];
        if (load_[r] >= in_.capacity[r]) break;
        slots_[slot_begin_[r] + load_[r]++] = {l, e};
        used_[e] = 1;
        --demand_left_[l];
        last = e;
      }
      psi_[l] = -Cost(last);
    }
    return absl::OkStatus();
  }

  void Relax(std::uint32_t node, std::int64_t distance) {
    if (seen_[node] != phase_ || distance < dist_[node]) {
      seen_[node] = phase_;
      dist_[node] = distance;
      heap_.Push(static_cast<std::uint64_t>(distance), node);
    }
  }

  // Dijkstra from all unfinished sources (through a virtual source whose potential is the largest
  // of theirs) until the sink is reached at `distance`.
  absl::Status ShortestDistances(std::int64_t& distance) {
    ++phase_;
    heap_.Clear();
    settled_.clear();
    std::int64_t top = psi_[sources_.front()];
    for (std::uint32_t l : sources_) top = std::max(top, psi_[l]);
    for (std::uint32_t l : sources_) Relax(l, top - psi_[l]);
    while (!heap_.empty()) {
      auto [key, node] = heap_.Pop();
      if (done_[node] == phase_) continue;
      done_[node] = phase_;
      const std::int64_t d = static_cast<std::int64_t>(key);
      if (node == sink_) {
        distance = d;
        return absl::OkStatus();
      }
      settled_.push_back(node);
      const std::int64_t psi = psi_[node];
      if (IsLeft(node)) {
        for (std::uint32_t e = in_.offsets[node]; e < in_.offsets[node + 1]; ++e) {
          if (used_[e]) continue;
          const std::uint32_t next = in_.left + in_.target[e];
          if (done_[next] == phase_) continue;
          const std::int64_t reduced = Cost(e) + psi - psi_[next];
          if (reduced < 0) return NegativeReducedCost();
          Relax(next, d + reduced);
        }
      } else {
        const std::uint32_t r = node - in_.left;
        for (std::uint32_t s = slot_begin_[r]; s < slot_begin_[r] + load_[r]; ++s) {
          const Slot slot = slots_[s];
          if (done_[slot.left] == phase_) continue;
          const std::int64_t reduced = -Cost(slot.edge) + psi - psi_[slot.left];
          if (reduced < 0) return NegativeReducedCost();
          Relax(slot.left, d + reduced);
        }
        if (load_[r] < in_.capacity[r]) {
          const std::int64_t reduced = psi - psi_[sink_];
          if (reduced < 0) return NegativeReducedCost();
          Relax(sink_, d + reduced);
        }
      }
    }
    return absl::InternalError("a part's demand cannot be routed");
  }

  static absl::Status NegativeReducedCost() {
    return absl::InternalError("negative reduced cost: the potentials lost optimality");
  }

  // Depth-first searches on the arcs of reduced cost zero from the sources settled in this phase;
  // every path found is a shortest augmenting path. A node whose arcs are exhausted is dead for
  // the phase. Returns the units routed.
  std::uint64_t RouteAlongShortestPaths() {
    std::uint64_t routed = 0;
    for (std::uint32_t source : sources_) {
      if (done_[source] != phase_) continue;  // farther than the sink this phase
      while (demand_left_[source] > 0 && dead_[source] != phase_ && FindPath(source)) {
        ApplyPath();
        --demand_left_[source];
        ++routed;
      }
    }
    return routed;
  }

  bool FindPath(std::uint32_t source) {
    path_.clear();
    path_.push_back(source);
    on_path_[source] = 1;
    while (!path_.empty()) {
      const std::uint32_t node = path_.back();
      const std::uint32_t next = NextAdmissible(node);
      if (next == sink_) return true;
      if (next == kNone) {
        dead_[node] = phase_;
        on_path_[node] = 0;
        path_.pop_back();
        if (!path_.empty()) ++cursor_[path_.back()];
        continue;
      }
      on_path_[next] = 1;
      path_.push_back(next);
    }
    return false;
  }

  // The next arc of reduced cost zero out of node, from its cursor on. The cursor of a left node
  // is an edge; of a right node 0 means "try the sink", s > 0 means slot s-1.
  std::uint32_t NextAdmissible(std::uint32_t node) {
    if (cursor_stamp_[node] != phase_) {
      cursor_stamp_[node] = phase_;
      cursor_[node] = IsLeft(node) ? in_.offsets[node] : 0;
    }
    std::uint32_t& cursor = cursor_[node];
    const std::int64_t psi = psi_[node];
    if (IsLeft(node)) {
      for (const std::uint32_t end = in_.offsets[node + 1]; cursor < end; ++cursor) {
        if (used_[cursor]) continue;
        const std::uint32_t next = in_.left + in_.target[cursor];
        if (dead_[next] == phase_ || on_path_[next]) continue;
        if (Cost(cursor) + psi - psi_[next] == 0) return next;
      }
      return kNone;
    }
    const std::uint32_t r = node - in_.left;
    if (cursor == 0) {
      if (load_[r] < in_.capacity[r] && psi == psi_[sink_]) return sink_;
      cursor = 1;
    }
    for (; cursor <= load_[r]; ++cursor) {
      const Slot slot = slots_[slot_begin_[r] + cursor - 1];
      if (dead_[slot.left] == phase_ || on_path_[slot.left]) continue;
      if (-Cost(slot.edge) + psi - psi_[slot.left] == 0) return slot.left;
    }
    return kNone;
  }

  // path_ = l0 r0 l1 r1 ... lk rk: l_m takes edge cursor(l_m) to r_m, r_m (m < k) gives its slot
  // cursor(r_m) - 1, held by l_{m+1}, to l_m, and r_k takes l_k in a free slot.
  void ApplyPath() {
    const std::size_t pairs = path_.size() / 2;
    {
      const std::uint32_t l = path_[2 * pairs - 2];
      const std::uint32_t r = path_[2 * pairs - 1] - in_.left;
      slots_[slot_begin_[r] + load_[r]++] = {l, cursor_[l]};
      used_[cursor_[l]] = 1;
    }
    for (std::size_t m = pairs - 1; m-- > 0;) {
      const std::uint32_t l = path_[2 * m];
      const std::uint32_t right_node = path_[2 * m + 1];
      Slot& slot = slots_[slot_begin_[right_node - in_.left] + cursor_[right_node] - 1];
      used_[slot.edge] = 0;
      slot = {l, cursor_[l]};
      used_[cursor_[l]] = 1;
    }
    for (std::uint32_t node : path_) on_path_[node] = 0;
  }

  TransportInput in_;
  std::int64_t scale_;
  std::uint32_t sink_;
  std::vector<std::uint8_t> used_;
  std::vector<std::uint32_t> slot_begin_;
  std::vector<std::uint32_t> load_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> demand_left_;
  std::vector<std::uint32_t> sources_;
  std::vector<std::int64_t> psi_;
  std::vector<std::int64_t> dist_;
  std::vector<std::uint32_t> seen_, done_, dead_, cursor_stamp_;
  std::vector<std::uint32_t> cursor_;
  std::vector<std::uint8_t> on_path_;
  std::vector<std::uint32_t> settled_;
  std::vector<std::uint32_t> path_;
  RadixHeap heap_;
  std::uint32_t phase_ = 0;
};

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
    // C: placed interns outside D; they keep a place in every largest assignment.
    for (std::uint32_t i = 0; i < interns; ++i) in_c[i] = !in_d[i] && mate[i] != kNone;
  }
  const auto& in_a = solution.host_cover;

  // 2a. Part C: every intern of C placed with a host outside A.
  std::vector<std::uint32_t> c_interns;
  std::vector<std::uint32_t> local_host(hosts, kNone);  // host -> right node of part C / left of A
  std::vector<std::uint32_t> c_edge_origin;
  TransportInput c_part;
  {
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
  }
  Transport c_solver(std::move(c_part), graph.scale);
  if (auto status = c_solver.Solve(progress, "placed interns"); !status.ok()) return status;

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
    // Sort word: cost order (rank, then cross-sector first) above the local intern. Flipping the
    // cross bit of the key turns key order into cost order.
    std::vector<std::uint64_t> order(edges);
    std::vector<std::uint32_t> fill(a_part.offsets.begin(), a_part.offsets.end() - 1);
    for (std::uint32_t i : d_interns) {
      for (std::uint32_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
        order[fill[local_host[graph.host[e]]]++] =
            static_cast<std::uint64_t>(graph.key[e] ^ 1u) << 32 | local_intern[i];
      }
    }
    a_part.target.resize(edges);
    a_part.key.resize(edges);
    a_edge_origin.resize(edges);
    for (std::uint32_t l = 0; l < a_part.left; ++l) {
      auto begin = order.begin() + a_part.offsets[l], end = order.begin() + a_part.offsets[l + 1];
      std::sort(begin, end);
      for (std::uint32_t k = a_part.offsets[l]; k < a_part.offsets[l + 1]; ++k) {
        a_part.key[k] = static_cast<std::uint32_t>(order[k] >> 32) ^ 1u;
        a_part.target[k] = static_cast<std::uint32_t>(order[k]);
        // The origin edge: the intern's edge to this host (an intern wishes a host once).
        const std::uint32_t intern = d_interns[a_part.target[k]];
        std::uint32_t e = graph.offsets[intern];
        while (graph.host[e] != a_hosts[l]) ++e;
        a_edge_origin[k] = e;
      }
      a_part.demand.push_back(graph.capacity[a_hosts[l]]);
    }
    a_part.capacity.assign(a_part.right, 1);
  }
  Transport a_solver(std::move(a_part), graph.scale);
  if (auto status = a_solver.Solve(progress, "filled hosts"); !status.ok()) return status;

  // 3. Read the assignment off and build the certificate.
  auto intern_of_edge = [&](std::uint32_t e) {
    return static_cast<std::uint32_t>(
        std::upper_bound(graph.offsets.begin(), graph.offsets.end(), e) - graph.offsets.begin() -
        1);
  };
  for (const auto* part : {&c_edge_origin, &a_edge_origin}) {
    const Transport& solver = part == &c_edge_origin ? c_solver : a_solver;
    for (std::size_t k = 0; k < part->size(); ++k) {
      if (solver.used(static_cast<std::uint32_t>(k))) {
        solution.intern_edge[intern_of_edge((*part)[k])] = (*part)[k];
      }
    }
  }

  // Prices outside A come from part C: price = psi(T) - psi(host). Prices in A are part A's
  // host potentials shifted by the smallest sigma that keeps them >= 0, makes every C intern
  // still prefer its own host over any host of A, and lifts the threshold above every C intern.
  for (std::uint32_t h = 0; h < hosts; ++h) {
    if (!in_a[h]) {
      solution.host_price[h] = c_solver.sink_potential() - c_solver.right_potential(local_host[h]);
    }
  }
  std::int64_t sigma = std::numeric_limits<std::int64_t>::min();
  for (std::uint32_t l = 0; l < a_hosts.size(); ++l) {
    sigma = std::max(sigma, -a_solver.left_potential(l));
  }
  for (std::uint32_t i : c_interns) {
    const std::uint32_t own = solution.intern_edge[i];
    const std::int64_t best =
        EdgeCost(graph.key[own], graph.scale) + solution.host_price[graph.host[own]];
    sigma = std::max(sigma, best - a_solver.sink_potential());
    for (std::uint32_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
      if (!in_a[graph.host[e]]) continue;
      const std::int64_t psi = a_solver.left_potential(local_host[graph.host[e]]);
      sigma = std::max(sigma, best - EdgeCost(graph.key[e], graph.scale) - psi);
    }
  }
  if (sigma == std::numeric_limits<std::int64_t>::min()) sigma = 0;
  for (std::uint32_t l = 0; l < a_hosts.size(); ++l) {
    solution.host_price[a_hosts[l]] = a_solver.left_potential(l) + sigma;
  }
  solution.threshold = a_solver.sink_potential() + sigma;
  return solution;
}

}  // namespace ipraktik::matching
