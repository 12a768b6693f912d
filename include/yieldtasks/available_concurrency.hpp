#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <string>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

namespace yt {

namespace detail {

#if defined(__linux__)
// CPUs allowed by the cgroup v2 `cpu.max` quota of `directory` (0 when unlimited or unreadable).
inline double cgroup_v2_cpus(const std::string& directory) {
  std::ifstream file(directory + "/cpu.max");
  std::string quota;
  double period = 0;
  if (!(file >> quota >> period) || quota == "max" || period <= 0) {
    return 0;
  }
  return std::stod(quota) / period;
}

// CPUs allowed by cgroup quotas on this process: v2 (the process's group and its ancestors, the
// tightest wins) or v1; 0 when none is set.
inline double cgroup_cpu_limit() {
  std::ifstream groups("/proc/self/cgroup");
  std::string line;
  while (std::getline(groups, line)) {
    if (line.rfind("0::", 0) == 0) {
      std::string path = line.substr(3);
      double tightest = 0;
      while (true) {
        const double cpus = cgroup_v2_cpus("/sys/fs/cgroup" + path);
        if (cpus > 0 && (tightest == 0 || cpus < tightest)) {
          tightest = cpus;
        }
        if (path.empty() || path == "/") {
          break;
        }
        path.erase(path.find_last_of('/'));
      }
      if (tightest > 0) {
        return tightest;
      }
    }
  }
  for (const char* directory : {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"}) {
    std::ifstream quota_file(std::string(directory) + "/cpu.cfs_quota_us");
    std::ifstream period_file(std::string(directory) + "/cpu.cfs_period_us");
    double quota = 0;
    double period = 0;
    if ((quota_file >> quota) && (period_file >> period) && quota > 0 && period > 0) {
      return quota / period;
    }
  }
  return 0;
}
#endif

} // namespace detail

/// Returns how many threads this process can run in parallel: the CPUs in its affinity mask,
/// lowered to a cgroup CPU quota (rounded up) if one is set, else
/// `std::thread::hardware_concurrency()`; never less than 1. `yt::thread_pool` uses it as its
/// default size, so a pool in a container limited to 2 CPUs starts 2 workers, not one per host CPU.
///
/// **Complexity.** Reads a few files under /proc and /sys; call it once, not per map.
inline std::size_t available_concurrency() noexcept {
  std::size_t count = std::thread::hardware_concurrency();
#if defined(__linux__)
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0) {
    count = static_cast<std::size_t>(CPU_COUNT(&mask));
  }
  try {
    const double quota = detail::cgroup_cpu_limit();
    if (quota > 0) {
      count = std::min(count, static_cast<std::size_t>(std::ceil(quota)));
    }
  } catch (...) { // an unreadable or malformed cgroup file: no quota known
  }
#endif
  return std::max<std::size_t>(count, 1);
}

} // namespace yt
