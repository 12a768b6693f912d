// qsearch: synthesizes a circuit of U3 gates and two-qubit gates (CNOTs, or --gate cz, iswap,
// sqrt_iswap) with the fewest two-qubit gates for a target unitary. Run `qsearch --help`; with no
// arguments it synthesizes the bundled qft3.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <unistd.h>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <yieldtasks/yieldtasks.hpp>
#ifdef QSEARCH_WITH_MPI
#include <yieldtasks/mpi.hpp>
#endif

#include <qsearch/cluster_codec.hpp>
#include <qsearch/optimize.hpp>
#include <qsearch/partition.hpp>
#include <qsearch/printable.hpp>
#include <qsearch/qasm.hpp>
#include <qsearch/search.hpp>
#include <qsearch/targets.hpp>
#include <qsearch/unitary_io.hpp>

namespace {

enum exit_code { success = 0, failure = 1, bad_input = 2, unsolved = 3 };

// The gates of `g` in human output: "7 CNOTs", "7 CZs".
std::string_view plural(qs::two_qubit_gate g) {
  switch (g) {
  case qs::two_qubit_gate::cx:
    return "CNOTs";
  case qs::two_qubit_gate::cz:
    return "CZs";
  case qs::two_qubit_gate::iswap:
    return "iSWAPs";
  case qs::two_qubit_gate::sqrt_iswap:
    return "sqrt-iSWAPs";
  }
  return "two-qubit gates";
}

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
    if (!m_enabled) {
      return;
    }
    const std::scoped_lock lock(m_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last < std::chrono::milliseconds(100)) {
      return;
    }
    m_last = now;
    fmt::print(stderr, "\r\033[K{}", text);
    std::fflush(stderr);
    m_dirty = true;
  }

  void clear() {
    const std::scoped_lock lock(m_mutex);
    if (m_dirty) {
      fmt::print(stderr, "\r\033[K");
    }
    m_dirty = false;
  }

private:
  bool m_enabled;
  std::mutex m_mutex;
  std::chrono::steady_clock::time_point m_last{};
  bool m_dirty = false;
};

// How far the syntheses of a local run are: one search's own progress when there is one
// target, the count of finished targets otherwise.
struct progress_state {
  progress_line& line;
  std::size_t total;
  std::atomic<std::size_t> done{0};
};

yt::task<report> synthesize(job j, progress_state* progress) {
  if (progress != nullptr && progress->total == 1) {
    j.options.progress = [&j, &line = progress->line](const qs::search_progress& p) {
      line.show(fmt::format("{}: {} {}, best d {:.2e}, {} nodes, {:.0f} nodes/s", j.name, p.cnots,
                            plural(j.options.gate), p.best_distance, p.nodes,
                            p.seconds > 0 ? static_cast<double>(p.nodes) / p.seconds : 0.0));
    };
  }
  const int qubits = static_cast<int>(std::lround(std::log2(j.unitary.rows())));
  // g++ 12 destroys a co_await result inside a braced initializer twice: await it first.
  qs::search_result result = co_await qs::synthesize(j.unitary, j.options);
  report r{j.name, qubits, j.options.seed, std::move(result)};
  if (progress != nullptr && progress->total > 1) {
    progress->line.show(fmt::format("{}/{} syntheses done", ++progress->done, progress->total));
  }
  co_return r;
}

// A cluster's syntheses run on every rank; rank 0 has no view of their progress.
yt::task<report> synthesize_job(job j) {
  return synthesize(std::move(j), nullptr);
}

} // namespace

// Registered for the cluster; on a pool or inline they are ordinary functions.
YT_REMOTE(synthesize_job);
YT_REMOTE(qs::resynthesize_block);

