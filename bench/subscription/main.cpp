// bench_subscription: the synthesizer's benchmark list (--workload synthesis) or the optimizer's
// block jobs of benchmark circuits (--workload optimize) under each parallel strategy — serial,
// undersubscribe, oversubscribe, yieldtasks, TBB, OpenMP — with the same search code and seeds.
// Every (round, strategy) run is a child process, so no runtime's idle threads or heap state
// reach another's measurement; rounds interleave the strategies (A B C A B C ...). The circuits
// of every run must be identical, or the benchmark fails.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <support/benchmark_circuits.hpp>
#include <support/median.hpp>

#include <yieldtasks/available_concurrency.hpp>

#include <qsearch/input_error.hpp>
#include <qsearch/optimize.hpp>
#include <qsearch/qasm.hpp>
#include <qsearch/targets.hpp>

#include "record_tree.hpp"
#include "strategy.hpp"
#include <sys/resource.h>

namespace {

// The default circuits of --workload optimize: one of each family, the larger where there are
// two; about 16 s per strategy on 2 threads of the project's 2-core machine, 30 s serial.
constexpr const char* default_circuits = "qft_8,adder_8,grover_5,heisenberg_6,ising_30,vqe_30";

// What every run synthesizes: the workload, its targets or circuits, and the search settings.
struct settings {
  std::string workload;
  std::vector<std::string> names;
  int threads = 1;
  int multistarts = 16;
  std::uint64_t seed = 0;
};

// One run's jobs; for the optimize workload also each circuit's width and number of blocks, in
// the order of its blocks among the jobs.
struct workload_jobs {
  std::vector<subscription::job> jobs;
  std::vector<std::pair<int, std::size_t>> circuits;
};

workload_jobs make_jobs(const settings& s) {
  workload_jobs out;
  qs::search_options options;
  options.multistarts = s.multistarts;
  options.seed = s.seed;
  for (const std::string& name : s.names) {
    if (s.workload == "synthesis") {
      out.jobs.emplace_back(subscription::synthesis_job{name, qs::make_target(name), options});
      continue;
    }
    // qsearch optimize's defaults (blocks of 3 qubits, any pair of qubits a CX edge) but the
    // search settings.
    qs::optimize_options optimize;
    optimize.search = options;
    const qs::circuit_gates circuit = yt_bench::read_benchmark_circuit(name).circuit;
    std::vector<qs::block_job> blocks = qs::make_block_jobs(circuit, optimize);
    out.circuits.emplace_back(circuit.qubits, blocks.size());
    for (qs::block_job& b : blocks) {
      out.jobs.emplace_back(std::move(b));
    }
  }
  return out;
}

// The JSON key of the search work a run reports: optimizer starts (cancelled ones included) for
// syntheses; for blocks, whose outcomes do not count starts, the candidates optimized.
const char* work_key(const std::string& workload) {
  return workload == "synthesis" ? "optimizer_starts" : "nodes";
}

// The circuits a run produced, to compare across runs, and the amount of search work behind them.
std::pair<nlohmann::json, long> circuits_json(const settings& s, const workload_jobs& w,
                                              std::vector<subscription::outcome> outcomes) {
  nlohmann::json circuits = nlohmann::json::array();
  long work = 0;
  if (s.workload == "synthesis") {
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      const auto& r = std::get<qs::search_result>(outcomes[i]);
      work += r.starts;
      circuits.push_back({{"target", s.names[i]},
                          {"cnots", r.shape.two_qubit_count()},
                          {"distance", r.distance},
                          {"qasm", qs::to_qasm(r.circuit)}});
    }
    return {circuits, work};
  }
  auto next = outcomes.begin();
  for (std::size_t c = 0; c < w.circuits.size(); ++c) {
    const auto [qubits, blocks] = w.circuits[c];
    std::vector<qs::block_outcome> parts;
    for (std::size_t b = 0; b < blocks; ++b, ++next) {
      parts.push_back(std::get<qs::block_outcome>(std::move(*next)));
      work += parts.back().report.nodes;
    }
    const qs::optimize_result r = qs::combine_outcomes(qubits, std::move(parts));
    circuits.push_back({{"circuit", s.names[c]},
                        {"cnots_before", r.cnots_before},
                        {"cnots_after", r.cnots_after},
                        {"distance_bound", r.distance_bound},
                        {"qasm", qs::to_qasm(r.circuit)}});
  }
  return {circuits, work};
}

int os_threads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) {
      return std::stoi(line.substr(8));
    }
  }
  return -1;
}

