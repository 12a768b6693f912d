#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <support/polar_factor.hpp>
#include <support/temp_dir.hpp>

#include <yieldtasks/available_concurrency.hpp>
#include <yieldtasks/inline_executor.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/qasm.hpp>
#include <qsearch/search.hpp>
#include <qsearch/targets.hpp>
#include <qsearch/unitary_io.hpp>

#include <sys/wait.h>

namespace {

struct command_result {
  int exit_code;
  std::string out;
  std::string err;
};

// Runs the built `qsearch` with `arguments` (shell words), capturing stdout and stderr.
command_result run_qsearch(const std::string& arguments) {
  const std::filesystem::path err_file =
      std::filesystem::temp_directory_path() /
      ("qsearch_cli_test_" + std::to_string(::getpid()) + ".err");
  const std::string command =
      std::string(QSEARCH_EXE) + " " + arguments + " 2>" + err_file.string();
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    out.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  std::ifstream err_stream(err_file);
  std::stringstream err;
  err << err_stream.rdbuf();
  std::filesystem::remove(err_file);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err.str()};
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool one_line(const std::string& text) {
  return !text.empty() && text.find('\n') == text.size() - 1;
}

} // namespace

TEST_CASE("qsearch without arguments synthesizes qft3 and prints a correct QASM circuit",
          "[qsearch][cli]") {
  const command_result r = run_qsearch("--threads 2");
  REQUIRE(r.exit_code == 0);
  const qs::circuit_gates circuit = qs::parse_qasm(r.out);
  CHECK(circuit.qubits == 3);
  CHECK(qs::distance(qs::make_target("qft3"), qs::circuit_unitary(circuit)) < 1e-10);
  CHECK(r.err.find("qft3: 7 CNOTs") != std::string::npos);
}

TEST_CASE("qsearch --json prints one object per target with the documented fields",
          "[qsearch][cli]") {
  const command_result r = run_qsearch("toffoli --json --seed 4");
  REQUIRE(r.exit_code == 0);
  REQUIRE(one_line(r.out));
  const nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j.at("target") == "toffoli");
  CHECK(j.at("qubits") == 3);
  CHECK(j.at("cnots") == 8);
  CHECK(j.at("distance").get<double>() < 1e-10);
  CHECK(j.at("seconds").get<double>() > 0);
  CHECK(j.at("nodes").get<long>() > 0);
  CHECK(j.at("starts").get<long>() >= j.at("nodes").get<long>());
  const qs::circuit_gates circuit = qs::parse_qasm(j.at("qasm").get<std::string>());
  CHECK(qs::distance(qs::make_target("toffoli"), qs::circuit_unitary(circuit)) < 1e-10);
}

TEST_CASE("qsearch --quiet writes nothing to stderr and --qasm writes the file", "[qsearch][cli]") {
  const yt_test::temp_dir dir("qsearch_cli_test");
  const command_result r = run_qsearch("qft2 --quiet --qasm " + (dir / "out.qasm").string());
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.empty());
  const qs::circuit_gates circuit = qs::parse_qasm(read_file(dir / "out.qasm"));
  CHECK(qs::distance(qs::make_target("qft2"), qs::circuit_unitary(circuit)) < 1e-10);
}

TEST_CASE("qsearch --trace writes a Chrome trace of the named maps, and needs a pool",
          "[qsearch][cli]") {
  const yt_test::temp_dir dir("qsearch_cli_test");
  const std::string path = (dir / "trace.json").string();
  const command_result r = run_qsearch("qft2 --quiet --threads 2 --trace " + path);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json trace = nlohmann::json::parse(read_file(path));
  std::set<std::string> names;
  for (const nlohmann::json& event : trace.at("traceEvents")) {
    if (event.at("ph") == "X") {
      names.insert(event.at("name").get<std::string>());
      CHECK(event.at("dur").get<double>() >= 0);
      CHECK(event.at("tid").get<int>() < 2);
    }
  }
  CHECK(names.count("multistarts") == 1);
  const command_result serial = run_qsearch("qft2 --quiet --threads 1 --trace " + path);
  CHECK(serial.exit_code == 2);
  CHECK(serial.err.find("--trace") != std::string::npos);
}

