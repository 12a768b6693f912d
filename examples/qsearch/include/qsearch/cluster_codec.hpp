#pragma once

// The cluster codec: how qsearch's types travel between the ranks of a cluster. yt::codec encodes
// a type through the tuple of member references its codec_fields returns (found by
// argument-dependent lookup).
#include <tuple>

#include <qsearch/circuit.hpp>
#include <qsearch/optimize.hpp>
#include <qsearch/partition.hpp>
#include <qsearch/search.hpp>

namespace qs {

inline auto codec_fields(structure& s) {
  return std::tie(s.qubits, s.kind, s.layers, s.entangler);
}

inline auto codec_fields(circuit_gates& c) {
  return std::tie(c.qubits, c.gates);
}

inline auto codec_fields(search_result& r) {
  return std::tie(r.solved, r.shape, r.parameters, r.circuit, r.distance, r.nodes, r.starts,
                  r.seconds, r.search_two_qubit_count, r.search_seconds);
}

/// Every setting but `progress`, a callback of the process that runs the search.
inline auto codec_fields(search_options& o) {
  return std::tie(o.multistarts, o.seed, o.threshold, o.layers, o.gate, o.optimizer, o.topology,
                  o.max_cnots, o.min_prefix_layers, o.leap_qubits, o.leap_after_nodes,
                  o.delete_layers, o.restarts, o.keep_searching, o.beam);
}

inline auto codec_fields(block& b) {
  return std::tie(b.qubits, b.circuit);
}

inline auto codec_fields(optimize_options& o) {
  return std::tie(o.block_size, o.search, o.topology);
}

inline auto codec_fields(block_job& j) {
  return std::tie(j.b, j.options, j.index);
}

inline auto codec_fields(block_report& r) {
  return std::tie(r.qubits, r.cnots_before, r.cnots_after, r.replaced, r.reason, r.distance,
                  r.seconds, r.nodes);
}

inline auto codec_fields(block_outcome& o) {
  return std::tie(o.report, o.circuit);
}

inline auto codec_fields(optimize_result& r) {
  return std::tie(r.circuit, r.blocks, r.cnots_before, r.cnots_after, r.distance_bound);
}

} // namespace qs
