// qsearch: synthesizes a circuit of U3 gates and CNOTs with the fewest CNOTs for a target
// unitary. Run `qsearch --help`; with no arguments it synthesizes the bundled qft3.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <yieldtasks/yieldtasks.hpp>
#ifdef QSEARCH_WITH_MPI
#include <yieldtasks/mpi.hpp>
#endif

#include <qsearch/printable.hpp>
#include <qsearch/qasm.hpp>
#include <qsearch/search.hpp>
#include <qsearch/targets.hpp>
#include <qsearch/unitary_io.hpp>
#include <qsearch/wire.hpp>

namespace {

enum exit_code { success = 0, failure = 1, bad_input = 2, unsolved = 3 };

// One synthesis; a job and its report cross ranks when qsearch runs on a cluster.
struct job {
  std::string name;
  qs::matrix unitary;
  qs::search_options options;
};

struct report {
  std::string name;
  int qubits = 0;
  std::uint64_t seed = 0;
  qs::search_result result;
};

auto codec_fields(job& j) {
  return std::tie(j.name, j.unitary, j.options);
}

auto codec_fields(report& r) {
  return std::tie(r.name, r.qubits, r.seed, r.result);
}

// One status line on stderr, rewritten in place; only for a terminal and without --quiet.
class progress_line {
public:
  explicit progress_line(bool enabled) : m_enabled(enabled) {}

  void show(const std::string& text) {
    if (!m_enabled)
      return;
    const std::scoped_lock lock(m_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last < std::chrono::milliseconds(100))
      return;
    m_last = now;
    fmt::print(stderr, "\r\033[K{}", text);
    std::fflush(stderr);
    m_dirty = true;
  }

  void clear() {
    const std::scoped_lock lock(m_mutex);
    if (m_dirty)
      fmt::print(stderr, "\r\033[K");
    m_dirty = false;
  }

private:
  bool m_enabled;
  std::mutex m_mutex;
  std::chrono::steady_clock::time_point m_last{};
  bool m_dirty = false;
};

// `projection`: how far the synthesized unitary lies from the one given (see nearest_unitary).
nlohmann::json to_json(const report& r, double projection) {
  return {{"target", r.name},
          {"qubits", r.qubits},
          {"solved", r.result.solved},
          {"cnots", r.result.shape.cnot_count()},
          {"distance", r.result.distance},
          {"seconds", r.result.seconds},
          {"nodes", r.result.nodes},
          {"starts", r.result.starts},
          {"seed", r.seed},
          {"projection", projection},
          {"qasm", qs::to_qasm(r.result.circuit)}};
}

// The progress line of this process, and how many of its syntheses are done; set on the process
// that prints (rank 0 of a cluster), null on the others.
progress_line* g_progress = nullptr;
std::atomic<int> g_done{0};
std::size_t g_total = 0;

yt::task<report> synthesize_job(job j) {
  if (g_progress != nullptr && g_total == 1) {
    j.options.progress = [&j](const qs::search_progress& p) {
      g_progress->show(fmt::format("{}: {} CNOTs, best d {:.2e}, {} nodes, {:.0f} nodes/s", j.name,
                                   p.cnots, p.best_distance, p.nodes,
                                   p.seconds > 0 ? p.nodes / p.seconds : 0.0));
    };
  }
  const int qubits = static_cast<int>(std::lround(std::log2(j.unitary.rows())));
  // g++ 12 destroys a co_await result inside a braced initializer twice: await it first.
  qs::search_result result = co_await qs::synthesize(j.unitary, j.options);
  report r{j.name, qubits, j.options.seed, std::move(result)};
  if (g_progress != nullptr && g_total > 1)
    g_progress->show(fmt::format("{}/{} syntheses done", ++g_done, g_total));
  co_return r;
}

} // namespace

// Registered for the cluster; on a pool or inline it is an ordinary function.
YT_REMOTE(synthesize_job);