namespace {

// `projection`: how far the synthesized unitary lies from the one given (see nearest_unitary).
nlohmann::json to_json(const report& r, double projection) {
  return {{"target", r.name},
          {"qubits", r.qubits},
          {"solved", r.result.solved},
          {"gate", qs::gate_name(r.result.shape.entangler)},
          {"cnots", r.result.shape.two_qubit_count()},
          {"distance", r.result.distance},
          {"seconds", r.result.seconds},
          {"nodes", r.result.nodes},
          {"starts", r.result.starts},
          {"search_cnots", r.result.search_two_qubit_count},
          {"search_seconds", r.result.search_seconds},
          {"seed", r.seed},
          {"projection", projection},
          {"qasm", qs::to_qasm(r.result.circuit)}};
}

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
                 qs::two_qubit_gate gate, double wall_seconds, const std::string& where) {
  fmt::print("{:<10} {:>6} {:>11} {:>10} {:>10} {:>8} {:>8}\n", "target", "qubits", plural(gate),
             "max d", "median s", "nodes", "starts");
  for (const std::string& name : names) {
    std::vector<int> cnots;
    std::vector<double> seconds;
    double worst = 0;
    long nodes = 0;
    long starts = 0;
    int qubits = 0;
    for (const report& r : reports) {
      if (r.name == name) {
        cnots.push_back(r.result.shape.two_qubit_count());
        seconds.push_back(r.result.seconds);
        worst = std::max(worst, r.result.distance);
        nodes += r.result.nodes;
        starts += r.result.starts;
        qubits = r.qubits;
      }
    }
    const auto [lo, hi] = std::ranges::minmax(cnots);
    const std::string cnot_text = lo == hi ? fmt::format("{}", lo) : fmt::format("{}-{}", lo, hi);
    fmt::print("{:<10} {:>6} {:>11} {:>10.1e} {:>10.3f} {:>8} {:>8}\n", name, qubits, cnot_text,
               worst, median(seconds), nodes / static_cast<long>(cnots.size()),
               starts / static_cast<long>(cnots.size()));
  }
  fmt::print("{} syntheses in {:.2f} s wall on {}\n", reports.size(), wall_seconds, where);
}

// What both commands take: how to search, where to run, how to report.
struct run_settings {
  qs::search_options options;
  std::string topology;
  std::size_t threads = 1;
  bool cluster = false;
  std::string journal_file;
  std::optional<std::chrono::milliseconds> rank_timeout;
  bool json = false;
  bool quiet = false;
  std::string trace_file;
};

// The synthesis of targets, checked.
struct command : run_settings {
  std::string target_name = "qft3";
  std::vector<std::string> unitary_files;
  std::vector<std::string> circuit_files;
  int max_unitary_qubits = 6;
  bool little_endian = false;
  bool benchmark = false;
  int repeat = 1;
  bool list = false;
  std::string qasm_file;
};

// `qsearch optimize`: a circuit resynthesized block by block, checked.
struct optimize_command : run_settings {
  std::string input;
  std::string output;
  int block_size = 3;
};

// The shared options as typed, before they are checked.
struct shared_flags {
  std::string threads = std::to_string(yt::available_concurrency());
  std::string seed = "0";
  std::string layer = "4";
  std::string optimizer = "lbfgs";
  std::string gate = "cx";
  std::optional<double> rank_timeout;
};

// CLI::Range alone lets "nan" through: every comparison with NaN is false.
CLI::Validator finite_range(double min, double max) {
  const CLI::Validator not_nan(
      [](std::string& value) {
        return std::isnan(std::strtod(value.c_str(), nullptr)) ? value + " is not a number"
                                                               : std::string{};
      },
      "");
  return CLI::Range(min, max) & not_nan;
}

