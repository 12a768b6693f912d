// bench_subscription: the synthesizer's benchmark list under each parallel strategy — serial,
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

#include <support/median.hpp>

#include <yieldtasks/available_concurrency.hpp>

#include <qsearch/qasm.hpp>
#include <qsearch/targets.hpp>

#include "strategy.hpp"
#include <sys/resource.h>

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) {
      parts.push_back(text.substr(start, comma - start));
    }
    start = comma + 1;
  }
  return parts;
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
int run_child(const std::string& strategy_name, const std::vector<std::string>& targets,
              int threads, int multistarts, std::uint64_t seed) {
  std::vector<subscription::job> jobs;
  for (const std::string& name : targets) {
    qs::search_options options;
    options.multistarts = multistarts;
    options.seed = seed;
    jobs.push_back({name, qs::make_target(name), options});
  }
  const auto strategies = subscription::available_strategies();
  const auto found = std::ranges::find_if(
      strategies, [&](const subscription::strategy& s) { return s.name == strategy_name; });
  if (found == strategies.end()) {
    throw std::runtime_error("unknown strategy " + strategy_name);
  }

  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  thread_count_sampler sampler;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<qs::search_result> results = found->run(jobs, threads);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto [peak, sampler_usage] = sampler.stop();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);

  nlohmann::json circuits = nlohmann::json::array();
  long starts = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    starts += results[i].starts;
    circuits.push_back({{"target", jobs[i].name},
                        {"cnots", results[i].shape.two_qubit_count()},
                        {"distance", results[i].distance},
                        {"qasm", qs::to_qasm(results[i].circuit)}});
  }
  const nlohmann::json out{
      {"strategy", strategy_name},
      {"wall", wall},
      {"cpu", seconds(after.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_utime) -
                  seconds(before.ru_stime) - seconds(sampler_usage.ru_utime) -
                  seconds(sampler_usage.ru_stime)},
      {"peak_threads", peak},
      {"voluntary_switches", after.ru_nvcsw - before.ru_nvcsw - sampler_usage.ru_nvcsw},
      {"involuntary_switches", after.ru_nivcsw - before.ru_nivcsw - sampler_usage.ru_nivcsw},
      {"optimizer_starts", starts},
      {"circuits", circuits}};
  fmt::print("{}\n", out.dump());
  return 0;
}

nlohmann::json run_in_child(const std::string& self, const std::string& strategy,
                            const std::string& targets, int threads, int multistarts,
                            std::uint64_t seed) {
  const std::string command = fmt::format("{} --child {} --targets {} --threads {} "
                                          "--multistarts {} --seed {}",
                                          self, strategy, targets, threads, multistarts, seed);
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
  CLI::App app{"Synthesizes the qsearch benchmark list under each parallel strategy"};
  std::string strategies_text;
  std::string targets_text = "all";
  int repeat = 3;
  int threads = static_cast<int>(yt::available_concurrency());
  int multistarts = 16;
  std::uint64_t seed = 0;
  std::string json_file;
  std::string child;
  app.add_option("--strategies", strategies_text,
                 "Comma-separated subset of: serial undersubscribe oversubscribe yieldtasks tbb "
                 "openmp (default: all built)");
  app.add_option("--targets", targets_text, "all (the 8-target list), single (toffoli) or names")
      ->capture_default_str();
  app.add_option("--repeat", repeat, "Rounds; every strategy runs once per round")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--threads", threads, "Threads per strategy")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--multistarts", multistarts, "Optimizer starts per candidate")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "Seed of the searches")->capture_default_str();
  app.add_option("--json", json_file, "Write every run's measurements to this file");
  app.add_option("--child", child, "Internal: run one strategy once in this process");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> targets = targets_text == "all" ? qs::benchmark_targets()
                                     : targets_text == "single"
                                         ? std::vector<std::string>{"toffoli"}
                                         : split(targets_text);
  if (!child.empty()) {
    return run_child(child, targets, threads, multistarts, seed);
  }

  std::vector<std::string> strategies;
  for (const subscription::strategy& s : subscription::available_strategies()) {
    strategies.push_back(s.name);
  }
  if (!strategies_text.empty()) {
    strategies = split(strategies_text);
  }
  std::string target_list;
  for (const std::string& t : targets) {
    target_list += (target_list.empty() ? "" : ",") + t;
  }

  // popen runs a shell, whose /proc/self/exe is the shell: resolve ours first.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::map<std::string, std::vector<nlohmann::json>> runs;
  nlohmann::json reference;
  bool identical = true;
  for (int round = 0; round < repeat; ++round) {
    for (const std::string& s : strategies) {
      nlohmann::json run = run_in_child(self, s, target_list, threads, multistarts, seed);
      fmt::print(stderr, "round {} {:<15} {:.3f} s\n", round + 1, s, run["wall"].get<double>());
      if (reference.is_null()) {
        reference = run["circuits"];
      } else if (run["circuits"] != reference) {
        identical = false;
        fmt::print(stderr, "bench_subscription: {} produced different circuits\n", s);
      }
      runs[s].push_back(std::move(run));
    }
  }

  const auto median_of = [&](const std::string& s, const char* key) {
    std::vector<double> values;
    for (const nlohmann::json& r : runs[s]) {
      values.push_back(r[key].get<double>());
    }
    return yt_bench::median(values);
  };
  const double yt_median = runs.count("yieldtasks") ? median_of("yieldtasks", "wall") : 0;
  fmt::print("{} target(s) [{}], {} multistarts, {} threads, {} rounds (medians)\n", targets.size(),
             target_list, multistarts, threads, repeat);
  fmt::print("{:<15} {:>9} {:>9} {:>9} {:>9} {:>8} {:>11} {:>11} {:>8} {:>8}\n", "strategy",
             "wall s", "min s", "max s", "CPU s", "threads", "vol. cs", "invol. cs", "starts",
             "vs yt");
  for (const std::string& s : strategies) {
    std::vector<double> walls;
    int peak = 0;
    for (const nlohmann::json& r : runs[s]) {
      walls.push_back(r["wall"].get<double>());
      peak = std::max(peak, r["peak_threads"].get<int>());
    }
    fmt::print(
        "{:<15} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>8} {:>11.0f} {:>11.0f} {:>8.0f} {:>8}\n", s,
        yt_bench::median(walls), *std::ranges::min_element(walls), *std::ranges::max_element(walls),
        median_of(s, "cpu"), peak, median_of(s, "voluntary_switches"),
        median_of(s, "involuntary_switches"), median_of(s, "optimizer_starts"),
        yt_median > 0 ? fmt::format("{:.2f}x", yt_bench::median(walls) / yt_median) : "-");
  }
  if (!json_file.empty()) {
    nlohmann::json all;
    for (const auto& [s, list] : runs) {
      all[s] = list;
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
