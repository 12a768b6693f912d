#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include <yieldtasks/taskmap.hpp>

#include <qsearch/input_error.hpp>
#include <qsearch/optimize.hpp>

namespace qs {

namespace {

// The topology's edges among the block's qubits, on local qubits; every pair when it is empty.
std::vector<coupling_edge> local_edges(const std::vector<int>& qubits,
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
bool connected(int width, const std::vector<coupling_edge>& edges) {
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

} // namespace

yt::task<block_outcome> resynthesize_block(block_job job) {
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
    search.topology = std::move(edges);
    search.max_cnots = std::min(search.max_cnots, report.cnots_before - 1);
    search.seed += job.index;
    const search_result found = co_await synthesize(target, std::move(search));
    report.nodes = found.nodes;
    const int cnots = two_qubit_count(found.circuit);
    const double d = distance(target, circuit_unitary(found.circuit));
    if (found.solved && cnots < report.cnots_before && d <= job.options.search.threshold) {
      report.replaced = true;
      report.cnots_after = cnots;
      report.distance = d;
      out.circuit = found.circuit;
    } else {
      report.reason = kept_reason::not_improved;
    }
  }
  if (!report.replaced) {
    out.circuit = std::move(job.b.circuit);
  }
  report.seconds = elapsed();
  co_return out;
}

std::vector<block_job> make_block_jobs(const circuit_gates& circuit,
                                       const optimize_options& options) {
  for (const coupling_edge& e : options.topology) {
    for (const int q : {e.control, e.target}) {
      if (q < 0 || q >= circuit.qubits) {
        throw input_error(
            fmt::format("topology: edge {}-{} names qubit {}, but the circuit has {} qubits",
                        e.control, e.target, q, circuit.qubits));
      }
    }
    if (e.control == e.target) {
      throw input_error(
          fmt::format("topology: edge {}-{} joins a qubit to itself", e.control, e.target));
    }
  }
  const two_qubit_gate g = options.search.gate;
  const std::optional<circuit_gates> native = rewrite_two_qubit_gates(circuit, g);
  if (!native) {
    const auto other = std::ranges::find_if(
        circuit.gates, [g](const gate& x) { return x.is_two_qubit() && x.two_qubit_type() != g; });
    throw input_error(fmt::format(
        "gate {}: the circuit's {} gates have no one-for-one {} form, which the blocks kept as "
        "they are would need; optimize rewrites a circuit only between cx and cz",
        gate_name(g), gate_name(other->two_qubit_type()), gate_name(g)));
  }
  std::vector<block> blocks = partition(*native, options.block_size);
  std::vector<block_job> jobs;
  jobs.reserve(blocks.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    jobs.push_back({std::move(blocks[i]), options, i});
  }
  return jobs;
}

optimize_result combine_outcomes(int qubits, std::vector<block_outcome> outcomes) {
  optimize_result result;
  std::vector<block> blocks;
  blocks.reserve(outcomes.size());
  result.blocks.reserve(outcomes.size());
  double root_sum = 0;
  for (block_outcome& outcome : outcomes) {
    result.cnots_before += outcome.report.cnots_before;
    root_sum += std::sqrt(outcome.report.distance);
    blocks.push_back({outcome.report.qubits, std::move(outcome.circuit)});
    result.blocks.push_back(std::move(outcome.report));
  }
  result.circuit = merge_single_qubit_gates(assemble(qubits, blocks));
  result.cnots_after = two_qubit_count(result.circuit);
  result.distance_bound = std::min(1.0, root_sum * root_sum);
  return result;
}

yt::task<optimize_result> optimize(circuit_gates circuit, optimize_options options) {
  std::vector<block_job> jobs = make_block_jobs(circuit, options);
  std::vector<block_outcome> outcomes =
      co_await yt::taskmap([](const block_job& job) { return resynthesize_block(job); }, jobs);
  co_return combine_outcomes(circuit.qubits, std::move(outcomes));
}

} // namespace qs