void add_shared_options(CLI::App& app, run_settings& s, shared_flags& flags,
                        const std::string& work) {
  app.add_option("--threads", flags.threads, "Worker threads; 1 runs everything on this thread")
      ->type_name("UINT")
      ->capture_default_str();
  app.add_option("--multistarts", s.options.multistarts, "Optimizer starts per candidate")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--seed", flags.seed, "Seed of every random start point, 0 to 2^64-1")
      ->type_name("UINT")
      ->capture_default_str();
  app.add_option("--threshold", s.options.threshold,
                 "A circuit solves a unitary when its distance is below this")
      ->capture_default_str()
      ->check(finite_range(1e-15, 1e-2));
  app.add_option("--topology", s.topology, "linear, ring, all, or edges like 0-1,1-2,0-2")
      ->capture_default_str();
  app.add_option("--layer", flags.layer,
                 "Parameters per layer: 4 (Ry then Rz, Ry then Rx) or 5 (XZXZ, U3)")
      ->capture_default_str()
      ->check(CLI::IsMember({"4", "5"}));
  app.add_option("--gate", flags.gate,
                 "The two-qubit gate of the circuit: cx, cz, iswap or sqrt_iswap (the last two "
                 "get gate definitions in the QASM written)")
      ->capture_default_str();
  app.add_option("--optimizer", flags.optimizer, "lbfgs or lm (Levenberg-Marquardt)")
      ->capture_default_str()
      ->check(CLI::IsMember({"lbfgs", "lm"}));
  app.add_option("--beam", s.options.beam, "Nodes expanded at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--min-prefix", s.options.min_prefix_layers,
                 "LEAP: freeze the best prefix when progress slows, at least this many layers "
                 "after the last; 0 never freezes (pure A*)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  app.add_option("--distance-weight", s.options.distance_weight,
                 "A*'s priority: this times the distance plus the two-qubit gate count")
      ->capture_default_str()
      ->check(finite_range(0, 1e6));
  app.add_option("--restarts", s.options.restarts,
                 "From 4 qubits up: independent searches side by side, the fewest two-qubit "
                 "gates kept")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--keep-searching", s.options.keep_searching,
                 "After the first solution, look for a smaller one for this multiple of the "
                 "candidates it took; 0 stops at the first")
      ->capture_default_str()
      ->check(finite_range(0, 1000));
  app.add_flag("!--no-delete", s.options.delete_layers,
               "Skip the pass that removes two-qubit gates from a solution one at a time");
  app.add_flag("--cluster", s.cluster,
               "Spread the " + work +
                   " over the ranks of an MPI job (start qsearch with mpirun); each rank runs "
                   "--threads workers");
  app.add_option("--journal", s.journal_file,
                 "With --cluster: record each finished one of the " + work +
                     " in this file, and take those found there instead of running them again");
  app.add_option("--rank-timeout", flags.rank_timeout,
                 "With --cluster: seconds without a heartbeat after which a rank counts as lost "
                 "and its " +
                     work + " run on the other ranks (default 30)")
      ->type_name("SECONDS")
      ->check(finite_range(0.001, 1e6));
  app.add_flag("--json", s.json, "JSON on stdout");
  app.add_flag("--quiet", s.quiet, "No progress line and no summary on stderr");
  app.add_option("--trace", s.trace_file,
                 "Record what each worker ran and write it to this file as Chrome trace-event "
                 "JSON (Perfetto, chrome://tracing); needs --threads 2 or more, no --cluster")
      ->type_name("FILE");
}

void check_shared_options(run_settings& s, const shared_flags& flags) {
  const std::optional<std::uint64_t> seed = parse_decimal(flags.seed);
  if (!seed) {
    throw qs::input_error(fmt::format("--seed: '{}' is not a decimal integer in [0, {}]",
                                      qs::printable(flags.seed),
                                      std::numeric_limits<std::uint64_t>::max()));
  }
  s.options.seed = *seed;
  // More threads than CPUs only add switches and cache misses to a CPU-bound search.
  const std::size_t max_threads = std::max<std::size_t>(64, 8 * yt::available_concurrency());
  const std::optional<std::uint64_t> threads = parse_decimal(flags.threads);
  if (!threads || *threads == 0 || *threads > max_threads) {
    throw qs::input_error(
        fmt::format("--threads {}: must be 1 to {} (8 per CPU this process may use, and never "
                    "fewer than 64): threads beyond the CPUs only slow the search",
                    qs::printable(flags.threads), max_threads));
  }
  s.threads = static_cast<std::size_t>(*threads);
  s.options.layers = flags.layer == "5" ? qs::layer_kind::five_param : qs::layer_kind::four_param;
  s.options.optimizer =
      flags.optimizer == "lm" ? qs::optimizer_kind::levenberg_marquardt : qs::optimizer_kind::lbfgs;
  try {
    s.options.gate = qs::parse_two_qubit_gate(flags.gate);
  } catch (const qs::input_error& error) {
    throw qs::input_error(fmt::format("--gate: {}", error.what()));
  }
  if (flags.rank_timeout) {
    s.rank_timeout = std::chrono::milliseconds(std::llround(*flags.rank_timeout * 1000));
  }
  if (!s.journal_file.empty() && !s.cluster) {
    throw qs::input_error("--journal needs --cluster");
  }
  if (s.rank_timeout && !s.cluster) {
    throw qs::input_error("--rank-timeout needs --cluster");
  }
  if (!s.trace_file.empty() && (s.cluster || s.threads < 2)) {
    throw qs::input_error("--trace records a thread pool's workers: it needs --threads 2 or more "
                          "and no --cluster");
  }
}

