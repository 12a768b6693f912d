#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace yt {

/// An exception thrown by an item that a cluster backend ran (on any rank), as it is rethrown
/// where the map is awaited: the original exception's type name and message, and the rank.
class remote_error : public std::runtime_error {
public:
  remote_error(std::string type_name, std::string message, int rank)
      : std::runtime_error(message + " (" + type_name + " on rank " + std::to_string(rank) + ")"),
        m_type_name(std::move(type_name)), m_message(std::move(message)), m_rank(rank) {}

  /// The demangled type of the original exception, e.g. `std::invalid_argument`.
  [[nodiscard]] const std::string& type_name() const noexcept { return m_type_name; }
  /// The original exception's `what()`.
  [[nodiscard]] const std::string& message() const noexcept { return m_message; }
  /// The rank where the item ran.
  [[nodiscard]] int rank() const noexcept { return m_rank; }

private:
  std::string m_type_name;
  std::string m_message;
  int m_rank;
};

} // namespace yt
