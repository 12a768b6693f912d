// bench_qsearch_instantiation: how often one optimizer start solves a fixed structure, and what a
// solution costs in time, for NLopt's L-BFGS path (qs::optimize with optimizer_kind::lbfgs), our
// Levenberg–Marquardt (optimizer_kind::levenberg_marquardt) and, when Ceres was found, Ceres'
// Levenberg–Marquardt on the same residuals and analytic Jacobian (issue 20).
//
// The structures are the CNOT sequences that `qsearch T --json --seed 0` found (so each is
// solvable), and the same with the last layer removed: layers that the search's deletion pass
// could not remove, so mostly failures, which show what a failing start costs (tfim_30_4's 13
// layers do solve, at a few per cent of starts). Every start i draws its angles from SplitMix64
// seeded by (seed, structure, i), the same for every method; the methods take turns start by start,
// so a busy neighbour slows them alike. Times are this thread's CPU time, which equals the wall
// time of a single-threaded start on an idle core and is disturbed less than wall time when other
// processes share the cores (the footer gives both totals). Time per success = total time /
// successes, the expected time to one solution: the figure of merit at equal wall time.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <fmt/format.h>

#include <qsearch/circuit.hpp>
#include <qsearch/cost.hpp>
#include <qsearch/optimizer.hpp>
#include <qsearch/random.hpp>
#include <qsearch/targets.hpp>

#ifdef QSEARCH_BENCH_WITH_CERES
#include <ceres/ceres.h>
#endif

namespace {

struct instance {
  std::string target;
  int qubits;
  std::vector<qs::coupling_edge> layers;
  // Its place in the whole list, which seeds its starts whatever --targets selects.
  std::uint64_t key = 0;
};

// `qsearch T --json --seed 0 --threads 1` at commit 353c305: the CNOTs of its QASM, in order.
std::vector<instance> solved_structures() {
  return {
      {"qft3", 3, {{1, 2}, {0, 1}, {1, 2}, {0, 1}, {1, 2}, {0, 1}, {1, 2}}},
      {"toffoli", 3, {{1, 2}, {1, 2}, {0, 1}, {1, 2}, {0, 1}, {1, 2}, {1, 2}, {0, 1}}},
      {"peres", 3, {{0, 1}, {1, 2}, {0, 1}, {1, 2}, {0, 1}, {0, 1}, {1, 2}}},
      {"fredkin", 3, {{1, 2}, {0, 1}, {1, 2}, {1, 2}, {0, 1}, {1, 2}, {1, 2}, {0, 1}}},
      {"qft4",
       4,
       {{0, 1},
        {1, 2},
        {0, 1},
        {2, 3},
        {1, 2},
        {0, 1},
        {2, 3},
        {1, 2},
        {0, 1},
        {2, 3},
        {1, 2},
        {0, 1},
        {1, 2},
        {0, 1}}},
      {"tfim_30_4",
       4,
       {{0, 1},
        {1, 2},
        {0, 1},
        {1, 2},
        {2, 3},
        {2, 3},
        {1, 2},
        {1, 2},
        {0, 1},
        {2, 3},
        {0, 1},
        {2, 3},
        {1, 2},
        {0, 1}}},
  };
}

// What one start returns: the parameters (without the phase), the method's own distance and its
// evaluations as it counts them.
struct outcome {
  std::vector<double> parameters;
  double distance;
  int evaluations;
};

struct ceres_settings {
  std::string linear_solver = "dense_qr";
  double function_tolerance = 1e-6;
  double gradient_tolerance = 1e-14;
  double parameter_tolerance = 1e-14;
};

#ifdef QSEARCH_BENCH_WITH_CERES
// The residuals and Jacobian of unitary_cost::residuals as one Ceres block of parameter_count()
// + 1 variables (the last one the phase). Ceres wants the Jacobian row-major.
class unitary_residuals final : public ceres::CostFunction {
public:
  explicit unitary_residuals(qs::unitary_cost& cost) : m_cost(&cost) {
    const int n = cost.dimension();
    set_num_residuals(2 * n * n);
    mutable_parameter_block_sizes()->push_back(cost.parameter_count() + 1);
  }