void check_command(const command& c) {
  if (c.benchmark && c.topology != "linear") {
    throw qs::input_error("--benchmark uses the linear topology");
  }
  if (c.benchmark &&
      (!c.unitary_files.empty() || !c.circuit_files.empty() || !c.qasm_file.empty())) {
    throw qs::input_error(
        "--benchmark runs the built-in list; it takes no --unitary, --circuit or --qasm");
  }
  if (!c.unitary_files.empty() && !c.circuit_files.empty()) {
    throw qs::input_error("give targets as --unitary files or as --circuit files, not both");
  }
  if (c.unitary_files.size() + c.circuit_files.size() > 1 && !c.qasm_file.empty()) {
    throw qs::input_error("--qasm takes the circuit of one target; use --json for several");
  }
  if (c.little_endian && c.unitary_files.empty()) {
    throw qs::input_error("--little-endian applies to --unitary files only");
  }
}

// The command, or the exit code when the command line was a request for --help.
std::variant<command, optimize_command, int> parse_command(int argc, char** argv) {
  CLI::App app{"Synthesizes a circuit of U3 gates and two-qubit gates (CNOTs, or those of "
               "--gate) with the fewest two-qubit gates for a target unitary (qubit 0 is the most "
               "significant bit of the basis index); `qsearch optimize` makes an OpenQASM circuit "
               "smaller."};
  command c;
  c.topology = "linear";
  shared_flags flags;
  app.add_option("target", c.target_name, "Built-in target (see --list)")->capture_default_str();
  app.add_option("--unitary", c.unitary_files,
                 "Targets from files: NumPy .npy complex128, or text as numpy.savetxt writes");
  app.add_option("--circuit", c.circuit_files,
                 "Targets from OpenQASM 2.0 circuits (- for stdin): each circuit's unitary is "
                 "synthesized, and the circuit itself is kept when the search's has more two-qubit "
                 "gates (with --gate cx or cz)");
  app.add_option("--max-unitary-qubits", c.max_unitary_qubits,
                 "The widest --circuit whose unitary is synthesized; wider circuits need "
                 "`qsearch optimize`")
      ->capture_default_str()
      ->check(CLI::Range(1, 10));
  app.add_option("--max-cnots", c.options.max_cnots,
                 "Give up on candidates with more two-qubit gates than this")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  app.add_flag("--little-endian", c.little_endian,
               "The --unitary file uses Qiskit's order (qubit 0 least significant)");
  app.add_option("--qasm", c.qasm_file, "Write the OpenQASM 2.0 circuit to this file");
  app.add_flag("--list", c.list, "List the built-in targets");
  app.add_flag("--benchmark", c.benchmark,
               "Synthesize qft2 qft3 fredkin toffoli peres or miro hhl and print a table");
  app.add_option("--repeat", c.repeat, "With --benchmark: runs per target, seeds S, S+1, ...")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  add_shared_options(app, c, flags, "syntheses");

  optimize_command o;
  o.topology = "all";
  shared_flags optimize_flags;
  CLI::App* optimize = app.add_subcommand(
      "optimize", "Makes an OpenQASM 2.0 circuit of any width smaller: partitions it into blocks, "
                  "resynthesizes every block in parallel, keeps a block's new circuit only when "
                  "it has fewer two-qubit gates, and writes the circuit with its final "
                  "measurements (--gate cx or cz)");
  optimize->add_option("circuit", o.input, "The OpenQASM 2.0 circuit (- for stdin)")->required();
  optimize->add_option("-o,--output", o.output, "Write the circuit to this file, not stdout");
  optimize->add_option("--block-size", o.block_size, "Qubits per block, 2 to 4")
      ->capture_default_str();
  add_shared_options(*optimize, o, optimize_flags, "blocks");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    throw qs::input_error(error.what());
  }
  if (optimize->parsed()) {
    check_shared_options(o, optimize_flags);
    if (o.block_size < 2 || o.block_size > 4) {
      throw qs::input_error(fmt::format("--block-size {}: must be 2, 3 or 4 qubits", o.block_size));
    }
    return o;
  }
  check_shared_options(c, flags);
  check_command(c);
  return c;
}