// Samples the process's thread count every 200 µs while alive. Its own thread, CPU time and
// context switches are excluded from what it reports.
class thread_count_sampler {
public:
  thread_count_sampler()
      : m_sampler([this](std::stop_token stop) {
          while (!stop.stop_requested()) {
            m_peak = std::max(m_peak.load(), os_threads() - 1);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
          }
          getrusage(RUSAGE_THREAD, &m_own);
        }) {}
  /// Stops sampling; returns the peak and the sampler's own resource usage.
  std::pair<int, rusage> stop() {
    m_sampler.request_stop();
    m_sampler.join();
    return {m_peak, m_own};
  }

private:
  std::atomic<int> m_peak{0};
  rusage m_own{};
  std::jthread m_sampler;
};

double seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6;
}

// One run of one strategy, in this (child) process: prints one JSON line.
int run_child(const std::string& strategy_name, const settings& s) {
  const workload_jobs w = make_jobs(s);
  const auto strategies = subscription::available_strategies();
  const auto found = std::ranges::find_if(
      strategies, [&](const subscription::strategy& st) { return st.name == strategy_name; });
  if (found == strategies.end()) {
    throw std::runtime_error("unknown strategy " + strategy_name);
  }

  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  thread_count_sampler sampler;
  const auto start = std::chrono::steady_clock::now();
  std::vector<subscription::outcome> outcomes = found->run(w.jobs, s.threads);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto [peak, sampler_usage] = sampler.stop();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);

  const auto [circuits, work] = circuits_json(s, w, std::move(outcomes));
  const nlohmann::json out{
      {"strategy", strategy_name},
      {"wall", wall},
      {"cpu", seconds(after.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_utime) -
                  seconds(before.ru_stime) - seconds(sampler_usage.ru_utime) -
                  seconds(sampler_usage.ru_stime)},
      {"peak_threads", peak},
      {"voluntary_switches", after.ru_nvcsw - before.ru_nvcsw - sampler_usage.ru_nvcsw},
      {"involuntary_switches", after.ru_nivcsw - before.ru_nivcsw - sampler_usage.ru_nivcsw},
      {work_key(s.workload), work},
      {"circuits", circuits}};
  fmt::print("{}\n", out.dump());
  return 0;
}

nlohmann::json run_in_child(const std::string& self, const std::string& strategy,
                            const settings& s) {
  const std::string command =
      fmt::format("{} --child {} --workload {} --{} {} --threads {} --multistarts {} --seed {}",
                  self, strategy, s.workload, s.workload == "synthesis" ? "targets" : "circuits",
                  yt_bench::join_list(s.names), s.threads, s.multistarts, s.seed);
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    throw std::runtime_error("cannot start " + command);
  }
  std::string output;
  std::array<char, 65536> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    output.append(buffer.data(), n);
  }
  if (pclose(pipe) != 0) {
    throw std::runtime_error("the run failed: " + command);
  }
  return nlohmann::json::parse(output);
}

} // namespace

