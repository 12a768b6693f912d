#pragma once

// The search, generic over how its two inner maps run (see qs::synthesize_with): the library
// instantiates it with yt::taskmap, the subscription benchmark with other parallel runtimes.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <coroutine>
#include <cstddef>
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

// A new layer's parameters in a warm start (see warm_child_start).
constexpr double warm_layer_scale = 0.01;
// The search for a smaller solution gets at least keep_searching times this many candidates: a
// solution found within a few dozen leaves few to look further with.
constexpr long min_budget_nodes = 100;
// An edge is not offered again after this many consecutive two-qubit gates on it (three CNOTs
// make any two-qubit unitary), unless it is the only edge: then a failed instantiation of three
// has no other way on, and the deletion pass takes the extra gates off again.
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
  // Start 0's point; empty: every start is random.
  std::vector<double> warm_start;
  int index; // position in its map
  // Numbers its starts' random points: a candidate tried again gets starts it has not had.
  int first_start = 0;
};

struct evaluation {
  fit best;
  long starts = 0;
};

struct node {
  structure shape;
  std::vector<double> parameters;
  double distance;
  double priority(double distance_weight) const {
    return distance_weight * distance + shape.two_qubit_count();
  }
};

struct search_context {
  const matrix* target;
  const search_options* options;
  std::uint64_t target_hash;
  // Lowest index of a solved candidate in the running expansion; candidates after it are moot.
  std::atomic<int> first_solved_candidate{0};
};

inline std::uint64_t start_random(const structure& shape, const search_context& context,
                                  int start) {
  return mix_keys({context.options->seed, context.target_hash, node_id(shape),
                   static_cast<std::uint64_t>(start)});
}

// A child's warm start: its parent's optimum, the new layer's parameters small, so the start
// begins near that optimum, and non-zero, so the new gates are not at a saddle.
inline std::vector<double> warm_child_start(const structure& child, const node& parent,
                                            const search_context& context) {
  splitmix64 random(start_random(child, context, 0));
  std::vector<double> x = parent.parameters;
  while (x.size() < static_cast<std::size_t>(child.parameter_count())) {
    x.push_back(warm_layer_scale * (2 * random.uniform() - 1));
  }
  return x;
}

inline std::vector<double> start_point(const candidate& c, const search_context& context,
                                       int start) {
  if (start == 0 && !c.warm_start.empty()) {
    return c.warm_start;
  }
  splitmix64 random(start_random(c.shape, context, c.first_start + start));
  return random_angles(static_cast<std::size_t>(c.shape.parameter_count()), random);
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
      std::views::iota(0, starts), "multistarts");

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
        topology.size() > 1 && layers.size() >= max_consecutive_repeats &&
        std::all_of(layers.end() - max_consecutive_repeats, layers.end(),
                    [&](const coupling_edge& last) { return last == e; });
    if (!repeated_too_often) {
      edges.push_back(e);
    }
  }
  return edges;
}

// Evaluates `candidates` in one map; a solved candidate makes the later ones moot.
template <class Mapper>
yt::task<std::vector<evaluation>> evaluate_all(const std::vector<candidate>& candidates,
                                               search_context& context, Mapper& mapper,
                                               search_result& result) {
  context.first_solved_candidate.store(static_cast<int>(candidates.size()));
  std::vector<evaluation> evaluations = co_await mapper.map(
      [&](const candidate& c) { return evaluate(c, context, mapper); }, candidates, "candidates");
  for (const evaluation& e : evaluations) {
    result.starts += e.starts;
  }
  result.nodes += static_cast<long>(candidates.size());
  co_return evaluations;
}

