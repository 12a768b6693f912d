// bench_qsearch planted: how often the search finds a circuit with no more CNOTs than a planted
// one (qs::planted_circuit: k random layers on the linear chain, so the optimum is at most k),
// and whether more freedom (all-to-all topology, twice the multistarts, a beam of 4) ever gives
// more CNOTs on the same instances. Every circuit is checked; the counts are a measurement and
// never fail the run.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <support/median.hpp>

#include <yieldtasks/yieldtasks.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/qasm.hpp>
#include <qsearch/search.hpp>
#include <qsearch/targets.hpp>

#include "benchmarks.hpp"

namespace qsearch_bench {
namespace {

// One synthesis of one instance. An unsolved run counts as more CNOTs than any solved one.
struct outcome {
  bool solved = false;
  int cnots = 0;
  double seconds = 0;
};

int rank(const outcome& o) {
  return o.solved ? o.cnots : std::numeric_limits<int>::max();
}

// A circuit is right when its two-qubit gates are the CNOTs the shape has, each on an edge of the
// topology, and, when reported solved, its QASM text is within the threshold of the target.
bool check(const qs::search_result& r, const qs::matrix& target, const qs::search_options& options,
           const std::string& what) {
  bool ok = true;
  const std::vector<qs::coupling_edge> topology =
      options.topology.empty() ? qs::linear_topology(r.circuit.qubits) : options.topology;
  const std::set<qs::coupling_edge> allowed(topology.begin(), topology.end());
  for (const qs::gate& g : r.circuit.gates) {
    if (g.is_two_qubit() &&
        (g.type != qs::gate::kind::cx || !allowed.contains({g.qubit, g.target}))) {
      fmt::print(stderr, "bench_qsearch planted: {}: a two-qubit gate off the topology ({}, {})\n",
                 what, g.qubit, g.target);
      ok = false;
    }
  }
  if (qs::two_qubit_count(r.circuit) != r.shape.two_qubit_count()) {
    fmt::print(stderr, "bench_qsearch planted: {}: {} CNOTs in the circuit, {} in the shape\n",
               what, qs::two_qubit_count(r.circuit), r.shape.two_qubit_count());
    ok = false;
  }
  if (r.solved) {
    const double d =
        qs::distance(target, qs::circuit_unitary(qs::parse_qasm(qs::to_qasm(r.circuit))));
    if (!(d < options.threshold)) {
      fmt::print(stderr, "bench_qsearch planted: {}: reported solved but d = {:.2e}\n", what, d);
      ok = false;
    }
  }
  return ok;
}

// The search options a variant changes from the default run's.
struct variant {
  std::string name;
  std::function<void(qs::search_options&, int qubits)> change;
};

} // namespace

int bench_planted(const planted_settings& settings) {
  yt::thread_pool pool(static_cast<std::size_t>(settings.threads));
  const std::size_t instances = static_cast<std::size_t>(settings.instances);
  std::vector<std::vector<qs::matrix>> targets; // [k][instance]
  for (const int k : settings.cnots) {
    std::vector<qs::matrix>& row = targets.emplace_back();
    for (std::size_t i = 0; i < instances; ++i) {
      row.push_back(qs::circuit_unitary(qs::planted_circuit(settings.qubits, k, i)));
    }
  }
  qs::search_options defaults;
  defaults.seed = settings.seed;
  defaults.multistarts = settings.multistarts;

  bool ok = true;
  // Runs every instance with `options`; `report` sees each k's outcomes as they finish.
  const auto run_all = [&](const qs::search_options& options, const std::string& label,
                           const std::function<void(int, const std::vector<outcome>&)>& report) {
    std::vector<std::vector<outcome>> outcomes;
    for (std::size_t ki = 0; ki < settings.cnots.size(); ++ki) {
      const int k = settings.cnots[ki];
      std::vector<outcome>& row = outcomes.emplace_back();
      for (std::size_t i = 0; i < instances; ++i) {
        const qs::matrix& target = targets[ki][i];
        const qs::search_result r = yt::sync_wait(pool, qs::synthesize(target, options));
        ok = check(r, target, options,
                   fmt::format("{}, planted_{}_{}_{}", label, settings.qubits, k, i)) &&
             ok;
        row.push_back({r.solved, r.shape.two_qubit_count(), r.seconds});
      }
      report(k, row);
    }
    return outcomes;
  };

  fmt::print("Planted {}-qubit circuits (planted_{}_K_0 to _{}), linear chain, {} multistarts, "
             "{} threads, search seed {}\n",
             settings.qubits, settings.qubits, settings.instances - 1, settings.multistarts,
             settings.threads, settings.seed);
  fmt::print("{:>4} {:>8} {:>9} {:>5} {:>10} {:>9}  {}\n", "K", "<= K", "mean", "max", "median s",
             "max s", "instances above K (CNOTs)");
  int found_total = 0;
  const std::vector<std::vector<outcome>> base =
      run_all(defaults, "default", [&](int k, const std::vector<outcome>& row) {
        int found = 0;
        int max_cnots = 0;
        double sum = 0;
        int solved = 0;
        std::vector<double> seconds;
        std::string misses;
        for (std::size_t i = 0; i < row.size(); ++i) {
          seconds.push_back(row[i].seconds);
          if (row[i].solved) {
            ++solved;
            sum += row[i].cnots;
            max_cnots = std::max(max_cnots, row[i].cnots);
          }
          if (row[i].solved && row[i].cnots <= k) {
            ++found;
          } else {
            misses += row[i].solved ? fmt::format(" {} ({})", i, row[i].cnots)
                                    : fmt::format(" {} (unsolved)", i);
          }
        }
        found_total += found;
        fmt::print("{:>4} {:>8} {:>9.2f} {:>5} {:>10.3f} {:>9.3f} {}\n", k,
                   fmt::format("{}/{}", found, row.size()), solved > 0 ? sum / solved : 0.0,
                   max_cnots, yt_bench::median(seconds), *std::ranges::max_element(seconds),
                   misses.empty() ? " -" : misses);
        std::fflush(stdout);
      });
  const std::size_t total = settings.cnots.size() * instances;
  fmt::print("found <= K: {}/{}\n", found_total, total);

  if (settings.freedom) {
    const std::vector<variant> variants{
        {"all-to-all topology",
         [](qs::search_options& o, int qubits) { o.topology = qs::all_to_all_topology(qubits); }},
        {fmt::format("{} multistarts", 2 * settings.multistarts),
         [](qs::search_options& o, int) { o.multistarts *= 2; }},
        {"beam 4", [](qs::search_options& o, int) { o.beam = 4; }},
    };
    fmt::print("\nMore freedom never gives a worse answer: instances with more, fewer and equal "
               "CNOTs than the default run (unsolved counts as more)\n");
    fmt::print("{:<20} {:>5} {:>6} {:>6} {:>10}  {}\n", "variant", "more", "fewer", "equal",
               "median s", "instances with more (K, instance: default -> variant)");
    for (const variant& v : variants) {
      qs::search_options options = defaults;
      v.change(options, settings.qubits);
      const std::vector<std::vector<outcome>> runs =
          run_all(options, v.name, [](int, const std::vector<outcome>&) {});
      int more = 0;
      int fewer = 0;
      int equal = 0;
      std::vector<double> seconds;
      std::string worse;
      for (std::size_t ki = 0; ki < runs.size(); ++ki) {
        for (std::size_t i = 0; i < instances; ++i) {
          const outcome& a = base[ki][i];
          const outcome& b = runs[ki][i];
          seconds.push_back(b.seconds);
          const auto text = [](const outcome& o) {
            return o.solved ? std::to_string(o.cnots) : std::string("unsolved");
          };
          if (rank(b) > rank(a)) {
            ++more;
            worse += fmt::format(" K={} {}: {}->{}", settings.cnots[ki], i, text(a), text(b));
          } else if (rank(b) < rank(a)) {
            ++fewer;
          } else {
            ++equal;
          }
        }
      }
      fmt::print("{:<20} {:>5} {:>6} {:>6} {:>10.3f} {}\n", v.name, more, fewer, equal,
                 yt_bench::median(seconds), worse.empty() ? " -" : worse);
      std::fflush(stdout);
    }
  }
  return ok ? 0 : 1;
}

} // namespace qsearch_bench
