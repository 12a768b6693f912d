#pragma once

#include <functional>
#include <vector>

#include <qsearch/cost.hpp>

namespace qs {

/// The local optimizer run from each start.
///
/// `lbfgs`: NLopt's LD_LBFGS on d with the analytic gradient (the default; see
/// docs/qsearch.md for the measurement). `levenberg_marquardt`: on the residuals
/// e^{iφ}·U†V − I, the default of the original Qsearch and of BQSKit.
enum class optimizer_kind { lbfgs, levenberg_marquardt };

struct optimizer_options {
  optimizer_kind kind = optimizer_kind::lbfgs;
  /// Success threshold on d; the optimizer stops once below a hundredth of it.
  double threshold = 1e-10;
  /// Upper bound on cost evaluations per start.
  int max_evaluations = 1000;
};

/// The outcome of one optimizer start.
struct fit {
  std::vector<double> parameters;
  double distance = 1.0;
  int evaluations = 0;
  bool cancelled = false;
};

/// Minimizes d from `start`; returns the best point seen. Polls `cancelled` between cost
/// evaluations and returns early (with `fit::cancelled` set) once it answers true.
///
/// **Exceptions.** None from the optimizer's own stops: NLopt's ROUNDOFF_LIMITED and
/// FORCED_STOP return the best point seen so far.
fit optimize(unitary_cost& cost, std::vector<double> start, const optimizer_options& options,
             const std::function<bool()>& cancelled);

} // namespace qs
