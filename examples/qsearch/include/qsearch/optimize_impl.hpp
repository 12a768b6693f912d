#pragma once

// A block's resynthesis, generic over how its search's inner maps run (see
// qs::resynthesize_block_with): the library instantiates it with yt::taskmap, the subscription
// benchmark with other parallel runtimes.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <yieldtasks/task.hpp>

#include <qsearch/optimize.hpp>
#include <qsearch/search.hpp>
#include <qsearch/search_impl.hpp>

namespace qs {
namespace optimize_detail {

// The topology's edges among the block's qubits, on local qubits; every pair when it is empty.
inline std::vector<coupling_edge> local_edges(const std::vector<int>& qubits,
                                              const std::vector<coupling_edge>& topology) {
  const auto width = static_cast<int>(qubits.size());
  if (topology.empty()) {
    return all_to_all_topology(width);
  }
  const auto local = [&](int q) {
    const auto found = std::ranges::find(qubits, q);
    return found == qubits.end() ? -1 : static_cast<int>(found - qubits.begin());
  };
  std::vector<coupling_edge> edges;
  for (const coupling_edge& e : topology) {
    const int control = local(e.control);
    const int target = local(e.target);
    if (control >= 0 && target >= 0) {
      edges.push_back({control, target});
    }
  }
  return edges;
}

// Whether the edges, taken both ways, connect qubits 0 to width − 1.
inline bool connected(int width, const std::vector<coupling_edge>& edges) {
  if (width <= 1) {
    return true;
  }
  std::vector<bool> reached(static_cast<std::size_t>(width), false);
  reached[0] = true;
  // A path has at most width − 1 edges, so as many rounds over the edges reach every qubit.
  for (int round = 1; round < width; ++round) {
    for (const coupling_edge& e : edges) {
      const auto c = static_cast<std::size_t>(e.control);
      const auto t = static_cast<std::size_t>(e.target);
      if (reached[c] || reached[t]) {
        reached[c] = true;
        reached[t] = true;
      }
    }
  }
  return std::ranges::all_of(reached, [](bool r) { return r; });
}

// The block's two-qubit gates as a structure of `options`' layers, when every one lies on an
// edge the search may use.
inline std::optional<structure> skeleton_of(const circuit_gates& circuit,
                                            const search_options& options,
                                            const std::vector<coupling_edge>& edges) {
  structure skeleton{circuit.qubits, options.layers, {}, options.gate};
  for (const gate& g : circuit.gates) {
    if (!g.is_two_qubit()) {
      continue;
    }
    if (g.two_qubit_type() != options.gate) {
      return std::nullopt;
    }
    coupling_edge e{g.qubit, g.target};
    const bool allowed = std::ranges::any_of(edges, [&](const coupling_edge& allowed_edge) {
      return allowed_edge == e ||
             (is_symmetric(options.gate) && allowed_edge == coupling_edge{e.target, e.control});
    });
    if (!allowed) {
      return std::nullopt;
    }
    skeleton.layers.push_back(e);
  }
  return skeleton;
}

} // namespace optimize_detail

template <class Mapper>
yt::task<block_outcome> resynthesize_block_with(Mapper mapper, block_job job) {
  using namespace optimize_detail;
  const auto clock_start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  };
  const auto width = static_cast<int>(job.b.qubits.size());
  if (job.b.circuit.qubits != width) {
    throw std::invalid_argument(
        fmt::format("resynthesize_block: a {}-qubit circuit in a block of {} qubits",
                    job.b.circuit.qubits, width));
  }
  block_outcome out;
  block_report& report = out.report;
  report.qubits = job.b.qubits;
  report.cnots_before = two_qubit_count(job.b.circuit);
  report.cnots_after = report.cnots_before;
  std::vector<coupling_edge> edges = local_edges(job.b.qubits, job.options.topology);
  if (report.cnots_before == 0) {
    report.reason = kept_reason::no_cnots;
  } else if (!connected(width, edges)) {
    report.reason = kept_reason::disconnected;
  } else {
    const matrix target = circuit_unitary(job.b.circuit);
    search_options search = job.options.search;
    search.max_cnots = std::min(search.max_cnots, report.cnots_before - 1);
    search.seed += job.index;
    // The block's own two-qubit gates, re-instantiated and pruned, are a second candidate: the
    // deletion pass keeps what the search's own path may miss. It does not bound the search,
    // which would then have to exhaust every shallower candidate instead of stopping at its
    // first solution.
    std::optional<search_result> pruned;
    if (std::optional<structure> skeleton = skeleton_of(job.b.circuit, search, edges)) {
      pruned = co_await prune_with(mapper, target, std::move(*skeleton), search);
      report.nodes += pruned->nodes;
    }
    search.topology = std::move(edges);
    const search_result found = co_await synthesize_with(mapper, target, search);
    report.nodes += found.nodes;
    // A result's distance is recomputed from its circuit (see search_result::distance).
    const search_result* const results[] = {&found, pruned ? &*pruned : nullptr};
    for (const search_result* r : results) {
      if (!r || !r->solved) {
        continue;
      }
      const int cnots = two_qubit_count(r->circuit);
      if (cnots < report.cnots_after && r->distance <= job.options.search.threshold) {
        report.replaced = true;
        report.cnots_after = cnots;
        report.distance = r->distance;
        out.circuit = r->circuit;
      }
    }
    if (!report.replaced) {
      report.reason = kept_reason::not_improved;
    }
  }
  if (!report.replaced) {
    out.circuit = std::move(job.b.circuit);
  }
  report.seconds = elapsed();
  co_return out;
}

} // namespace qs
