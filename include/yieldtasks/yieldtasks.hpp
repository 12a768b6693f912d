#pragma once

// The yieldtasks umbrella header: every core public header. The cluster backend
// (<yieldtasks/mpi.hpp>) needs MPI and is included separately.

#include <yieldtasks/as_completed.hpp>
#include <yieldtasks/available_concurrency.hpp>
#include <yieldtasks/await_future.hpp>
#include <yieldtasks/cluster_error.hpp>
#include <yieldtasks/cluster_options.hpp>
#include <yieldtasks/codec.hpp>
#include <yieldtasks/config.hpp>
#include <yieldtasks/executor.hpp>
#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/operation_cancelled.hpp>
#include <yieldtasks/pool_stats.hpp>
#include <yieldtasks/reduce.hpp>
#include <yieldtasks/remote.hpp>
#include <yieldtasks/remote_error.hpp>
#include <yieldtasks/sleep_for.hpp>
#include <yieldtasks/stop_source.hpp>
#include <yieldtasks/sync_wait.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/trace_recorder.hpp>
#include <yieldtasks/usage_error.hpp>
#include <yieldtasks/version.hpp>
#include <yieldtasks/when_all.hpp>
#include <yieldtasks/when_any.hpp>
