#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace yt_test {

/// A fresh directory under the system's temporary directory, removed with everything in it when
/// the object goes; the process id in its name keeps parallel test processes apart.
class temp_dir {
public:
  explicit temp_dir(const std::string& prefix)
      : m_path(std::filesystem::temp_directory_path() /
               (prefix + "_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(m_path);
  }
  ~temp_dir() { std::filesystem::remove_all(m_path); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// Writes `bytes` to the file `name` in the directory; returns its path.
  std::filesystem::path write(const std::string& name, const std::string& bytes) const {
    std::ofstream(m_path / name, std::ios::binary) << bytes;
    return m_path / name;
  }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
  std::filesystem::path m_path;
};

} // namespace yt_test