int main(int argc, char** argv) try {
  CLI::App app{"Synthesizes the qsearch benchmark list, or optimizes benchmark circuits, under "
               "each parallel strategy"};
  settings s;
  s.workload = "synthesis";
  s.threads = static_cast<int>(yt::available_concurrency());
  std::string strategies_text;
  std::string targets_text = "all";
  std::string circuits_text = default_circuits;
  int repeat = 3;
  std::string json_file;
  std::string child;
  std::string tree_file;
  app.add_option("--workload", s.workload,
                 "synthesis (the targets' syntheses) or optimize (the circuits' blocks, as "
                 "`qsearch optimize` resynthesizes them)")
      ->capture_default_str()
      ->check(CLI::IsMember({"synthesis", "optimize"}));
  app.add_option("--strategies", strategies_text,
                 "Comma-separated subset of: serial undersubscribe oversubscribe yieldtasks tbb "
                 "openmp (default: all built)");
  CLI::Option* targets_option =
      app.add_option("--targets", targets_text,
                     "synthesis: all (the 8-target list), single (toffoli) or names")
          ->capture_default_str();
  CLI::Option* circuits_option =
      app.add_option("--circuits", circuits_text,
                     "optimize: all or names of examples/qsearch/data/circuits, comma-separated")
          ->capture_default_str();
  app.add_option("--repeat", repeat, "Rounds; every strategy runs once per round")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--threads", s.threads, "Threads per strategy")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--multistarts", s.multistarts, "Optimizer starts per candidate")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--seed", s.seed, "Seed of the searches")->capture_default_str();
  app.add_option("--json", json_file, "Write every run's measurements to this file");
  app.add_option("--record-tree", tree_file,
                 "Run the jobs serially once and write their task tree (JSON) to this file, for "
                 "bench/scaling_model.py");
  app.add_option("--child", child, "Internal: run one strategy once in this process");
  CLI11_PARSE(app, argc, argv);

  const bool synthesis = s.workload == "synthesis";
  if (synthesis && circuits_option->count() > 0) {
    throw qs::input_error("--circuits needs --workload optimize");
  }
  if (!synthesis && targets_option->count() > 0) {
    throw qs::input_error("--targets is for --workload synthesis");
  }
  if (synthesis) {
    s.names = targets_text == "all"      ? qs::benchmark_targets()
              : targets_text == "single" ? std::vector<std::string>{"toffoli"}
                                         : yt_bench::split_list(targets_text);
  } else {
    s.names = yt_bench::select_circuits(circuits_text);
  }
  if (!child.empty()) {
    return run_child(child, s);
  }
  if (!tree_file.empty()) {
    nlohmann::json tree = subscription::record_tree(make_jobs(s).jobs);
    tree["workload"] = s.workload;
    tree["names"] = s.names;
    tree["multistarts"] = s.multistarts;
    tree["seed"] = s.seed;
    std::ofstream(tree_file) << tree.dump() << '\n';
    fmt::print("{}: {} leaves in {} maps, {:.3f} s serial\n", tree_file, tree["leaves"].get<long>(),
               tree["maps"].get<long>(), tree["wall_ns"].get<double>() * 1e-9);
    return 0;
  }

  std::vector<std::string> strategies;
  for (const subscription::strategy& strategy : subscription::available_strategies()) {
    strategies.push_back(strategy.name);
  }
  if (!strategies_text.empty()) {
    strategies = yt_bench::split_list(strategies_text);
  }
  const workload_jobs w = make_jobs(s);

  // popen runs a shell, whose /proc/self/exe is the shell: resolve ours first.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::map<std::string, std::vector<nlohmann::json>> runs;
  nlohmann::json reference;
  bool identical = true;
  for (int round = 0; round < repeat; ++round) {
    for (const std::string& strategy : strategies) {
      nlohmann::json run = run_in_child(self, strategy, s);
      fmt::print(stderr, "round {} {:<15} {:.3f} s\n", round + 1, strategy,
                 run["wall"].get<double>());
      if (reference.is_null()) {
        reference = run["circuits"];
      } else if (run["circuits"] != reference) {
        identical = false;
        fmt::print(stderr, "bench_subscription: {} produced different circuits\n", strategy);
      }
      runs[strategy].push_back(std::move(run));
    }
  }

  const auto median_of = [&](const std::string& strategy, const char* key) {
    std::vector<double> values;
    for (const nlohmann::json& r : runs[strategy]) {
      values.push_back(r[key].get<double>());
    }
    return yt_bench::median(values);
  };
  const double yt_median = runs.count("yieldtasks") ? median_of("yieldtasks", "wall") : 0;
  if (synthesis) {
    fmt::print("{} target(s) [{}], {} multistarts, {} threads, {} rounds (medians)\n",
               s.names.size(), yt_bench::join_list(s.names), s.multistarts, s.threads, repeat);
  } else {
    std::string counts;
    for (const nlohmann::json& c : reference) {
      counts.append(fmt::format("{}{} {} -> {}", counts.empty() ? "" : ", ",
                                c["circuit"].get<std::string>(), c["cnots_before"].get<int>(),
                                c["cnots_after"].get<int>()));
    }
    fmt::print("{} circuit(s), {} blocks, {} multistarts, {} threads, {} rounds (medians); CNOTs "
               "{}\n",
               s.names.size(), w.jobs.size(), s.multistarts, s.threads, repeat, counts);
  }
  fmt::print("{:<15} {:>9} {:>9} {:>9} {:>9} {:>8} {:>11} {:>11} {:>8} {:>8}\n", "strategy",
             "wall s", "min s", "max s", "CPU s", "threads", "vol. cs", "invol. cs",
             synthesis ? "starts" : "nodes", "vs yt");
  for (const std::string& strategy : strategies) {
    std::vector<double> walls;
    int peak = 0;
    for (const nlohmann::json& r : runs[strategy]) {
      walls.push_back(r["wall"].get<double>());
      peak = std::max(peak, r["peak_threads"].get<int>());
    }
    fmt::print("{:<15} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>8} {:>11.0f} {:>11.0f} {:>8.0f} "
               "{:>8}\n",
               strategy, yt_bench::median(walls), *std::ranges::min_element(walls),
               *std::ranges::max_element(walls), median_of(strategy, "cpu"), peak,
               median_of(strategy, "voluntary_switches"),
               median_of(strategy, "involuntary_switches"),
               median_of(strategy, work_key(s.workload)),
               yt_median > 0 ? fmt::format("{:.2f}x", yt_bench::median(walls) / yt_median) : "-");
  }
  if (!json_file.empty()) {
    nlohmann::json all;
    for (const auto& [strategy, list] : runs) {
      all[strategy] = list;
    }
    std::ofstream(json_file) << all.dump(1) << '\n';
  }
  if (!identical) {
    fmt::print(stderr, "bench_subscription: FAILED: strategies disagree on the circuits\n");
    return 1;
  }
  return 0;
} catch (const std::exception& error) {
  fmt::print(stderr, "bench_subscription: {}\n", error.what());
  return 2;
}
