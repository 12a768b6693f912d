#pragma once

// The search, generic over how its two inner maps run (see qs::synthesize_with): the library
// instantiates it with yt::taskmap, the subscription benchmark with other parallel runtimes.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <ranges>
#include <utility>
#include <vector>

#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>

#include <qsearch/random.hpp>
#include <qsearch/search.hpp>

namespace qs {
namespace search_detail {

// Starts for a new layer's parameters next to a warm start: small, so the warm start begins
// near the parent's optimum, and non-zero, so the new gates are not at a saddle.
constexpr double warm_layer_scale = 0.01;
// Qsearch's A* weight of the distance against the two-qubit gate count.
constexpr double distance_weight = 10;
// An edge is not offered again after this many consecutive two-qubit gates on it.
constexpr int max_consecutive_repeats = 3;

inline std::uint64_t hash_matrix(const matrix& m) {
  std::uint64_t h = 0;
  for (std::ptrdiff_t i = 0; i < m.size(); ++i) {
    const double parts[2] = {m.data()[i].real(), m.data()[i].imag()};
    std::uint64_t bits[2];
    std::memcpy(bits, parts, sizeof bits);
    h = mix_keys({h, bits[0], bits[1]});
  }
  return h;
}

// A candidate is identified by its structure, so its random starts do not depend on the order
// in which the search happened to reach it.
inline std::uint64_t node_id(const structure& s) {
  std::uint64_t h =
      mix_keys({static_cast<std::uint64_t>(s.qubits), static_cast<std::uint64_t>(s.kind)});
  // A CX structure keeps the identity it had before there were other gates, and with it the
  // circuits that seeds gave.
  if (s.entangler != two_qubit_gate::cx) {
    h = mix_keys({h, static_cast<std::uint64_t>(s.entangler)});
  }
  for (const coupling_edge& e : s.layers) {
    h = mix_keys({h, static_cast<std::uint64_t>(e.control), static_cast<std::uint64_t>(e.target)});
  }
  return h;
}

struct candidate {
  structure shape;
  const std::vector<double>* parent_parameters; // null for the root
  int index;                                    // position in this expansion's map
};

struct evaluation {
  fit best;
  long starts = 0;
};

struct node {
  structure shape;
  std::vector<double> parameters;
  double distance;
  double priority() const { return distance_weight * distance + shape.two_qubit_count(); }
};

struct search_context {
  const matrix* target;
  const search_options* options;
  std::uint64_t target_hash;
  // Lowest index of a solved candidate in the running expansion; candidates after it are moot.
  std::atomic<int> first_solved_candidate{0};
};

inline std::vector<double> start_point(const candidate& c, const search_context& context,
                                       int start) {
  splitmix64 random(mix_keys({context.options->seed, context.target_hash, node_id(c.shape),
                              static_cast<std::uint64_t>(start)}));
  const auto count = static_cast<std::size_t>(c.shape.parameter_count());
  // A lone start is never warm: measured with one start per node, starting every child at its
  // parent's optimum kept the search in the parent's basin (toffoli 9-14 CNOTs instead of 8).
  if (start == 0 && c.parent_parameters && context.options->multistarts > 1) {
    std::vector<double> x = *c.parent_parameters;
    while (x.size() < count) {
      x.push_back(warm_layer_scale * (2 * random.uniform() - 1));
    }
    return x;
  }
  return random_angles(count, random);
}

// Optimizes one candidate from `multistarts` starts in parallel. A start that succeeds
// cancels the starts numbered after it (never before), so the winner, the lowest-numbered
// success, is the same however the starts were scheduled.
template <class Mapper>
yt::task<evaluation> evaluate(const candidate& c, search_context& context, Mapper& mapper) {
  const search_options& options = *context.options;
  const int starts = options.multistarts;
  std::atomic<int> first_success{starts};
  std::atomic<long> started{0};
  const auto moot = [&](int start) {
    return first_success.load(std::memory_order_relaxed) < start ||
           context.first_solved_candidate.load(std::memory_order_relaxed) < c.index;
  };
  const optimizer_options optimizer{options.optimizer, options.threshold,
                                    optimizer_options{}.max_evaluations};
  std::vector<std::optional<fit>> fits = co_await mapper.map(
      [&](int start) -> std::optional<fit> {
        if (moot(start)) {
          return std::nullopt;
        }
        started.fetch_add(1, std::memory_order_relaxed);
        unitary_cost cost(c.shape, *context.target);
        fit result =
            optimize(cost, start_point(c, context, start), optimizer, [&] { return moot(start); });
        if (!result.cancelled && result.distance < options.threshold) {
          int expected = first_success.load(std::memory_order_relaxed);
          while (start < expected && !first_success.compare_exchange_weak(expected, start)) {
          }
          expected = context.first_solved_candidate.load(std::memory_order_relaxed);
          while (c.index < expected &&
                 !context.first_solved_candidate.compare_exchange_weak(expected, c.index)) {
          }
        }
        return result;
      },
      std::views::iota(0, starts));

  evaluation out;
  out.starts = started.load(std::memory_order_relaxed);
  const int winner = first_success.load(std::memory_order_relaxed);
  if (winner < starts) {
    out.best = std::move(*fits[static_cast<std::size_t>(winner)]);
    co_return out;
  }
  // No success: every start ran to the end unless a sibling candidate solved the target, in
  // which case this candidate is discarded anyway. Ties go to the lower start.
  for (std::optional<fit>& f : fits) {
    if (f && !f->cancelled && (out.best.parameters.empty() || f->distance < out.best.distance)) {
      out.best = std::move(*f);
    }
  }
  if (out.best.parameters.empty()) {
    out.best.distance = 1;
  }
  co_return out;
}

inline std::vector<coupling_edge> offered_edges(const structure& s,
                                                const std::vector<coupling_edge>& topology) {
  std::vector<coupling_edge> edges;
  for (const coupling_edge& e : topology) {
    const auto& layers = s.layers;
    const bool repeated_too_often =
        layers.size() >= max_consecutive_repeats &&
        std::all_of(layers.end() - max_consecutive_repeats, layers.end(),
                    [&](const coupling_edge& last) { return last == e; });
    if (!repeated_too_often) {
      edges.push_back(e);
    }
  }
  return edges;
}

} // namespace search_detail

/// The mapper of `synthesize` and `resynthesize_block`: both inner levels as nested
/// `yt::taskmap`s on the executor that runs the search.
struct taskmap_mapper {
  /// Returns `yt::taskmap(fn, range)`.
  template <class F, class Range> auto map(F&& fn, Range&& range) {
    return yt::taskmap(std::forward<F>(fn), std::forward<Range>(range));
  }
};

template <class Mapper>
yt::task<search_result> synthesize_with(Mapper mapper, matrix target, search_options options) {
  using namespace search_detail;
  const auto clock_start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  };
  const int qubits = static_cast<int>(std::lround(std::log2(static_cast<double>(target.rows()))));
  if (options.topology.empty()) {
    options.topology = linear_topology(qubits);
  }
  if (is_symmetric(options.gate)) {
    // i-j and j-i place the same gate: each pair is kept once, lower qubit first, so that its
    // candidates are searched once and named the same whichever way round it was given.
    std::vector<coupling_edge> pairs;
    for (const coupling_edge& e : options.topology) {
      const coupling_edge pair{std::min(e.control, e.target), std::max(e.control, e.target)};
      if (std::ranges::find(pairs, pair) == pairs.end()) {
        pairs.push_back(pair);
      }
    }
    options.topology = std::move(pairs);
  }
  search_context context{&target, &options, hash_matrix(target)};
  search_result result;
  search_progress progress;

