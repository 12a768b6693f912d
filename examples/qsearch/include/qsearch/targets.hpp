#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <qsearch/input_error.hpp>
#include <qsearch/matrix.hpp>

namespace qs {

/// A built-in synthesis target, as `qsearch --list` shows it.
struct target_info {
  std::string name;
  int qubits;
  std::string description;
};

/// The built-in targets: qft2 qft3 qft4 toffoli fredkin peres or hhl miro full_adder, then the
/// TFIM unitaries bundled in examples/qsearch/data (tfim_T_n).
std::vector<target_info> list_targets();

/// The seed's benchmark list, as the original Qsearch's README table has it: qft2 qft3 fredkin
/// toffoli peres or miro hhl.
std::vector<std::string> benchmark_targets();

/// The unitary of a built-in target, big-endian (qubit 0 the most significant bit). TFIM data
/// is read from `$QSEARCH_DATA_DIR` when set, else from the source tree's data directory.
/// Throws `input_error` for an unknown name, listing the known ones.
matrix make_target(std::string_view name);

} // namespace qs
