#include <algorithm>
#include <iterator>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include <qsearch/gates.hpp>
#include <qsearch/input_error.hpp>
#include <qsearch/partition.hpp>

namespace qs {

namespace {

// A gate's qubits: one for a U3, both of a two-qubit gate.
int gate_qubit_count(const gate& g) {
  return g.is_two_qubit() ? 2 : 1;
}

int gate_qubit(const gate& g, int i) {
  return i == 0 ? g.qubit : g.target;
}

// The scan of `partition`. Invariant: the open bins have disjoint qubits, each holds the last
// gate so far on each of its qubits, and the last gate on a free qubit is in a closed bin (or
// there is none); so every gate's predecessors are in its own bin or in one closed before it.
class scanner {
public:
  scanner(const circuit_gates& circuit, int block_size)
      : m_circuit(circuit), m_block_size(block_size),
        m_owner(static_cast<std::size_t>(circuit.qubits), none),
        m_last_closed(static_cast<std::size_t>(circuit.qubits), none) {}

  std::vector<block> run() {
    for (std::size_t i = 0; i < m_circuit.gates.size(); ++i) {
      place(i);
    }
    for (std::size_t id = 0; id < m_bins.size(); ++id) {
      if (m_bins[id].state == bin_state::open) {
        close(id);
      }
    }
    std::vector<block> blocks;
    blocks.reserve(m_closed.size());
    for (const std::size_t id : m_closed) {
      blocks.push_back(to_block(m_bins[id]));
    }
    return blocks;
  }

private:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  // A bin merged into another is `absorbed`: it is dropped, its gates live on in the other.
  enum class bin_state { open, closed, absorbed };

  struct bin {
    std::vector<int> qubits;
    std::vector<std::size_t> gates; // indices into the circuit, ascending
    bin_state state = bin_state::open;
  };

  std::size_t& owner(int q) { return m_owner[static_cast<std::size_t>(q)]; }

  void place(std::size_t index) {
    const gate& g = m_circuit.gates[index];
    if (g.type == gate::kind::u3 && owner(g.qubit) == none) {
      const std::size_t last = m_last_closed[static_cast<std::size_t>(g.qubit)];
      if (last != none) {
        m_bins[last].gates.push_back(index);
        return;
      }
    }
    // The open bins holding the gate's qubits (at most two), and the size of their union with
    // its free qubits.
    std::vector<std::size_t> owners;
    int width = 0;
    for (int k = 0; k < gate_qubit_count(g); ++k) {
      const std::size_t id = owner(gate_qubit(g, k));
      if (id == none) {
        ++width;
      } else if (std::ranges::find(owners, id) == owners.end()) {
        owners.push_back(id);
        width += static_cast<int>(m_bins[id].qubits.size());
      }
    }
    // Closing the widest bin first frees the most room for the others.
    while (width > m_block_size) {
      const auto widest = std::ranges::max_element(owners, [&](std::size_t a, std::size_t b) {
        const std::size_t wa = m_bins[a].qubits.size();
        const std::size_t wb = m_bins[b].qubits.size();
        return wa < wb || (wa == wb && a > b);
      });
      const std::size_t id = *widest;
      owners.erase(widest);
      width -= static_cast<int>(m_bins[id].qubits.size());
      for (int k = 0; k < gate_qubit_count(g); ++k) {
        width += owner(gate_qubit(g, k)) == id ? 1 : 0;
      }
      close(id);
    }
    std::size_t target = none;
    if (owners.empty()) {
      target = m_bins.size();
      m_bins.emplace_back();
    } else {
      // The earliest opened bin takes in the other, so that the bins still close in the order
      // they opened at the end.
      std::ranges::sort(owners);
      target = owners[0];
      if (owners.size() == 2) {
        absorb(target, owners[1]);
      }
    }
    bin& b = m_bins[target];
    for (int k = 0; k < gate_qubit_count(g); ++k) {
      const int q = gate_qubit(g, k);
      if (owner(q) == none) {
        owner(q) = target;
        b.qubits.push_back(q);
      }
    }
    b.gates.push_back(index);
  }