// LEAP's prefix rule (Smith et al., 2023): a line fitted to the (layers, distance) of every best
// so far predicts the next; a new best above the line means progress is slowing, and the search
// freezes the new best's prefix.
inline bool behind_trend(const std::vector<std::pair<int, double>>& bests, int layers,
                         double distance) {
  if (bests.size() < 2) {
    return false;
  }
  double mean_layers = 0;
  double mean_distance = 0;
  for (const auto& [l, d] : bests) {
    mean_layers += l;
    mean_distance += d;
  }
  const auto count = static_cast<double>(bests.size());
  mean_layers /= count;
  mean_distance /= count;
  double covariance = 0;
  double variance = 0;
  for (const auto& [l, d] : bests) {
    covariance += (l - mean_layers) * (d - mean_distance);
    variance += (l - mean_layers) * (l - mean_layers);
  }
  if (variance == 0) {
    return false;
  }
  const double predicted = mean_distance + covariance / variance * (layers - mean_layers);
  return distance > predicted;
}

inline std::vector<double> without_layer(const structure& s, std::vector<double> parameters,
                                         int layer) {
  const std::ptrdiff_t per_layer = layer_parameter_count(s.kind, s.entangler);
  const auto first = parameters.begin() + 3 * std::ptrdiff_t{s.qubits} + layer * per_layer;
  parameters.erase(first, first + per_layer);
  return parameters;
}

// Removes two-qubit gates while the circuit stays a solution: every one-layer removal is a
// candidate of one map, warm-started at the solution's parameters without that layer's (a
// re-instantiation of the whole circuit); the lowest-numbered removal that solves is kept and
// the map runs again on the shorter circuit.
template <class Mapper>
yt::task<node> delete_layers(node solution, search_context& context, Mapper& mapper,
                             search_result& result) {
  const double threshold = context.options->threshold;
  for (;;) {
    std::vector<candidate> candidates;
    for (int layer = 0; layer < solution.shape.two_qubit_count(); ++layer) {
      structure shorter = solution.shape;
      shorter.layers.erase(shorter.layers.begin() + layer);
      // Removing either of two equal neighbours gives the same circuit.
      if (!candidates.empty() && candidates.back().shape.layers == shorter.layers) {
        continue;
      }
      std::vector<double> start = without_layer(solution.shape, solution.parameters, layer);
      candidates.push_back(
          {std::move(shorter), std::move(start), static_cast<int>(candidates.size())});
    }
    if (candidates.empty()) {
      co_return solution;
    }
    std::vector<evaluation> evaluations =
        co_await evaluate_all(candidates, context, mapper, result);
    const auto solved = std::ranges::find_if(
        evaluations, [&](const evaluation& e) { return e.best.distance < threshold; });
    if (solved == evaluations.end()) {
      co_return solution;
    }
    candidate& chosen = candidates[static_cast<std::size_t>(solved - evaluations.begin())];
    solution = {std::move(chosen.shape), std::move(solved->best.parameters), solved->best.distance};
  }
}

inline void finish(search_result& result, const node& chosen, bool solved, const matrix& target) {
  result.solved = solved;
  result.shape = chosen.shape;
  result.parameters = chosen.parameters;
  result.circuit = to_gates(chosen.shape, chosen.parameters);
  result.distance = distance(target, circuit_unitary(result.circuit));
}

} // namespace search_detail

/// The mapper of `synthesize` and `resynthesize_block`: both inner levels as nested
/// `yt::taskmap`s on the executor that runs the search.
struct taskmap_mapper {
  /// Awaits `yt::taskmap(fn, range)`, named `name` in a `yt::trace_recorder`'s trace. A task of
  /// its own, since a map cannot be returned once named; it references `fn` and `range`, so
  /// await it at once.
  template <class F, class Range>
  auto map(F&& fn, Range&& range, const char* name = "taskmap")
      -> yt::task<yt::taskmap_result_t<F, Range>> {
    co_return co_await yt::taskmap(std::forward<F>(fn), std::forward<Range>(range)).named(name);
  }
};