TEST_CASE("qsearch --unitary reads text and npy files, big- and little-endian", "[qsearch][cli]") {
  const yt_test::temp_dir dir("qsearch_cli_test");
  const qs::matrix peres = qs::make_target("peres");
  qs::write_unitary_text(dir / "peres.txt", peres);
  qs::write_unitary_npy(dir / "peres.npy", peres);
  qs::write_unitary_text(dir / "peres_le.txt", qs::reverse_qubit_order(peres));
  for (const std::string file : {"peres.txt", "peres.npy"}) {
    const command_result r = run_qsearch("--quiet --unitary " + (dir / file).string());
    INFO(file << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(qs::distance(peres, qs::circuit_unitary(qs::parse_qasm(r.out))) < 1e-10);
  }
  const command_result r =
      run_qsearch("--quiet --little-endian --unitary " + (dir / "peres_le.txt").string());
  REQUIRE(r.exit_code == 0);
  const qs::circuit_gates circuit = qs::parse_qasm(r.out);
  CHECK(qs::distance(qs::reverse_qubit_order(peres), qs::circuit_unitary_little_endian(circuit)) <
        1e-10);
}

TEST_CASE("qsearch rejects bad input with a one-line error and exit code 2", "[qsearch][cli]") {
  const yt_test::temp_dir dir("qsearch_cli_test");
  dir.write("not_square.txt", "1 0 0\n0 1 0\n");
  dir.write("not_unitary.txt", "1 1\n0 1\n");
  dir.write("size6.txt", [] {
    std::string text;
    for (int i = 0; i < 6; ++i) {
      for (int j = 0; j < 6; ++j) {
        text += i == j ? "1 " : "0 ";
      }
      text += "\n";
    }
    return text;
  }());
  dir.write("nan.txt", "nan 0\n0 1\n");
  dir.write("garbage.txt", "hello world\n");
  dir.write("overflow.txt", "1 1e400\n0 1\n");
  dir.write("unknown_gate.qasm", "OPENQASM 2.0;\nqreg q[2];\nfoo q[0];\n");
  dir.write("out_of_range.qasm", "OPENQASM 2.0;\nqreg q[2];\ncx q[0],q[2];\n");
  dir.write("mid_measure.qasm",
            "OPENQASM 2.0;\nqreg q[2];\ncreg c[2];\nmeasure q[0] -> c[0];\nh q[0];\n");
  dir.write("empty.qasm", "OPENQASM 2.0;\nqreg q[2];\n");
  dir.write("wide.qasm", "OPENQASM 2.0;\nqreg q[7];\ncx q[0],q[6];\n");
  dir.write("malformed.qasm", "OPENQASM 2.0;\nqreg q[2]\ncx q[0],q[1];\n");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"--unitary " + (dir / "not_square.txt").string(), "square"},
      {"--unitary " + (dir / "not_unitary.txt").string(), "unitary"},
      {"--unitary " + (dir / "size6.txt").string(), "power"},
      {"--unitary " + (dir / "nan.txt").string(), "finite"},
      {"--unitary " + (dir / "garbage.txt").string(), "garbage.txt"},
      {"--unitary " + (dir / "missing.txt").string(), "missing.txt"},
      {"--unitary " + (dir / "overflow.txt").string(), "'1e400' is out of a double's range"},
      {"--unitary /dev/zero", "/dev/zero: byte 0 is NUL"},
      {"--circuit " + (dir / "unknown_gate.qasm").string(),
       "unknown_gate.qasm: QASM line 3: unknown gate 'foo'"},
      {"--circuit " + (dir / "out_of_range.qasm").string(), "out_of_range.qasm: QASM line 3:"},
      {"--circuit " + (dir / "mid_measure.qasm").string(), "mid_measure.qasm: QASM line 5:"},
      {"--circuit " + (dir / "empty.qasm").string(), "empty.qasm: the circuit has no gates"},
      {"--circuit " + (dir / "wide.qasm").string(), "7 qubits are too many"},
      {"--circuit " + (dir / "malformed.qasm").string(), "malformed.qasm: QASM line"},
      {"--circuit " + (dir / "missing.qasm").string(), "missing.qasm: cannot open"},
      {"--circuit /dev/zero", "/dev/zero: byte 0 is NUL"},
      {"optimize " + (dir / "unknown_gate.qasm").string(),
       "unknown_gate.qasm: QASM line 3: unknown gate 'foo'"},
      {"optimize " + (dir / "out_of_range.qasm").string(), "out_of_range.qasm: QASM line 3:"},
      {"optimize " + (dir / "empty.qasm").string(), "empty.qasm: the circuit has no gates"},
      {"optimize " + (dir / "wide.qasm").string() + " --block-size 5",
       "--block-size 5: must be 2, 3 or 4"},
      {"optimize " + (dir / "wide.qasm").string() + " --block-size 1", "--block-size 1"},
      {"optimize " + (dir / "missing.qasm").string(), "missing.qasm: cannot open"},
      {"optimize", "circuit is required"},
      {"optimize " + (dir / "wide.qasm").string() + " --topology 0-9", "qubit 9"},
      {"optimize " + (dir / "wide.qasm").string() + " -o /nonexistent/x.qasm",
       "/nonexistent/x.qasm: cannot write the circuit"},
      {"no_such_target", "unknown target"},
      {"planted_3_x", "target 'planted_3_x': expected 3 '_'-separated numbers"},
      {"planted_0_1_1", "target 'planted_0_1_1': '0' is not a qubit count from 2 to 6"},
      {"planted_7_1_1", "'7' is not a qubit count"},
      {"qft3 --topology 0-7", "qubit 7"},
      {"qft3 --topology zigzag", "zigzag"},
      {"qft3 --threads 0", "threads"},
      {"qft3 --rank-timeout 5", "--rank-timeout needs --cluster"},
      {"qft3 --cluster --rank-timeout 0", "--rank-timeout"},
      {"qft3 --multistarts -1", "multistarts"},
      {"qft3 --min-prefix -1", "--min-prefix"},
      {"qft3 --distance-weight -1", "--distance-weight"},
      {"qft3 --distance-weight nan", "--distance-weight: nan is not a number"},
      {"qft3 --threshold nan", "--threshold"},
      {"qft3 --keep-searching NaN", "--keep-searching"},
      {"qft3 --cluster --rank-timeout nan", "--rank-timeout"},
      {"qft3 --no-delete=maybe", "--no-delete"},
      {"--benchmark --qasm x.qasm", "--benchmark"},
      {"qft3 --gate cnot", "--gate: 'cnot' is not a two-qubit gate qsearch knows (cx, cz, iswap, "
                           "sqrt_iswap)"},
      {"optimize " + (dir / "wide.qasm").string() + " --gate iswap",
       "gate iswap: the circuit's cx gates have no one-for-one iswap form"},
      {"optimize " + (dir / "wide.qasm").string() + " --gate sqrt_iswap",
       "no one-for-one sqrt_iswap form"},
  };
  for (const auto& [arguments, phrase] : cases) {
    const command_result r = run_qsearch(arguments);
    INFO(arguments << " -> " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(one_line(r.err));
    CHECK(r.err.find(phrase) != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("qsearch exits with 3 when the CNOT limit stops the search", "[qsearch][cli]") {
  const command_result r = run_qsearch("toffoli --max-cnots 1 --quiet");
  CHECK(r.exit_code == 3);
  CHECK_FALSE(r.out.empty());
}

TEST_CASE("qsearch --list names every built-in target", "[qsearch][cli]") {
  const command_result r = run_qsearch("--list");
  REQUIRE(r.exit_code == 0);
  for (const qs::target_info& t : qs::list_targets()) {
    CHECK(r.out.find(t.name) != std::string::npos);
  }
  CHECK(r.out.find("\nplanted_Q_K_S ") != std::string::npos);
}

TEST_CASE("qsearch synthesizes a planted target with at most its CNOTs", "[qsearch][cli]") {
  const command_result r = run_qsearch("planted_2_2_5 --json --quiet --threads 2");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j.at("target") == "planted_2_2_5");
  CHECK(j.at("qubits") == 2);
  CHECK(j.at("solved") == true);
  CHECK(j.at("cnots").get<int>() <= 2);
  const qs::circuit_gates circuit = qs::parse_qasm(j.at("qasm").get<std::string>());
  CHECK(qs::distance(qs::make_target("planted_2_2_5"), qs::circuit_unitary(circuit)) < 1e-10);
}

TEST_CASE("qsearch --benchmark prints a table of the seed's eight targets", "[qsearch][cli]") {
  const command_result r = run_qsearch("--benchmark --multistarts 4");
  REQUIRE(r.exit_code == 0);
  for (const std::string name :
       {"qft2", "qft3", "fredkin", "toffoli", "peres", "or", "miro", "hhl"}) {
    CHECK(r.out.find("\n" + name + " ") != std::string::npos);
  }
  CHECK(r.out.find("8 syntheses") != std::string::npos);
}

TEST_CASE("qsearch synthesizes the nearest unitary of a file that is unitary only within 1e-8",
          "[qsearch][cli]") {
  const yt_test::temp_dir dir("qsearch_cli_test");
  qs::matrix given = qs::make_target("qft2");
  given(0, 0) += 9e-9;
  qs::write_unitary_text(dir / "qft2_off.txt", given);
  const std::string file = (dir / "qft2_off.txt").string();
  const command_result r = run_qsearch("--json --threads 2 --unitary " + file);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const qs::matrix nearest = yt_test::polar_factor(given);
  const double projection = (nearest - given).cwiseAbs().maxCoeff();
  REQUIRE(projection > 1e-12);
  CHECK(j.at("solved") == true);
  CHECK(j.at("distance").get<double>() >= 0);
  CHECK(j.at("projection").get<double>() == Approx(projection).epsilon(1e-6));
  CHECK(r.err.find(file + ": not exactly unitary (max |U^dagger U - I| = ") != std::string::npos);
  CHECK(r.err.find("; synthesizing its nearest unitary, which differs by at most ") !=
        std::string::npos);
  const qs::circuit_gates circuit = qs::parse_qasm(j.at("qasm").get<std::string>());
  CHECK(qs::distance(nearest, qs::circuit_unitary(circuit)) < 1e-10);

  const command_result quiet = run_qsearch("--json --quiet --threads 2 --unitary " + file);
  REQUIRE(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
  qs::write_unitary_text(dir / "qft2.txt", qs::make_target("qft2"));
  const command_result exact =
      run_qsearch("--json --threads 2 --unitary " + (dir / "qft2.txt").string());
  REQUIRE(exact.exit_code == 0);
  CHECK(exact.err.find("not exactly unitary") == std::string::npos);
  CHECK(nlohmann::json::parse(exact.out).at("projection").get<double>() <= 1e-12);
}

TEST_CASE("qsearch rejects a --seed that is not a decimal integer in [0, 2^64-1]",
          "[qsearch][cli]") {
  for (const std::string seed :
       {"-1", "18446744073709551616", "1e23", "0x10", "+5", "5x", "' 5'", "''"}) {
    const command_result r = run_qsearch("qft2 --seed " + seed);
    INFO(seed << " -> " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(one_line(r.err));
    CHECK(r.err.find("is not a decimal integer in [0, 18446744073709551615]") != std::string::npos);
    CHECK(r.out.empty());
  }
  const command_result r = run_qsearch("qft2 --json --quiet --seed 18446744073709551615");
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out).at("seed").get<std::uint64_t>() == 18446744073709551615ULL);
}

TEST_CASE("qsearch checks that the --qasm file can be written before it synthesizes",
          "[qsearch][cli]") {
  const yt_test::temp_dir dir("qsearch_cli_test");
  std::filesystem::create_directory(dir / "a_directory");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/nonexistent/dir/x.qasm",
       "/nonexistent/dir/x.qasm: cannot write the circuit: No such file or directory"},
      {(dir / "a_directory").string(), "a_directory: cannot write the circuit: Is a directory"},
  };
  for (const auto& [path, phrase] : cases) {
    const command_result r = run_qsearch("qft3 --threads 2 --json --qasm " + path);
    INFO(path << " -> " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(one_line(r.err));
    CHECK(r.err.find(phrase) != std::string::npos);
    CHECK(r.out.empty()); // no JSON object: nothing was synthesized
  }
}

TEST_CASE("qsearch refuses --threads far beyond the CPUs and names the limit", "[qsearch][cli]") {
  const std::size_t limit = std::max<std::size_t>(64, 8 * yt::available_concurrency());
  const auto start = std::chrono::steady_clock::now();
  const command_result r = run_qsearch("qft3 --threads 100000");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(one_line(r.err));
  CHECK(r.err.find("--threads 100000: must be 1 to " + std::to_string(limit)) != std::string::npos);
  CHECK(r.err.find("only slow the search") != std::string::npos);
  CHECK(seconds < 10);
  for (const std::string wrapped : {"-1", "18446744073709551616", "1e3"}) {
    const command_result w = run_qsearch("qft2 --threads " + wrapped);
    INFO(w.err);
    CHECK(w.exit_code == 2);
    CHECK(w.err.find("--threads " + wrapped + ": must be 1 to ") != std::string::npos);
  }
  CHECK(run_qsearch("qft2 --quiet --threads " + std::to_string(limit)).exit_code == 0);
}

TEST_CASE("qsearch --circuit synthesizes the circuit's unitary and re-emits its final measures",
          "[qsearch][cli]") {
  const yt_test::temp_dir dir("qsearch_cli_circuit");
  // 11 CNOTs once ccx and swap are decomposed; its unitary needs fewer.
  const std::string input = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[2];\n"
                            "h q[0];\nccx q[0],q[1],q[2];\ncx q[0],q[1];\ncx q[0],q[1];\n"
                            "swap q[1],q[2];\nmeasure q[0] -> c[0];\nmeasure q[2] -> c[1];\n";
  const auto file = dir.write("in.qasm", input);
  const command_result r = run_qsearch("--circuit " + file.string() + " --quiet --threads 2");
  REQUIRE(r.exit_code == 0);
  const qs::qasm_program given = qs::parse_qasm_program(input);
  const qs::qasm_program output = qs::parse_qasm_program(r.out);
  CHECK(output.measures == given.measures);
  CHECK(output.cregs == given.cregs);
  CHECK(qs::two_qubit_count(output.circuit) < qs::two_qubit_count(given.circuit));
  CHECK(qs::distance(qs::circuit_unitary(given.circuit), qs::circuit_unitary(output.circuit)) <
        1e-9);
}

TEST_CASE("qsearch --circuit keeps the input circuit when the search cannot beat it",
          "[qsearch][cli]") {
  const yt_test::temp_dir dir("qsearch_cli_keep");
  const auto file = dir.write("cx.qasm", "OPENQASM 2.0;\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n");
  const command_result r = run_qsearch("--circuit " + file.string() + " --json");
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("no circuit with fewer CNOTs than the input's 1 found: keeping the input") !=
        std::string::npos);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  CHECK(report["cnots"] == 1);
  CHECK(report["input_cnots"] == 1);
  CHECK(report["solved"] == true);
  const qs::circuit_gates kept = qs::parse_qasm(report["qasm"].get<std::string>());
  CHECK(qs::distance(qs::circuit_unitary(qs::parse_qasm(read_file(file))),
                     qs::circuit_unitary(kept)) < 1e-14);
}