// The syntheses a command asks for, and what the report needs to know about them.
struct job_list {
  std::vector<job> jobs;
  // Per job: the largest entry change from projecting the given matrix onto its nearest unitary.
  std::vector<double> projections;
  // Notes for stderr, printed only by the process that reports (rank 0 of a cluster).
  std::vector<std::string> notes;
  // --benchmark: the targets in table order.
  std::vector<std::string> names;
  // --circuit: each job's input program; empty for other targets.
  std::vector<std::optional<qs::qasm_program>> inputs;
  // --circuit with --gate cx or cz: the input's circuit in that gate, kept when the search finds
  // nothing shorter; empty otherwise, as a CX has no one-for-one iSWAP or sqrt-iSWAP form.
  std::vector<std::optional<qs::circuit_gates>> fallbacks;
};

job_list build_jobs(const command& c) {
  job_list list;
  const auto add = [&](std::string name, qs::matrix unitary, std::uint64_t seed,
                       double projection) {
    job j{std::move(name), std::move(unitary), c.options};
    j.options.seed = seed;
    if (!c.benchmark) {
      j.options.topology = qs::parse_topology(
          c.topology, static_cast<int>(std::lround(std::log2(j.unitary.rows()))));
    }
    list.jobs.push_back(std::move(j));
    list.projections.push_back(projection);
    list.inputs.emplace_back();
    list.fallbacks.emplace_back();
  };
  if (c.benchmark) {
    for (const std::string& name : qs::benchmark_targets()) {
      list.names.push_back(name);
      for (int r = 0; r < c.repeat; ++r) {
        add(name, qs::make_target(name), c.options.seed + static_cast<unsigned>(r), 0.0);
      }
    }
  } else if (!c.unitary_files.empty()) {
    for (const std::string& file : c.unitary_files) {
      // A matrix unitary only within 1e-8 may lie farther from every circuit than the 1e-10 that
      // counts as solved, and d against it can be negative: synthesize its nearest unitary.
      const qs::matrix given = qs::read_unitary(file);
      qs::matrix u = qs::nearest_unitary(given);
      const double projection = (u - given).cwiseAbs().maxCoeff();
      if (projection > 1e-12 && !c.quiet) {
        list.notes.push_back(
            fmt::format("{}: not exactly unitary (max |U^dagger U - I| = {:.2g}); synthesizing its "
                        "nearest unitary, which differs by at most {:.2g} per entry",
                        file, qs::unitarity_error(given), projection));
      }
      if (c.little_endian) {
        u = qs::reverse_qubit_order(u);
      }
      add(std::filesystem::path(file).stem().string(), std::move(u), c.options.seed, projection);
    }
  } else if (!c.circuit_files.empty()) {
    for (const std::string& file : c.circuit_files) {
      qs::qasm_program program = qs::read_qasm_file(file);
      if (program.circuit.gates.empty()) {
        throw qs::input_error(fmt::format("{}: the circuit has no gates", file));
      }
      if (program.circuit.qubits > c.max_unitary_qubits) {
        throw qs::input_error(fmt::format(
            "{}: {} qubits are too many to synthesize the circuit's unitary (--max-unitary-qubits "
            "{}); `qsearch optimize {}` resynthesizes it block by block",
            file, program.circuit.qubits, c.max_unitary_qubits, file));
      }
      add(file == "-" ? std::string("stdin") : std::filesystem::path(file).stem().string(),
          qs::circuit_unitary(program.circuit), c.options.seed, 0.0);
      // Only a circuit with fewer two-qubit gates than the input's is of use: deeper candidates
      // are not searched. With iSWAPs or sqrt-iSWAPs the counts are not comparable.
      list.fallbacks.back() = qs::rewrite_two_qubit_gates(program.circuit, c.options.gate);
      if (const std::optional<qs::circuit_gates>& fallback = list.fallbacks.back()) {
        qs::search_options& options = list.jobs.back().options;
        options.max_cnots =
            std::min(options.max_cnots, std::max(0, qs::two_qubit_count(*fallback) - 1));
      }
      list.inputs.back() = std::move(program);
    }
  } else {
    add(c.target_name, qs::make_target(c.target_name), c.options.seed, 0.0);
  }
  return list;
}