namespace search_detail {

template <class Mapper>
yt::task<search_result> search_once(Mapper mapper, matrix target, search_options options) {
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
  const double weight = options.distance_weight;
  const auto later = [weight](const queued& a, const queued& b) {
    if (a.n.priority(weight) != b.n.priority(weight)) {
      return a.n.priority(weight) > b.n.priority(weight);
    }
    return a.sequence > b.sequence;
  };
  std::vector<queued> frontier;
  long sequence = 0;
  std::optional<node> best;   // lowest d seen
  std::optional<node> solved; // fewest two-qubit gates among solutions
  // LEAP: the (layers, d) of each new best, and the layers of the last frozen prefix.
  std::vector<std::pair<int, double>> bests;
  int prefix_layers = 0;
  // With a lone start, unsolved candidates: after a solution, those one two-qubit gate short of
  // it are tried once more, with a new start, when no node is left to expand.
  const bool retries = options.multistarts == 1;
  struct tried_candidate {
    structure shape;
    double distance;
  };
  std::vector<tried_candidate> tried;

  std::vector<candidate> candidates{{structure{qubits, options.layers, {}, options.gate}, {}, 0}};
  std::vector<node> expanded;
  // Children may have up to this many two-qubit gates; after a solution, one fewer than it.
  int max_layers = options.max_cnots;
  long last_node = 0; // set by the first solution: the candidates the search may optimize
  while (!candidates.empty()) {
    std::vector<evaluation> evaluations =
        co_await evaluate_all(candidates, context, mapper, result);
    std::optional<node> solution;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      evaluation& e = evaluations[i];
      node child{std::move(candidates[i].shape), std::move(e.best.parameters), e.best.distance};
      const int layers = child.shape.two_qubit_count();
      progress.cnots = std::max(progress.cnots, layers);
      if (child.distance < options.threshold) {
        // Candidates are ordered by two-qubit gate count, so the first solution has the fewest;
        // the later ones were cancelled.
        solution = std::move(child);
        break;
      }
      if (candidates[i].first_start > 0) {
        continue; // a candidate tried again was expanded before, or never will be
      }
      if (retries) {
        tried.push_back({child.shape, child.distance});
      }
      if (!best || child.distance < best->distance) {
        const bool leap = qubits >= options.leap_qubits || result.nodes >= options.leap_after_nodes;
        const bool freeze = leap && options.min_prefix_layers > 0 &&
                            layers - prefix_layers >= options.min_prefix_layers &&
                            behind_trend(bests, layers, child.distance);
        bests.emplace_back(layers, child.distance);
        best = child;
        if (freeze) {
          prefix_layers = layers;
          frontier.clear();
        }
      }
      frontier.push_back({std::move(child), sequence++});
      std::ranges::push_heap(frontier, later);
    }
    if (solution) {
      if (!solved) {
        result.search_two_qubit_count = solution->shape.two_qubit_count();
        result.search_seconds = elapsed();
        last_node =
            result.nodes +
            static_cast<long>(options.keep_searching *
                              static_cast<double>(std::max(result.nodes, min_budget_nodes)));
      }
      if (options.delete_layers) {
        solution = co_await delete_layers(std::move(*solution), context, mapper, result);
      }
      solved = std::move(solution);
      max_layers = solved->shape.two_qubit_count() - 1;
    }
    progress.best_distance = solved ? solved->distance : best->distance;
    progress.nodes = result.nodes;
    progress.seconds = elapsed();
    if (options.progress) {
      options.progress(progress);
    }
    if (solved && result.nodes >= last_node) {
      break;
    }
    // Nodes whose children would not have fewer two-qubit gates than the solution are skipped.
    expanded.clear();
    while (!frontier.empty() && static_cast<int>(expanded.size()) < options.beam) {
      std::ranges::pop_heap(frontier, later);
      if (frontier.back().n.shape.two_qubit_count() < max_layers) {
        expanded.push_back(std::move(frontier.back().n));
      }
      frontier.pop_back();
    }
    std::ranges::stable_sort(expanded, {}, [](const node& n) { return n.shape.two_qubit_count(); });
    candidates.clear();
    if (expanded.empty() && solved && retries) {
      // A lone start can miss a circuit that exists: the budget left goes to the candidates that
      // would be the next smaller solution, closest first, each with a start it has not had, as
      // many at a time as an expansion has children. Fewer gates than that rarely solve where
      // the count above did not: retrying them measured only cost. With 8 starts the retries
      // added 40 % candidates to `qsearch --benchmark` and changed no count.
      std::erase_if(
          tried, [&](const tried_candidate& t) { return t.shape.two_qubit_count() != max_layers; });
      std::ranges::stable_sort(tried, {}, &tried_candidate::distance);
      const auto batch =
          std::min(tried.size(), static_cast<std::size_t>(options.beam) * options.topology.size());
      for (std::size_t i = 0; i < batch; ++i) {
        candidates.push_back(
            {std::move(tried[i].shape), {}, static_cast<int>(i), options.multistarts});
      }
      tried.erase(tried.begin(), tried.begin() + static_cast<std::ptrdiff_t>(batch));
    }
    for (const node& parent : expanded) {
      for (const coupling_edge& e : offered_edges(parent.shape, options.topology)) {
        structure child = parent.shape;
        child.layers.push_back(e);
        // A lone start is never warm: measured with one start per node, starting every child
        // at its parent's optimum kept the search in the parent's basin (toffoli 9-14 CNOTs
        // instead of 8).
        std::vector<double> warm = options.multistarts > 1
                                       ? warm_child_start(child, parent, context)
                                       : std::vector<double>{};
        candidates.push_back(
            {std::move(child), std::move(warm), static_cast<int>(candidates.size())});
      }
    }
  }
  if (!solved) {
    result.search_two_qubit_count = best->shape.two_qubit_count();
    result.search_seconds = elapsed();
  }

