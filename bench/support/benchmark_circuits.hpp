#pragma once

// The optimizer's benchmark circuits (examples/qsearch/data/circuits, written by
// qsearch_make_circuits), found by name: shared by `bench_qsearch optimize` and
// `bench_subscription --workload optimize`, whose CMake target defines YT_BENCH_CIRCUITS_DIR.

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include <qsearch/input_error.hpp>
#include <qsearch/qasm.hpp>

#ifndef YT_BENCH_CIRCUITS_DIR
#error "YT_BENCH_CIRCUITS_DIR must name examples/qsearch/data/circuits"
#endif

namespace yt_bench {

/// Returns the comma-separated parts of `text`, empty parts left out.
inline std::vector<std::string> split_list(const std::string& text) {
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

/// Returns `names` joined by commas.
inline std::string join_list(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty()) {
      text.append(",");
    }
    text.append(name);
  }
  return text;
}

/// Returns the names of the benchmark circuits (file names without `.qasm`), ordered by family
/// and then by size: adder_4 before adder_8, ising_8 before ising_30.
inline std::vector<std::string> benchmark_circuit_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(YT_BENCH_CIRCUITS_DIR)) {
    if (entry.path().extension() == ".qasm") {
      names.push_back(entry.path().stem().string());
    }
  }
  const auto key = [](const std::string& name) {
    const std::size_t underscore = name.rfind('_');
    const std::string size = underscore == std::string::npos ? "" : name.substr(underscore + 1);
    return std::tuple(name.substr(0, underscore), size.size(), size);
  };
  std::ranges::sort(names, {}, key);
  return names;
}

/// Returns the circuits `text` names: `all`, or a comma-separated list of benchmark circuit names.
///
/// **Exceptions.** `qs::input_error` naming an unknown circuit and the known ones.
inline std::vector<std::string> select_circuits(const std::string& text) {
  const std::vector<std::string> known = benchmark_circuit_names();
  if (text == "all") {
    return known;
  }
  std::vector<std::string> names = split_list(text);
  for (const std::string& name : names) {
    if (std::ranges::find(known, name) == known.end()) {
      throw qs::input_error(fmt::format("unknown circuit '{}'; the benchmark circuits are {}", name,
                                        join_list(known)));
    }
  }
  return names;
}

/// Reads the benchmark circuit `name`.
///
/// **Exceptions.** As `qs::read_qasm_file`.
inline qs::qasm_program read_benchmark_circuit(const std::string& name) {
  return qs::read_qasm_file(std::string(YT_BENCH_CIRCUITS_DIR "/").append(name).append(".qasm"));
}

} // namespace yt_bench