  bool Evaluate(const double* const* parameters, double* residuals,
                double** jacobians) const override {
    const int variables = m_cost->parameter_count() + 1;
    const std::span<const double> x(parameters[0], static_cast<std::size_t>(variables));
    const bool with_jacobian = jacobians != nullptr && jacobians[0] != nullptr;
    m_cost->residuals(x, m_r, with_jacobian ? &m_jacobian : nullptr);
    Eigen::Map<Eigen::VectorXd>(residuals, m_r.size()) = m_r;
    if (with_jacobian) {
      Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          jacobians[0], m_jacobian.rows(), variables) = m_jacobian;
    }
    return true;
  }

private:
  qs::unitary_cost* m_cost;
  mutable Eigen::VectorXd m_r;
  mutable Eigen::MatrixXd m_jacobian;
};

// Stops once ½‖r‖² < N·threshold/100, so d < threshold/100: the stop of qs::optimize.
class stop_below final : public ceres::IterationCallback {
public:
  explicit stop_below(double cost) : m_cost(cost) {}

  ceres::CallbackReturnType operator()(const ceres::IterationSummary& summary) override {
    return summary.cost < m_cost ? ceres::SOLVER_TERMINATE_SUCCESSFULLY : ceres::SOLVER_CONTINUE;
  }

private:
  double m_cost;
};

ceres::LinearSolverType linear_solver_of(const std::string& name) {
  if (name == "dense_qr") {
    return ceres::DENSE_QR;
  }
  if (name == "dense_normal_cholesky") {
    return ceres::DENSE_NORMAL_CHOLESKY;
  }
  throw std::invalid_argument("unknown linear solver " + name);
}

// Ceres' LM from `start`; the distance it reports is its final ½‖r‖² / N, an upper bound on d
// (equal at the best phase), and its evaluations are those of the residuals at trial points, as
// our LM counts them.
outcome ceres_optimize(qs::unitary_cost& cost, const std::vector<double>& start,
                       const qs::optimizer_options& limits, const ceres_settings& settings) {
  std::vector<double> x = start;
  x.push_back(0);
  unitary_residuals residuals(cost);
  ceres::Problem::Options problem_options;
  problem_options.cost_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
  ceres::Problem problem(problem_options);
  problem.AddResidualBlock(&residuals, nullptr, x.data());

  stop_below stop(cost.dimension() * limits.threshold / 100);
  ceres::Solver::Options options;
  options.minimizer_type = ceres::TRUST_REGION;
  options.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
  options.linear_solver_type = linear_solver_of(settings.linear_solver);
  options.num_threads = 1;
  options.max_num_iterations = limits.max_evaluations;
  options.function_tolerance = settings.function_tolerance;
  options.gradient_tolerance = settings.gradient_tolerance;
  options.parameter_tolerance = settings.parameter_tolerance;
  options.logging_type = ceres::SILENT;
  options.callbacks.push_back(&stop);
  ceres::Solver::Summary summary;
  ceres::Solve(options, &problem, &summary);
  x.pop_back();
  return {std::move(x), summary.final_cost / cost.dimension(), summary.num_residual_evaluations};
}
#endif

struct method {
  std::string name;
  std::function<outcome(qs::unitary_cost&, const std::vector<double>&)> run;
};

struct tally {
  int successes = 0;
  double seconds = 0;
  double wall_seconds = 0;
  long evaluations = 0;
};

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

} // namespace