TEST_CASE("qsearch optimize makes a circuit smaller, keeps its measures and reports each block",
          "[qsearch][cli]") {
  const yt_test::temp_dir dir("qsearch_cli_optimize");
  // Two Heisenberg bonds, each XX, YY and ZZ term as CX-Rz-CX: 12 CNOTs where 6 suffice.
  std::string input = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\ncreg c[4];\n";
  for (const auto& [a, b] : {std::pair{0, 1}, std::pair{2, 3}}) {
    const std::string pair = fmt::format("q[{}],q[{}]", a, b);
    input += fmt::format("h q[{0}];\nh q[{1}];\ncx {2};\nrz(0.2) q[{1}];\ncx {2};\nh q[{0}];\n"
                         "h q[{1}];\nrx(pi/2) q[{0}];\nrx(pi/2) q[{1}];\ncx {2};\nrz(0.2) q[{1}];\n"
                         "cx {2};\nrx(-pi/2) q[{0}];\nrx(-pi/2) q[{1}];\ncx {2};\nrz(0.2) q[{1}];\n"
                         "cx {2};\n",
                         a, b, pair);
  }
  input += "measure q -> c;\n";
  const auto file = dir.write("in.qasm", input);
  const command_result r =
      run_qsearch("optimize " + file.string() + " --json --threads 2 --multistarts 4");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  CHECK(report["cnots_before"] == 12);
  CHECK(report["cnots_after"].get<int>() <= 6);
  CHECK(report["distance"].get<double>() < 1e-8);
  CHECK(report["distance_bound"].get<double>() < 1e-8);
  int before = 0;
  int after = 0;
  for (const nlohmann::json& block : report["blocks"]) {
    before += block["cnots_before"].get<int>();
    after += block["cnots_after"].get<int>();
    CHECK(block["cnots_after"].get<int>() <= block["cnots_before"].get<int>());
  }
  CHECK(before == 12);
  CHECK(after == report["cnots_after"].get<int>());
  const qs::qasm_program given = qs::parse_qasm_program(input);
  const qs::qasm_program output = qs::parse_qasm_program(report["qasm"].get<std::string>());
  CHECK(output.measures == given.measures);
  CHECK(qs::distance(qs::circuit_unitary(given.circuit), qs::circuit_unitary(output.circuit)) <
        1e-8);
  // The summary line on stderr, and the same circuit when written with -o.
  const auto out_file = dir / "out.qasm";
  const command_result written = run_qsearch("optimize " + file.string() + " -o " +
                                             out_file.string() + " --threads 2 --multistarts 4");
  REQUIRE(written.exit_code == 0);
  CHECK(written.err.find("12 -> ") != std::string::npos);
  CHECK(read_file(out_file) == report["qasm"].get<std::string>());
}