// Output files are opened before the work, so that an unwritable path fails at once.
void open_output(std::ofstream& out, const std::string& path) {
  out.open(path);
  if (!out) {
    throw qs::input_error(fmt::format("{}: cannot write the circuit: {}", path,
                                      std::generic_category().message(errno)));
  }
}

void write_output(std::ofstream& out, const std::string& path, const std::string& text) {
  out << text;
  if (!out.flush()) {
    throw qs::input_error(fmt::format("{}: cannot write the circuit: {}", path,
                                      std::generic_category().message(errno)));
  }
}

#ifdef QSEARCH_WITH_MPI
template <class Executor> constexpr bool is_cluster = std::is_same_v<Executor, yt::mpi_cluster>;
#else
template <class Executor> constexpr bool is_cluster = false;
#endif

// Runs `work(executor)` on the executor the settings name: the ranks of an MPI job, a pool, or
// this thread. `before_work` runs first, on the process that reports (rank 0 of a cluster).
// Returns where it ran, for the summary.
template <class BeforeWork, class Work>
std::string run_on_executor(const run_settings& s, int argc, char** argv, BeforeWork before_work,
                            Work work) {
  std::string threads = fmt::format("{} thread{}", s.threads, s.threads == 1 ? "" : "s");
  if (s.cluster) {
#ifdef QSEARCH_WITH_MPI
    yt::cluster_options options{.threads = s.threads, .journal = s.journal_file};
    if (s.rank_timeout) {
      options.rank_timeout = *s.rank_timeout;
    }
    // On ranks other than 0 this serves the work until rank 0 is done, then exits.
    yt::mpi_cluster executor(argc, argv, options);
    before_work();
    work(executor);
    return fmt::format("{} ranks of {}", executor.ranks(), threads);
#else
    (void)argc;
    (void)argv;
    throw qs::input_error("this qsearch was built without MPI, so --cluster is not available");
#endif
  }
  before_work();
  if (s.threads == 1) {
    yt::inline_executor serial;
    work(serial);
  } else {
    yt::thread_pool pool(s.threads);
    std::optional<yt::trace_recorder> trace;
    if (!s.trace_file.empty()) {
      trace.emplace(pool);
    }
    work(pool);
    if (trace) {
      trace->write_json(s.trace_file);
    }
  }
  return threads;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What a run produced, and where it ran.
struct run_result {
  std::vector<report> reports;
  double wall_seconds = 0;
  std::string where;
};

template <class BeforeWork>
run_result run_jobs(const command& c, const std::vector<job>& jobs, int argc, char** argv,
                    progress_line& progress, BeforeWork before_work) {
  run_result run;
  const auto start = std::chrono::steady_clock::now();
  progress_state state{progress, jobs.size()};
  run.where = run_on_executor(c, argc, argv, before_work, [&](auto& executor) {
    if constexpr (is_cluster<std::remove_reference_t<decltype(executor)>>) {
      run.reports = executor.map(synthesize_job, jobs);
    } else {
      run.reports =
          executor.map([&state](job j) { return synthesize(std::move(j), &state); }, jobs);
    }
  });
  run.wall_seconds = seconds_since(start);
  return run;
}

// Never worse than the input: where the search found no circuit for a --circuit target with
// fewer two-qubit gates than the input circuit (its depth is capped there), the input in U3 and
// the gate of --gate takes its place, and the user is told.
void keep_better_inputs(const command& c, const job_list& list, run_result& run) {
  for (std::size_t i = 0; i < run.reports.size(); ++i) {
    if (!list.fallbacks[i]) {
      continue;
    }
    qs::search_result& result = run.reports[i].result;
    const int input_cnots = qs::two_qubit_count(*list.fallbacks[i]);
    if (result.shape.two_qubit_count() <= input_cnots && result.solved) {
      continue;
    }
    if (!c.quiet) {
      fmt::print(stderr,
                 "{}: no circuit with fewer {} than the input's {} found: keeping the input\n",
                 run.reports[i].name, plural(c.options.gate), input_cnots);
    }
    result.circuit = qs::merge_single_qubit_gates(*list.fallbacks[i]);
    result.shape = qs::structure{result.circuit.qubits, result.shape.kind, {}, c.options.gate};
    for (const qs::gate& g : result.circuit.gates) {
      if (g.is_two_qubit()) {
        result.shape.layers.push_back({g.qubit, g.target});
      }
    }
    result.distance = qs::distance(list.jobs[i].unitary, qs::circuit_unitary(result.circuit));
    result.solved = true;
  }
}

// The circuit as emitted: with --circuit, followed by the input's final measurements.
std::string emitted_qasm(const job_list& list, std::size_t i, const qs::circuit_gates& circuit) {
  if (!list.inputs[i]) {
    return qs::to_qasm(circuit);
  }
  qs::qasm_program program = *list.inputs[i];
  program.circuit = circuit;
  return qs::to_qasm(program);
}

// Prints the circuits or the table, writes --qasm, and says whether every search succeeded.
int report_results(const command& c, const job_list& list, const run_result& run,
                   std::ofstream& qasm_out) {
  if (c.json) {
    for (std::size_t i = 0; i < run.reports.size(); ++i) {
      nlohmann::json object = to_json(run.reports[i], list.projections[i]);
      object["qasm"] = emitted_qasm(list, i, run.reports[i].result.circuit);
      if (list.inputs[i]) {
        object["input_cnots"] = qs::two_qubit_count(list.inputs[i]->circuit);
      }
      fmt::print("{}\n", object.dump());
    }
  } else if (c.benchmark) {
    print_table(run.reports, list.names, c.options.gate, run.wall_seconds, run.where);
  } else if (c.qasm_file.empty()) {
    for (std::size_t i = 0; i < run.reports.size(); ++i) {
      if (run.reports.size() > 1) {
        fmt::print("// {}\n", run.reports[i].name);
      }
      fmt::print("{}", emitted_qasm(list, i, run.reports[i].result.circuit));
    }
  }
  if (qasm_out.is_open()) {
    write_output(qasm_out, c.qasm_file, emitted_qasm(list, 0, run.reports.front().result.circuit));
  }
  bool all_solved = true;
  for (const report& r : run.reports) {
    all_solved = all_solved && r.result.solved;
    if (!c.quiet && !c.benchmark) {
      fmt::print(stderr, "{}: {} {}, d = {:.1e}, {:.3f} s, {} candidates, {} starts{}\n", r.name,
                 r.result.shape.two_qubit_count(), plural(r.result.shape.entangler),
                 r.result.distance, r.result.seconds, r.result.nodes, r.result.starts,
                 r.result.solved ? "" : " (NOT SOLVED: limit reached)");
    }
  }
  return all_solved ? success : unsolved;
}

yt::task<qs::block_outcome> resynthesize(qs::block_job job, progress_state& progress) {
  qs::block_outcome outcome = co_await qs::resynthesize_block(std::move(job));
  progress.line.show(fmt::format("{}/{} blocks done", ++progress.done, progress.total));
  co_return outcome;
}

std::string kept_reason_name(qs::kept_reason reason, qs::two_qubit_gate gate) {
  switch (reason) {
  case qs::kept_reason::none:
    return "replaced";
  case qs::kept_reason::no_cnots:
    return fmt::format("no {}", plural(gate));
  case qs::kept_reason::disconnected:
    return "qubits not connected";
  case qs::kept_reason::not_improved:
    return "not improved";
  }
  return "";
}

// Circuits up to this width get the exact distance between input and output, by simulation.
constexpr int max_checked_qubits = 12;

int run_optimize(const optimize_command& o, int argc, char** argv) {
  const qs::qasm_program program = qs::read_qasm_file(o.input);
  const qs::circuit_gates& input = program.circuit;
  if (input.gates.empty()) {
    throw qs::input_error(fmt::format("{}: the circuit has no gates", o.input));
  }
  qs::optimize_options options{o.block_size, o.options, {}};
  if (o.topology != "all") {
    options.topology = qs::parse_topology(o.topology, input.qubits);
  }
  const std::vector<qs::block_job> jobs = qs::make_block_jobs(input, options);

  std::ofstream output;
  const auto before_work = [&] {
    if (!o.output.empty()) {
      open_output(output, o.output);
    }
  };
  progress_line progress(!o.quiet && isatty(STDERR_FILENO));
  progress_state state{progress, jobs.size()};
  qs::optimize_result result;
  std::optional<double> distance;
  const auto start = std::chrono::steady_clock::now();
  const std::string where = run_on_executor(o, argc, argv, before_work, [&](auto& executor) {
    std::vector<qs::block_outcome> outcomes;
    if constexpr (is_cluster<std::remove_reference_t<decltype(executor)>>) {
      outcomes = executor.map(qs::resynthesize_block, jobs);
    } else {
      outcomes = executor.map(
          [&state](qs::block_job j) { return resynthesize(std::move(j), state); }, jobs);
    }
    result = qs::combine_outcomes(input.qubits, std::move(outcomes));
    if (input.qubits <= max_checked_qubits) {
      distance = executor.sync_wait(qs::circuit_distance(input, result.circuit));
    }
  });
  const double seconds = seconds_since(start);
  progress.clear();

  qs::qasm_program optimized = program;
  optimized.circuit = result.circuit;
  const std::string qasm = qs::to_qasm(optimized);
  const auto improved = std::ranges::count(result.blocks, true, &qs::block_report::replaced);
  const double reduction =
      result.cnots_before == 0
          ? 0.0
          : 1.0 - static_cast<double>(result.cnots_after) / result.cnots_before;
  if (o.json) {
    nlohmann::json blocks = nlohmann::json::array();
    for (const qs::block_report& b : result.blocks) {
      blocks.push_back({{"qubits", b.qubits},
                        {"cnots_before", b.cnots_before},
                        {"cnots_after", b.cnots_after},
                        {"replaced", b.replaced},
                        {"kept", b.replaced ? "" : kept_reason_name(b.reason, o.options.gate)},
                        {"distance", b.distance},
                        {"seconds", b.seconds},
                        {"nodes", b.nodes}});
    }
    const nlohmann::json report = {
        {"circuit", o.input},
        {"gate", qs::gate_name(o.options.gate)},
        {"qubits", input.qubits},
        {"cnots_before", result.cnots_before},
        {"cnots_after", result.cnots_after},
        {"reduction", reduction},
        {"blocks_improved", improved},
        {"blocks", blocks},
        {"distance_bound", result.distance_bound},
        {"distance", distance ? nlohmann::json(*distance) : nlohmann::json(nullptr)},
        {"seconds", seconds},
        {"where", where},
        {"qasm", qasm}};
    fmt::print("{}\n", report.dump());
  } else if (o.output.empty()) {
    fmt::print("{}", qasm);
  }
  if (output.is_open()) {
    write_output(output, o.output, qasm);
  }
  if (!o.quiet) {
    fmt::print(stderr,
               "{}: {} -> {} {} ({:.1f}% fewer), {} of {} blocks improved, distance bound "
               "{:.1e}{}, {:.2f} s on {}\n",
               o.input, result.cnots_before, result.cnots_after, plural(o.options.gate),
               100 * reduction, improved, result.blocks.size(), result.distance_bound,
               distance ? fmt::format(", exact distance {:.1e}", *distance)
                        : fmt::format(" (no exact distance above {} qubits)", max_checked_qubits),
               seconds, where);
  }
  return success;
}

int run_command(int argc, char** argv) {
  const std::variant<command, optimize_command, int> parsed = parse_command(argc, argv);
  if (const int* exit_now = std::get_if<int>(&parsed)) {
    return *exit_now;
  }
  if (const optimize_command* o = std::get_if<optimize_command>(&parsed)) {
    return run_optimize(*o, argc, argv);
  }
  const command& c = std::get<command>(parsed);
  if (c.list) {
    for (const qs::target_info& t : qs::list_targets()) {
      fmt::print("{:<13} {} qubits  {}\n", t.name, t.qubits, t.description);
    }
    fmt::print("{:<13} Q qubits  a random circuit of K CNOTs on the linear chain, seed S: at "
               "most K needed (e.g. planted_3_5_7)\n",
               "planted_Q_K_S");
    return success;
  }
  const job_list list = build_jobs(c);
  std::ofstream qasm_out;
  const auto before_work = [&] {
    for (const std::string& note : list.notes) {
      fmt::print(stderr, "{}\n", note);
    }
    if (!c.qasm_file.empty()) {
      open_output(qasm_out, c.qasm_file);
    }
  };
  progress_line progress(!c.quiet && isatty(STDERR_FILENO));
  run_result run = run_jobs(c, list.jobs, argc, argv, progress, before_work);
  progress.clear();
  keep_better_inputs(c, list, run);
  return report_results(c, list, run, qasm_out);
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