int main(int argc, char** argv) try {
  CLI::App app{"Success rate and time per success of one optimizer start on fixed structures: "
               "NLopt L-BFGS, our Levenberg-Marquardt and Ceres' (issue 20)"};
  int starts = 64;
  std::uint64_t seed = 0;
  bool shorter = true;
  ceres_settings ceres;
  std::vector<double> function_tolerances{1e-6, 1e-14};
  std::vector<std::string> only_methods;
  std::vector<std::string> only_targets;
  app.add_option("--starts", starts, "Random starts per structure")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "Seed of the starts")->capture_default_str();
  app.add_flag("!--no-shorter", shorter,
               "Skip the structures with the last layer removed (failures only)");
  app.add_option("--methods", only_methods,
                 "Run only these methods (lbfgs, lm, ceres/F or ceres for all), comma-separated")
      ->delimiter(',');
  app.add_option("--targets", only_targets, "Run only these targets' structures, comma-separated")
      ->delimiter(',');
  app.add_option("--linear-solver", ceres.linear_solver, "Ceres: dense_qr or dense_normal_cholesky")
      ->capture_default_str();
  app.add_option("--function-tolerances", function_tolerances,
                 "Ceres' function_tolerance: one method per value, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--gradient-tolerance", ceres.gradient_tolerance, "Ceres' gradient_tolerance")
      ->capture_default_str();
  app.add_option("--parameter-tolerance", ceres.parameter_tolerance, "Ceres' parameter_tolerance")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const qs::optimizer_options defaults;
  const std::function<bool()> never;
  std::vector<method> methods;
  for (const qs::optimizer_kind kind :
       {qs::optimizer_kind::lbfgs, qs::optimizer_kind::levenberg_marquardt}) {
    qs::optimizer_options options = defaults;
    options.kind = kind;
    methods.push_back({kind == qs::optimizer_kind::lbfgs ? "lbfgs" : "lm",
                       [options, &never](qs::unitary_cost& cost, const std::vector<double>& start) {
                         qs::fit fit = qs::optimize(cost, start, options, never);
                         return outcome{std::move(fit.parameters), fit.distance, fit.evaluations};
                       }});
  }
#ifdef QSEARCH_BENCH_WITH_CERES
  for (const double tolerance : function_tolerances) {
    ceres_settings settings = ceres;
    settings.function_tolerance = tolerance;
    methods.push_back(
        {fmt::format("ceres/{:g}", tolerance),
         [settings, defaults](qs::unitary_cost& cost, const std::vector<double>& start) {
           return ceres_optimize(cost, start, defaults, settings);
         }});
  }
  fmt::print(
      "Ceres {}: LEVENBERG_MARQUARDT, {}, 1 thread, max {} iterations, function tolerance "
      "as named (ceres/F), gradient and parameter tolerance {:g} and {:g}, stop at d < {:g}\n",
      CERES_VERSION_STRING, ceres.linear_solver, defaults.max_evaluations, ceres.gradient_tolerance,
      ceres.parameter_tolerance, defaults.threshold / 100);
#else
  fmt::print("Ceres not found at configure time: NLopt L-BFGS and our LM only\n");