  void absorb(std::size_t into, std::size_t from) {
    bin& a = m_bins[into];
    bin& b = m_bins[from];
    std::vector<std::size_t> gates;
    gates.reserve(a.gates.size() + b.gates.size());
    std::ranges::merge(a.gates, b.gates, std::back_inserter(gates));
    a.gates = std::move(gates);
    for (const int q : b.qubits) {
      owner(q) = into;
      a.qubits.push_back(q);
    }
    b = bin{{}, {}, bin_state::absorbed};
  }

  void close(std::size_t id) {
    bin& b = m_bins[id];
    b.state = bin_state::closed;
    for (const int q : b.qubits) {
      owner(q) = none;
      m_last_closed[static_cast<std::size_t>(q)] = id;
    }
    m_closed.push_back(id);
  }

  block to_block(const bin& b) const {
    block out{b.qubits, {static_cast<int>(b.qubits.size()), {}}};
    std::ranges::sort(out.qubits);
    const auto local = [&](int q) {
      return static_cast<int>(std::ranges::find(out.qubits, q) - out.qubits.begin());
    };
    out.circuit.gates.reserve(b.gates.size());
    for (const std::size_t index : b.gates) {
      gate g = m_circuit.gates[index];
      g.qubit = local(g.qubit);
      g.target = local(g.target);
      out.circuit.gates.push_back(g);
    }
    return out;
  }

  const circuit_gates& m_circuit;
  int m_block_size;
  std::vector<bin> m_bins;                // every bin opened, by id
  std::vector<std::size_t> m_closed;      // ids in the order they closed: the blocks' order
  std::vector<std::size_t> m_owner;       // per qubit, the open bin holding it, or none
  std::vector<std::size_t> m_last_closed; // per qubit, the closed bin with its last gate
};

} // namespace

std::vector<block> partition(const circuit_gates& circuit, int block_size) {
  if (block_size < 2 || block_size > 4) {
    throw input_error(fmt::format("partition: a block size of {} is not in [2, 4]", block_size));
  }
  check_circuit(circuit, "partition");
  return scanner(circuit, block_size).run();
}

circuit_gates assemble(int qubits, const std::vector<block>& blocks) {
  circuit_gates out{qubits, {}};
  for (const block& b : blocks) {
    for (const int q : b.qubits) {
      if (q < 0 || q >= qubits) {
        throw std::invalid_argument(
            fmt::format("assemble: a block on qubit {} of a {}-qubit circuit", q, qubits));
      }
    }
    const auto local_qubits = static_cast<int>(b.qubits.size());
    for (gate g : b.circuit.gates) {
      if (g.qubit < 0 || g.qubit >= local_qubits || g.target < 0 || g.target >= local_qubits) {
        throw std::invalid_argument(
            fmt::format("assemble: a gate on local qubits {} and {} of a {}-qubit block", g.qubit,
                        g.target, local_qubits));
      }
      g.qubit = b.qubits[static_cast<std::size_t>(g.qubit)];
      g.target = b.qubits[static_cast<std::size_t>(g.target)];
      out.gates.push_back(g);
    }
  }
  return out;
}

circuit_gates merge_single_qubit_gates(const circuit_gates& circuit) {
  check_circuit(circuit, "merge_single_qubit_gates");
  circuit_gates out{circuit.qubits, {}};
  std::vector<std::optional<matrix2>> pending(static_cast<std::size_t>(circuit.qubits));
  const auto flush = [&](int q) {
    std::optional<matrix2>& product = pending[static_cast<std::size_t>(q)];
    if (!product) {
      return;
    }
    const complex corner = (*product)(0, 0);
    const bool identity =
        std::abs(corner) > 0.5 &&
        ((*product) - (corner / std::abs(corner)) * matrix2::Identity()).cwiseAbs().maxCoeff() <=
            1e-14;
    if (!identity) {
      const auto [theta, phi, lambda] = u3_angles(*product);
      out.gates.push_back(gate::u3(q, theta, phi, lambda));
    }
    product.reset();
  };
  for (const gate& g : circuit.gates) {
    if (g.is_two_qubit()) {
      flush(g.qubit);
      flush(g.target);
      out.gates.push_back(g);
      continue;
    }
    const matrix2 u = u3_matrix(g.theta, g.phi, g.lambda);
    std::optional<matrix2>& product = pending[static_cast<std::size_t>(g.qubit)];
    product = product ? matrix2(u * *product) : u;
  }
  for (int q = 0; q < circuit.qubits; ++q) {
    flush(q);
  }
  return out;
}

} // namespace qs