TEST_CASE("qsearch --gate writes circuits of U3s and that gate, named in the summary and JSON",
          "[qsearch][cli]") {
  const command_result cz = run_qsearch("qft2 --gate cz --threads 2");
  INFO(cz.err);
  REQUIRE(cz.exit_code == 0);
  CHECK(cz.out.find("\ncz q[") != std::string::npos);
  CHECK(cz.out.find("\ncx ") == std::string::npos);
  CHECK(cz.err.find("qft2: 3 CZs, d = ") != std::string::npos);
  CHECK(qs::distance(qs::make_target("qft2"), qs::circuit_unitary(qs::parse_qasm(cz.out))) < 1e-10);
  for (const std::string gate : {"iswap", "sqrt_iswap"}) {
    const command_result r = run_qsearch("qft2 --json --quiet --threads 2 --gate " + gate);
    INFO(gate << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    const nlohmann::json j = nlohmann::json::parse(r.out);
    CHECK(j.at("gate") == gate);
    CHECK(j.at("cnots").get<int>() <= 3);
    const std::string qasm = j.at("qasm").get<std::string>();
    CHECK(qasm.find("\ngate " + gate + " a,b {") != std::string::npos);
    CHECK(qasm.find("\n" + gate + " q[") != std::string::npos);
    CHECK(qs::distance(qs::make_target("qft2"), qs::circuit_unitary(qs::parse_qasm(qasm))) < 1e-10);
  }
}

TEST_CASE("qsearch --circuit --gate cz keeps the input as CZs when the search cannot beat it",
          "[qsearch][cli]") {
  const yt_test::temp_dir dir("qsearch_cli_keep_cz");
  const auto file = dir.write("cx.qasm", "OPENQASM 2.0;\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n");
  const command_result r = run_qsearch("--circuit " + file.string() + " --gate cz");
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("no circuit with fewer CZs than the input's 1 found: keeping the input") !=
        std::string::npos);
  CHECK(r.out.find("\ncz q[0],q[1];\n") != std::string::npos);
  CHECK(qs::distance(qs::circuit_unitary(qs::parse_qasm(read_file(file))),
                     qs::circuit_unitary(qs::parse_qasm(r.out))) < 1e-14);
}