#endif
  if (!only_methods.empty()) {
    std::erase_if(methods, [&](const method& m) {
      return std::ranges::none_of(only_methods, [&](const std::string& name) {
        return m.name == name || (name == "ceres" && m.name.starts_with("ceres/"));
      });
    });
  }
  fmt::print("{} starts per structure, seed {}, success: d < {:g} (recomputed)\n\n", starts, seed,
             defaults.threshold);

  std::vector<instance> instances = solved_structures();
  if (shorter) {
    const std::size_t solved = instances.size();
    for (std::size_t i = 0; i < solved; ++i) {
      instance fewer = instances[i];
      fewer.layers.pop_back();
      instances.push_back(std::move(fewer));
    }
  }
  for (std::size_t i = 0; i < instances.size(); ++i) {
    instances[i].key = i;
  }
  if (!only_targets.empty()) {
    std::erase_if(instances, [&](const instance& in) {
      return std::ranges::find(only_targets, in.target) == only_targets.end();
    });
  }

  fmt::print("{:<10} {:>2} {:>5} {:>6} | {:<12} {:>8} {:>7} {:>10} {:>12}\n", "target", "q",
             "CNOTs", "params", "method", "success", "evals", "ms/start", "ms/success");
  bool ok = true;
  std::vector<tally> totals(methods.size());
  for (std::size_t s = 0; s < instances.size(); ++s) {
    const instance& in = instances[s];
    const qs::structure shape{in.qubits, qs::layer_kind::four_param, in.layers};
    const qs::matrix target = qs::make_target(in.target);
    qs::unitary_cost cost(shape, target);
    qs::unitary_cost check(shape, target);
    std::vector<tally> tallies(methods.size());
    for (int i = 0; i < starts; ++i) {
      qs::splitmix64 random(qs::mix_keys({seed, in.key, static_cast<std::uint64_t>(i)}));
      const std::vector<double> start =
          qs::random_angles(static_cast<std::size_t>(shape.parameter_count()), random);
      for (std::size_t m = 0; m < methods.size(); ++m) {
        const auto begin = std::chrono::steady_clock::now();
        const double cpu_begin = thread_cpu_seconds();
        const outcome result = methods[m].run(cost, start);
        tallies[m].seconds += thread_cpu_seconds() - cpu_begin;
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - begin;
        tallies[m].wall_seconds += elapsed.count();
        const double recomputed = check.distance(result.parameters);
        // Ceres' figure is an upper bound (exact at the best phase); ours are cost.distance's.
        // Either way a method must not report less than d. Success is judged on d.
        const bool success = recomputed < defaults.threshold;
        if (!(recomputed <= result.distance * (1 + 1e-6) + 1e-15)) {
          fmt::print(stderr, "{} start {} on {}: reported d = {:g}, recomputed {:g}\n",
                     methods[m].name, i, in.target, result.distance, recomputed);
          ok = false;
        }
        // A solution also holds as the circuit the search would emit, simulated gate by gate.
        if (success) {
          const qs::matrix v = qs::circuit_unitary(qs::to_gates(shape, result.parameters));
          const double emitted =
              1 - std::abs((target.adjoint() * v).trace()) / static_cast<double>(v.rows());
          if (!(emitted < 10 * defaults.threshold)) {
            fmt::print(stderr, "{} start {} on {}: d = {:g}, its circuit's {:g}\n", methods[m].name,
                       i, in.target, recomputed, emitted);
            ok = false;
          }
        }
        tallies[m].successes += success ? 1 : 0;
        tallies[m].evaluations += result.evaluations;
      }
    }
    for (std::size_t m = 0; m < methods.size(); ++m) {
      const tally& t = tallies[m];
      const std::string per_success = t.successes == 0
                                          ? fmt::format("> {:.1f}", 1e3 * t.seconds)
                                          : fmt::format("{:.2f}", 1e3 * t.seconds / t.successes);
      fmt::print("{:<10} {:>2} {:>5} {:>6} | {:<12} {:>7.1f}% {:>7.0f} {:>10.2f} {:>12}\n",
                 m == 0 ? in.target : "", m == 0 ? fmt::format("{}", in.qubits) : "",
                 m == 0 ? fmt::format("{}", in.layers.size()) : "",
                 m == 0 ? fmt::format("{}", shape.parameter_count()) : "", methods[m].name,
                 100.0 * t.successes / starts, static_cast<double>(t.evaluations) / starts,
                 1e3 * t.seconds / starts, per_success);
      totals[m].seconds += t.seconds;
      totals[m].wall_seconds += t.wall_seconds;
    }
    std::fflush(stdout);
  }
  fmt::print("\ntotal CPU / wall seconds:");
  for (std::size_t m = 0; m < methods.size(); ++m) {
    fmt::print(" {} {:.2f} / {:.2f}{}", methods[m].name, totals[m].seconds, totals[m].wall_seconds,
               m + 1 < methods.size() ? "," : "\n");
  }
  return ok ? 0 : 1;
} catch (const std::exception& error) {
  fmt::print(stderr, "bench_qsearch_instantiation: {}\n", error.what());
  return 2;
}
