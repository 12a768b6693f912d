#pragma once

#include <stdexcept>

namespace qs {

/// Bad user input: an unreadable or invalid unitary, an unknown target name, a malformed
/// QASM program. The command prints `what()` on one line and exits with code 2.
class input_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace qs