  finish(result, solved ? *solved : *best, solved.has_value(), target);
  result.seconds = elapsed();
  co_return result;
}

} // namespace search_detail

template <class Mapper>
yt::task<search_result> synthesize_with(Mapper mapper, matrix target, search_options options) {
  const int qubits = static_cast<int>(std::lround(std::log2(static_cast<double>(target.rows()))));
  const int restarts = qubits >= options.leap_qubits ? options.restarts : 1;
  if (restarts <= 1) {
    co_return co_await search_detail::search_once(mapper, std::move(target), std::move(options));
  }
  const auto clock_start = std::chrono::steady_clock::now();
  std::vector<search_result> results = co_await mapper.map(
      [&](int restart) {
        search_options own = options;
        own.restarts = 1;
        if (restart > 0) {
          own.seed = mix_keys({options.seed, static_cast<std::uint64_t>(restart)});
          // The callback need not be thread-safe: it follows the first search alone.
          own.progress = nullptr;
        }
        return search_detail::search_once(mapper, target, std::move(own));
      },
      std::views::iota(0, restarts), "restarts");
  // The fewest two-qubit gates among the solutions, the lowest restart on a tie; the lowest
  // distance when none solved.
  const auto better = [](const search_result& a, const search_result& b) {
    if (a.solved != b.solved) {
      return a.solved;
    }
    if (a.solved) {
      return a.shape.two_qubit_count() < b.shape.two_qubit_count();
    }
    return a.distance < b.distance;
  };
  std::size_t chosen = 0;
  for (std::size_t i = 1; i < results.size(); ++i) {
    if (better(results[i], results[chosen])) {
      chosen = i;
    }
  }
  search_result result = std::move(results[chosen]);
  result.nodes = 0;
  result.starts = 0;
  for (const search_result& r : results) {
    result.nodes += r.nodes;
    result.starts += r.starts;
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  co_return result;
}

template <class Mapper>
yt::task<search_result> prune_with(Mapper mapper, matrix target, structure shape,
                                   search_options options) {
  using namespace search_detail;
  const auto clock_start = std::chrono::steady_clock::now();
  search_context context{&target, &options, hash_matrix(target)};
  search_result result;
  std::vector<candidate> candidates{{std::move(shape), {}, 0}};
  std::vector<evaluation> evaluations = co_await evaluate_all(candidates, context, mapper, result);
  node instantiated{std::move(candidates[0].shape), std::move(evaluations[0].best.parameters),
                    evaluations[0].best.distance};
  const bool solved = instantiated.distance < options.threshold;
  result.search_two_qubit_count = instantiated.shape.two_qubit_count();
  if (solved) {
    instantiated = co_await delete_layers(std::move(instantiated), context, mapper, result);
  }
  finish(result, instantiated, solved, target);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  co_return result;
}

} // namespace qs
