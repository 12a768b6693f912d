#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include <yieldtasks/taskmap.hpp>

#include <qsearch/input_error.hpp>
#include <qsearch/optimize.hpp>
#include <qsearch/optimize_impl.hpp>

namespace qs {

yt::task<block_outcome> resynthesize_block(block_job job) {
  return resynthesize_block_with(taskmap_mapper{}, std::move(job));
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
      co_await yt::taskmap([](const block_job& job) { return resynthesize_block(job); }, jobs)
          .named("blocks");
  co_return combine_outcomes(circuit.qubits, std::move(outcomes));
}

} // namespace qs