namespace {

// A decimal integer option read exactly: CLI11 wraps -1 to 2^64-1 and clamps 1e23 to it.
std::optional<std::uint64_t> parse_decimal(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

double median(std::vector<double> values) {
  std::ranges::sort(values);
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void print_table(const std::vector<report>& reports, const std::vector<std::string>& names,
                 double wall_seconds, const std::string& where) {
  fmt::print("{:<10} {:>6} {:>10} {:>10} {:>10} {:>8} {:>8}\n", "target", "qubits", "CNOTs",
             "max d", "median s", "nodes", "starts");
  for (const std::string& name : names) {
    std::vector<int> cnots;
    std::vector<double> seconds;
    double worst = 0;
    long nodes = 0;
    long starts = 0;
    int qubits = 0;
    for (const report& r : reports)
      if (r.name == name) {
        cnots.push_back(r.result.shape.cnot_count());
        seconds.push_back(r.result.seconds);
        worst = std::max(worst, r.result.distance);
        nodes += r.result.nodes;
        starts += r.result.starts;
        qubits = r.qubits;
      }
    const auto [lo, hi] = std::ranges::minmax(cnots);
    const std::string cnot_text = lo == hi ? fmt::format("{}", lo) : fmt::format("{}-{}", lo, hi);
    fmt::print("{:<10} {:>6} {:>10} {:>10.1e} {:>10.3f} {:>8} {:>8}\n", name, qubits, cnot_text,
               worst, median(seconds), nodes / static_cast<long>(cnots.size()),
               starts / static_cast<long>(cnots.size()));
  }
  fmt::print("{} syntheses in {:.2f} s wall on {}\n", reports.size(), wall_seconds, where);
}

int run_command(int argc, char** argv) {
  CLI::App app{"Synthesizes a circuit of U3 gates and CNOTs with the fewest CNOTs for a target "
               "unitary (qubit 0 is the most significant bit of the basis index)."};
  std::string target_name = "qft3";
  std::vector<std::string> unitary_files;
  bool cluster = false;
  std::string journal_file;
  std::optional<double> rank_timeout;
  std::string threads_text = std::to_string(yt::available_concurrency());
  std::string seed = "0";
  qs::search_options options;
  std::string topology = "linear";
  std::string layer = "4";
  std::string optimizer = "lbfgs";
  std::string qasm_file;
  bool little_endian = false;
  bool json = false;
  bool quiet = false;
  bool list = false;
  bool benchmark = false;
  int repeat = 1;

  app.add_option("target", target_name, "Built-in target (see --list)")->capture_default_str();
  app.add_option("--unitary", unitary_files,
                 "Targets from files: NumPy .npy complex128, or text as numpy.savetxt writes");
  app.add_flag("--cluster", cluster,
               "Spread the targets over the ranks of an MPI job (start qsearch with mpirun); "
               "each rank runs --threads workers");
  app.add_option("--journal", journal_file,
                 "With --cluster: record each finished synthesis in this file, and take those "
                 "found there instead of running them again");
  app.add_option("--rank-timeout", rank_timeout,
                 "With --cluster: seconds without a heartbeat after which a rank counts as lost "
                 "and its syntheses run on the other ranks (default 30)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.001, 1e6));
  app.add_option("--threads", threads_text, "Worker threads; 1 runs everything on this thread")
      ->type_name("UINT")
      ->capture_default_str();
  app.add_option("--multistarts", options.multistarts, "Optimizer starts per candidate")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "Seed of every random start point, 0 to 2^64-1")
      ->type_name("UINT")
      ->capture_default_str();
  app.add_option("--topology", topology, "linear, ring, all, or edges like 0-1,1-2,0-2")
      ->capture_default_str();
  app.add_option("--layer", layer,
                 "Parameters per layer: 4 (Ry then Rz, Ry then Rx) or 5 (XZXZ, U3)")
      ->capture_default_str()
      ->check(CLI::IsMember({"4", "5"}));
  app.add_option("--optimizer", optimizer, "lbfgs or lm (Levenberg-Marquardt)")
      ->capture_default_str()
      ->check(CLI::IsMember({"lbfgs", "lm"}));
  app.add_option("--beam", options.beam, "Nodes expanded at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--max-cnots", options.max_cnots, "Give up on candidates deeper than this")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  app.add_flag("--little-endian", little_endian,
               "The --unitary file uses Qiskit's order (qubit 0 least significant)");
  app.add_option("--qasm", qasm_file, "Write the OpenQASM 2.0 circuit to this file");
  app.add_flag("--json", json, "One JSON object per target on stdout");
  app.add_flag("--quiet", quiet, "No progress line and no summary on stderr");
  app.add_flag("--list", list, "List the built-in targets");
  app.add_flag("--benchmark", benchmark,
               "Synthesize qft2 qft3 fredkin toffoli peres or miro hhl and print a table");
  app.add_option("--repeat", repeat, "With --benchmark: runs per target, seeds S, S+1, ...")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    throw qs::input_error(error.what());
  }

  if (list) {
    for (const qs::target_info& t : qs::list_targets())
      fmt::print("{:<10} {} qubits  {}\n", t.name, t.qubits, t.description);
    return success;
  }
  const std::optional<std::uint64_t> seed_value = parse_decimal(seed);
  if (!seed_value) {
    throw qs::input_error(fmt::format("--seed: '{}' is not a decimal integer in [0, {}]",
                                      qs::printable(seed),
                                      std::numeric_limits<std::uint64_t>::max()));
  }
  options.seed = *seed_value;
  // More threads than CPUs only add switches and cache misses to a CPU-bound search.
  const std::size_t max_threads = std::max<std::size_t>(64, 8 * yt::available_concurrency());
  const std::optional<std::uint64_t> threads_value = parse_decimal(threads_text);
  if (!threads_value || *threads_value == 0 || *threads_value > max_threads) {
    throw qs::input_error(
        fmt::format("--threads {}: must be 1 to {} (8 per CPU this process may use, and never "
                    "fewer than 64): threads beyond the CPUs only slow the search",
                    qs::printable(threads_text), max_threads));
  }
  const auto threads = static_cast<std::size_t>(*threads_value);
  options.layers = layer == "5" ? qs::layer_kind::five_param : qs::layer_kind::four_param;
  options.optimizer =
      optimizer == "lm" ? qs::optimizer_kind::levenberg_marquardt : qs::optimizer_kind::lbfgs;

  if (!journal_file.empty() && !cluster)
    throw qs::input_error("--journal needs --cluster");
  if (rank_timeout && !cluster) {
    throw qs::input_error("--rank-timeout needs --cluster");
  }
  if (benchmark && topology != "linear")
    throw qs::input_error("--benchmark uses the linear topology");
  const auto make_job = [&](std::string name, qs::matrix unitary, std::uint64_t seed) {
    job j{std::move(name), std::move(unitary), options};
    j.options.seed = seed;
    if (!benchmark)
      j.options.topology =
          qs::parse_topology(topology, static_cast<int>(std::lround(std::log2(j.unitary.rows()))));
    return j;
  };
  std::vector<job> jobs;
  // Per job: the largest entry change from projecting the given matrix onto the nearest unitary.
  std::vector<double> projections;
  std::vector<std::string> notes;
  std::vector<std::string> names;
  if (benchmark) {
    if (!unitary_files.empty() || !qasm_file.empty())
      throw qs::input_error("--benchmark runs the built-in list; it takes no --unitary or --qasm");
    for (const std::string& name : qs::benchmark_targets()) {
      names.push_back(name);
      for (int r = 0; r < repeat; ++r)
        jobs.push_back(
            make_job(name, qs::make_target(name), options.seed + static_cast<unsigned>(r)));
    }
  } else if (!unitary_files.empty()) {
    if (unitary_files.size() > 1 && !qasm_file.empty())
      throw qs::input_error("--qasm takes the circuit of one target; use --json for several");
    for (const std::string& file : unitary_files) {
      // A matrix unitary only within 1e-8 may lie farther from every circuit than the 1e-10 that
      // counts as solved, and d against it can be negative: synthesize its nearest unitary.
      const qs::matrix given = qs::read_unitary(file);
      qs::matrix u = qs::nearest_unitary(given);
      const double projection = (u - given).cwiseAbs().maxCoeff();
      if (projection > 1e-12 && !quiet) {
        notes.push_back(
            fmt::format("{}: not exactly unitary (max |U^dagger U - I| = {:.2g}); synthesizing its "
                        "nearest unitary, which differs by at most {:.2g} per entry",
                        file, qs::unitarity_error(given), projection));
      }
      if (little_endian) {
        u = qs::reverse_qubit_order(u);
      }
      jobs.push_back(
          make_job(std::filesystem::path(file).stem().string(), std::move(u), options.seed));
      projections.push_back(projection);
    }
  } else {
    if (little_endian)
      throw qs::input_error("--little-endian applies to --unitary files only");
    jobs.push_back(make_job(target_name, qs::make_target(target_name), options.seed));
  }

  projections.resize(jobs.size(), 0.0);
  // Runs on the process that reports (rank 0 of a cluster) just before the syntheses: the
  // --qasm file is opened then, so that an unwritable path fails at once, not after the work.
  std::ofstream qasm_out;
  const auto before_synthesis = [&] {
    for (const std::string& note : notes) {
      fmt::print(stderr, "{}\n", note);
    }
    if (!qasm_file.empty()) {
      qasm_out.open(qasm_file);
      if (!qasm_out) {
        throw qs::input_error(
            fmt::format("{}: cannot write the circuit: {}", qasm_file, std::strerror(errno)));
      }
    }
  };

  progress_line progress(!quiet && isatty(STDERR_FILENO));
  g_progress = &progress;
  g_total = jobs.size();
  const auto wall_start = std::chrono::steady_clock::now();
  std::vector<report> reports;
  std::string where = fmt::format("{} thread{}", threads, threads == 1 ? "" : "s");
  if (cluster) {
#ifdef QSEARCH_WITH_MPI
    // On ranks other than 0 this serves syntheses until rank 0 is done, then exits.
    yt::cluster_options cluster_options{.threads = threads, .journal = journal_file};
    if (rank_timeout) {
      cluster_options.rank_timeout = std::chrono::milliseconds(std::llround(*rank_timeout * 1000));
    }
    yt::mpi_cluster executor(argc, argv, cluster_options);
    before_synthesis();
    reports = executor.map(synthesize_job, jobs);
    where = fmt::format("{} ranks of {}", executor.ranks(), where);
#else
    throw qs::input_error("this qsearch was built without MPI, so --cluster is not available");
#endif
  } else if (threads == 1) {
    before_synthesis();
    yt::inline_executor serial;
    reports = serial.map(synthesize_job, jobs);
  } else {
    before_synthesis();
    yt::thread_pool pool(threads);
    reports = pool.map(synthesize_job, jobs);
  }
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  progress.clear();

  if (json) {
    for (std::size_t i = 0; i < reports.size(); ++i) {
      fmt::print("{}\n", to_json(reports[i], projections[i]).dump());
    }
  } else if (benchmark) {
    print_table(reports, names, wall_seconds, where);
  } else if (qasm_file.empty()) {
    for (const report& r : reports) {
      if (reports.size() > 1)
        fmt::print("// {}\n", r.name);
      fmt::print("{}", qs::to_qasm(r.result.circuit));
    }
  }
  if (qasm_out.is_open()) {
    qasm_out << qs::to_qasm(reports.front().result.circuit);
    if (!qasm_out.flush()) {
      throw qs::input_error(
          fmt::format("{}: cannot write the circuit: {}", qasm_file, std::strerror(errno)));
    }
  }
  bool all_solved = true;
  for (const report& r : reports) {
    all_solved = all_solved && r.result.solved;
    if (!quiet && !benchmark)
      fmt::print(stderr, "{}: {} CNOTs, d = {:.1e}, {:.3f} s, {} candidates, {} starts{}\n", r.name,
                 r.result.shape.cnot_count(), r.result.distance, r.result.seconds, r.result.nodes,
                 r.result.starts, r.result.solved ? "" : " (NOT SOLVED: limit reached)");
  }
  return all_solved ? success : unsolved;
}

} // namespace

int main(int argc, char** argv) {
  try {
    return run_command(argc, argv);
  } catch (const yt::cluster_error& error) {
    // Rank 0 has reported it: the MPI launcher may end it before we could. A journal that cannot
    // be used is bad input.
    return error.failure() == yt::cluster_failure::journal ? bad_input : failure;

  } catch (const qs::input_error& error) {
    fmt::print(stderr, "qsearch: {}\n", error.what());
    return bad_input;
  } catch (const std::exception& error) {
    fmt::print(stderr, "qsearch: internal error: {}\n", error.what());
    return failure;
  }
}