  // A min-heap on (priority, push order): equal priorities go to the node pushed first, so the
  // order of expansion is fully determined.
  struct queued {
    node n;
    long sequence;
  };
  const auto later = [](const queued& a, const queued& b) {
    if (a.n.priority() != b.n.priority()) {
      return a.n.priority() > b.n.priority();
    }
    return a.sequence > b.sequence;
  };
  std::vector<queued> frontier;
  long sequence = 0;
  int committed_cnots = 0;
  std::optional<node> best;   // lowest d seen
  std::optional<node> solved; // fewest two-qubit gates among solutions

  std::vector<candidate> candidates{
      {structure{qubits, options.layers, {}, options.gate}, nullptr, 0}};
  std::vector<node> expanded;
  while (!candidates.empty()) {
    context.first_solved_candidate.store(static_cast<int>(candidates.size()));
    std::vector<evaluation> evaluations = co_await mapper.map(
        [&](const candidate& c) { return evaluate(c, context, mapper); }, candidates);

    for (std::size_t i = 0; i < candidates.size(); ++i) {
      evaluation& e = evaluations[i];
      result.starts += e.starts;
      ++result.nodes;
      node child{std::move(candidates[i].shape), std::move(e.best.parameters), e.best.distance};
      progress.cnots = std::max(progress.cnots, child.shape.two_qubit_count());
      if (child.distance < options.threshold) {
        // Candidates are ordered by two-qubit gate count, so the first solution has the fewest.
        solved = std::move(child);
        break;
      }
      if (!best || child.distance < best->distance) {
        best = child;
      }
      frontier.push_back({std::move(child), sequence++});
      std::ranges::push_heap(frontier, later);
    }
    progress.best_distance = solved ? solved->distance : best->distance;
    progress.nodes = result.nodes;
    progress.seconds = elapsed();
    if (options.progress) {
      options.progress(progress);
    }
    if (solved) {
      break;
    }

    // Past the budget, commit to the best node's prefix whenever it gets ahead of the last
    // commitment: A* alone degenerates into breadth-first search on targets whose distance
    // falls slowly (the LEAP strategy of BQSKit).
    if (options.commit_after_nodes > 0 && result.nodes >= options.commit_after_nodes &&
        best->shape.two_qubit_count() >= committed_cnots + options.commit_step) {
      committed_cnots = best->shape.two_qubit_count();
      frontier.clear();
      frontier.push_back({*best, sequence++});
    }
    expanded.clear();
    while (!frontier.empty() && static_cast<int>(expanded.size()) < options.beam) {
      std::ranges::pop_heap(frontier, later);
      expanded.push_back(std::move(frontier.back().n));
      frontier.pop_back();
    }
    std::ranges::stable_sort(expanded, {}, [](const node& n) { return n.shape.two_qubit_count(); });
    candidates.clear();
    for (const node& parent : expanded) {
      if (parent.shape.two_qubit_count() >= options.max_cnots) {
        continue;
      }
      for (const coupling_edge& e : offered_edges(parent.shape, options.topology)) {
        structure child = parent.shape;
        child.layers.push_back(e);
        candidates.push_back(
            {std::move(child), &parent.parameters, static_cast<int>(candidates.size())});
      }
    }
  }

  const node& chosen = solved ? *solved : *best;
  result.solved = solved.has_value();
  result.shape = chosen.shape;
  result.parameters = chosen.parameters;
  result.circuit = to_gates(chosen.shape, chosen.parameters);
  result.distance = distance(target, circuit_unitary(result.circuit));
  result.seconds = elapsed();
  co_return result;
}

} // namespace qs
