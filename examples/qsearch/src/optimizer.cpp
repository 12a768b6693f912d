#include <cmath>
#include <limits>
#include <stdexcept>

#include <nlopt.hpp>

#include <qsearch/optimizer.hpp>

namespace qs {
namespace {

// L-BFGS results closer than this to an exact solution get Levenberg–Marquardt steps.
constexpr double polish_below = 1e-2;
constexpr int polish_evaluations = 100;
// Levenberg–Marquardt's damping, relative to the diagonal of JᵀJ clamped to
// [min_scale, max_scale]; a step is taken when it achieves this fraction of the predicted gain.
constexpr double initial_damping = 1e-4;
constexpr double max_damping = 1e32;
constexpr double min_scale = 1e-6;
constexpr double max_scale = 1e32;
constexpr double min_step_quality = 1e-3;

struct lbfgs_state {
  unitary_cost* cost;
  const std::function<bool()>* cancelled;
  nlopt::opt* optimizer;
  fit* best;
};

double lbfgs_objective(const std::vector<double>& x, std::vector<double>& gradient, void* data) {
  auto& state = *static_cast<lbfgs_state*>(data);
  if (*state.cancelled && (*state.cancelled)()) {
    state.best->cancelled = true;
    state.optimizer->force_stop();
    return std::numeric_limits<double>::infinity();
  }
  ++state.best->evaluations;
  const double d =
      gradient.empty() ? state.cost->distance(x) : state.cost->distance_and_gradient(x, gradient);
  if (d < state.best->distance) {
    state.best->distance = d;
    state.best->parameters = x;
  }
  return d;
}

fit optimize_lbfgs(unitary_cost& cost, std::vector<double> x, const optimizer_options& options,
                   const std::function<bool()>& cancelled) {
  fit best{x, std::numeric_limits<double>::infinity(), 0, false};
  nlopt::opt optimizer(nlopt::LD_LBFGS, static_cast<unsigned>(x.size()));
  lbfgs_state state{&cost, &cancelled, &optimizer, &best};
  optimizer.set_min_objective(lbfgs_objective, &state);
  optimizer.set_stopval(options.threshold / 100);
  optimizer.set_ftol_abs(options.threshold / 1e5);
  optimizer.set_maxeval(options.max_evaluations);
  // NLopt sizes the L-BFGS history from maxeval when left at 0 (2000 vectors here), which
  // makes every iteration O(history · n): most of the time went there. 20 converges as fast.
  optimizer.set_vector_storage(20);
  double value = 0;
  try {
    optimizer.optimize(x, value);
  } catch (const nlopt::roundoff_limited&) {
    // The best point so far is as good as this precision allows.
  } catch (const nlopt::forced_stop&) {
    best.cancelled = true;
  } catch (const std::runtime_error&) {
    // NLOPT_FAILURE: L-BFGS gave up (a line search without progress); the best point stands.
  }
  return best;
}

// Levenberg–Marquardt on r(x) = [Re; Im](e^{iφ}U†V − I) with the phase φ as an extra
// variable; ½‖r‖² = N·d at the best phase, so the success test is the same as for L-BFGS.
fit optimize_levenberg_marquardt(unitary_cost& cost, std::vector<double> start,
                                 const optimizer_options& options,
                                 const std::function<bool()>& cancelled) {
  const int n = cost.parameter_count();
  Eigen::VectorXd x(n + 1);
  for (int i = 0; i < n; ++i) {
    x[i] = start[static_cast<std::size_t>(i)];
  }
  x[n] = 0;
  fit best{std::move(start), std::numeric_limits<double>::infinity(), 0, false};

  Eigen::VectorXd r;
  Eigen::MatrixXd jacobian;
  Eigen::VectorXd trial_r;
  const auto span_of = [](const Eigen::VectorXd& v) {
    return std::span<const double>(v.data(), static_cast<std::size_t>(v.size()));
  };
  cost.residuals(span_of(x), r, &jacobian);
  ++best.evaluations;
  double value = r.squaredNorm() / 2;
  // Nielsen's damping update, as Ceres' Levenberg–Marquardt: grow the damping geometrically on
  // rejected steps and shrink it by how well the quadratic model predicted an accepted one.
  // Measured per start on tfim_30_4's 14-CNOT structure, it succeeds 16 % of the time where
  // a fixed ×10/÷10 rule succeeded 0.8 %.
  double damping = initial_damping;
  double growth = 2;
  const auto record = [&](const Eigen::VectorXd& point) {
    best.distance = cost.distance(span_of(point).first(static_cast<std::size_t>(n)));
    best.parameters.assign(point.data(), point.data() + n);
  };
  record(x);
  while (best.evaluations < options.max_evaluations && best.distance >= options.threshold / 100) {
    if (cancelled && cancelled()) {
      best.cancelled = true;
      break;
    }
    const Eigen::MatrixXd normal = jacobian.transpose() * jacobian;
    const Eigen::VectorXd gradient = jacobian.transpose() * r;
    Eigen::MatrixXd damped = normal;
    damped.diagonal() += damping * normal.diagonal().cwiseMax(min_scale).cwiseMin(max_scale);
    const Eigen::VectorXd step = damped.ldlt().solve(-gradient);
    const Eigen::VectorXd trial = x + step;
    cost.residuals(span_of(trial), trial_r, nullptr);
    ++best.evaluations;
    const double trial_value = trial_r.squaredNorm() / 2;
    const double predicted = -(gradient.dot(step) + step.dot(normal * step) / 2);
    const double improvement = value - trial_value;
    const double quality = predicted > 0 ? improvement / predicted : -1;
    if (quality > min_step_quality) {
      x = trial;
      value = trial_value;
      damping *= std::max(1.0 / 3, 1 - std::pow(2 * quality - 1, 3));
      growth = 2;
      cost.residuals(span_of(x), r, &jacobian);
      record(x);
      // A step that gains less than a millionth is crawling along a local minimum.
      if (improvement < 1e-6 * (value + improvement)) {
        break;
      }
    } else {
      damping *= growth;
      growth *= 2;
      if (damping > max_damping) {
        break;
      }
    }
  }
  return best;
}

} // namespace

fit optimize(unitary_cost& cost, std::vector<double> start, const optimizer_options& options,
             const std::function<bool()>& cancelled) {
  if (options.kind == optimizer_kind::levenberg_marquardt) {
    return optimize_levenberg_marquardt(cost, std::move(start), options, cancelled);
  }
  optimizer_options coarse_options = options;
  coarse_options.max_evaluations = std::min(options.max_evaluations, 300);
  fit coarse = optimize_lbfgs(cost, std::move(start), coarse_options, cancelled);
  if (coarse.cancelled || coarse.distance < options.threshold / 100 ||
      coarse.distance > polish_below) {
    return coarse;
  }
  // Near an exact solution the Hessian of d is singular (the layers' parameters are
  // redundant) and L-BFGS crawls; Gauss-Newton steps converge quadratically there.
  optimizer_options polish = options;
  polish.max_evaluations = polish_evaluations;
  fit fine = optimize_levenberg_marquardt(cost, coarse.parameters, polish, cancelled);
  fine.evaluations += coarse.evaluations;
  return fine.distance < coarse.distance ? fine : coarse;
}

} // namespace qs