TEST_CASE("qsearch optimize --gate cz writes a circuit of U3s and CZs with the input's unitary",
          "[qsearch][cli]") {
  const std::string file = std::string(QSEARCH_DATA_DIR) + "/circuits/qft_5.qasm";
  const command_result r = run_qsearch("optimize " + file + " --gate cz --json --threads 2");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  CHECK(report.at("gate") == "cz");
  CHECK(report.at("cnots_after").get<int>() <= report.at("cnots_before").get<int>());
  const std::string qasm = report.at("qasm").get<std::string>();
  std::istringstream lines(qasm);
  int czs = 0;
  for (std::string line; std::getline(lines, line);) {
    const bool header = line.starts_with("OPENQASM") || line.starts_with("include") ||
                        line.starts_with("qreg") || line.starts_with("creg") ||
                        line.starts_with("measure");
    INFO(line);
    CHECK((header || line.starts_with("u3(") || line.starts_with("cz ")));
    czs += line.starts_with("cz ") ? 1 : 0;
  }
  CHECK(czs == report.at("cnots_after").get<int>());
  yt::inline_executor serial;
  const double d =
      serial.sync_wait(qs::circuit_distance(qs::parse_qasm(read_file(file)), qs::parse_qasm(qasm)));
  CHECK(d < 1e-8);
  CHECK(r.err.find("CZs (") != std::string::npos);
}
