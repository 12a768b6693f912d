#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include <yieldtasks/detail/cycle_clock.hpp>
#include <yieldtasks/detail/frame_allocator.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/worker.hpp>

namespace yt::detail {

// The remainder of an index range split off for thieves (lazy binary splitting); `owner` is the
// map or reduction whose items the range holds.
struct split_job : job {
  void* owner;
  std::size_t begin;
  std::size_t end;
};

// A split job's fields, copied out by the job's function, which then frees the job before it
// runs the range: a split may be freed only by whoever runs it (see run_split_loop).
struct split_range {
  void* owner;
  std::size_t begin;
  std::size_t end;
};

inline split_range take_split(job& self) noexcept {
  auto& split = static_cast<split_job&>(self);
  const split_range range{split.owner, split.begin, split.end};
  deallocate_frame(&split, sizeof(split_job));
  return range;
}

// The loop of plain map items and of reduction leaves: runs the index range [begin, end) on
// `self` through `run_batch(b, e)`, which runs [b, e) and returns where it stopped (`e`, or the
// index after an item that failed or asked for a stop). Returns the end of the contiguous range
// this call is answerable for: every index of [begin, returned) was run or skipped, and the
// caller accounts for them (takes its splits back included).
//
// Batches are sized to take between half of batch_ticks and all of it: cheap items run in long,
// check-free loops the compiler can optimise, while an item costing more than half that runs
// alone, never followed by another before this worker has checked whether it should split off
// work for thieves (worker::wants_split; splits go to `run_split` jobs owned by `owner`). Single
// items read the clock only once per single_window of them (a read costs ~8 ns, a noticeable
// share of a 1 µs item); batches once per batch, the end of one being the start of the next. A
// set `stop` skips the rest of the range.
//
// A range is split only while it is worth at least batch_ticks at the last measured cost per item
// (any range before the first measurement), so that each half outlasts a thief's trip to it
// (about a microsecond). Without that floor, a worker whose deque had emptied split its range
// before every batch down to single items, and the two workers of a 10^5-item map of cheap items
// spent its last third pushing, taking back and stealing ever smaller splits (docs/design.md,
// "Maps of plain items").
//
// A split that no thief took by the time the items before it are done is taken back and its
// items run in the same loop, as a when_all takes back its spawn job: no atomic on the join and
// no trip through the worker's loop. Splits are taken back newest first; since thieves steal
// oldest first, once one has been stolen so have all older ones.
//
// Allocation failure of a split job terminates (noexcept): the scheduler has no way to report it
// to the awaiting coroutine.
template <class RunBatch>
std::size_t run_split_loop(std::size_t begin, std::size_t end, worker& self,
                           const std::atomic<bool>& stop, void* owner, job::run_fn run_split,
                           RunBatch&& run_batch) noexcept {
  constexpr std::size_t max_batch = 4096;
  constexpr std::size_t single_window = 8;
  struct pushed_split {
    split_job* job;
    std::size_t end;
  };
  // Each split halves the range still held, so no more than 64 are ever outstanding.
  std::array<pushed_split, 64> pushed; // uninitialised: only [0, outstanding) is read
  std::size_t outstanding = 0;
  std::size_t batch = 1;
  std::size_t singles_to_measure = single_window;
  std::uint64_t measure_start = cycle_clock();
  std::uint64_t measured_ticks = 0; // the last measurement: these ticks for these items
  std::size_t measured_items = 0;
  const auto worth_splitting = [&](std::size_t left) noexcept {
    return measured_items == 0 ||
           static_cast<double>(left) * static_cast<double>(measured_ticks) >=
               static_cast<double>(batch_ticks) * static_cast<double>(measured_items);
  };
  while (true) {
    while (begin < end) {
      if (end - begin > 1 && worth_splitting(end - begin) && self.wants_split()) {
        const std::size_t middle = begin + (end - begin) / 2;
        auto* split =
            new (allocate_frame(sizeof(split_job))) split_job{{run_split}, owner, middle, end};
        self.push(*split);
        pushed[outstanding++] = {split, end};
        end = middle;
        continue;
      }
      if (stop.load(std::memory_order_relaxed)) {
        break;
      }
      if (batch == 1) {
        begin = run_batch(begin, begin + 1);
        if (--singles_to_measure != 0) {
          continue;
        }
        const std::uint64_t now = cycle_clock();
        measured_ticks = now - measure_start;
        measured_items = single_window;
        if (measured_ticks < batch_ticks / 2 * single_window) {
          batch = 2;
        }
        singles_to_measure = single_window;
        measure_start = now;
      } else {
        const std::size_t batch_begin = begin;
        begin = run_batch(begin, begin + std::min(batch, end - begin));
        const std::uint64_t now = cycle_clock();
        measured_ticks = now - measure_start;
        measured_items = begin - batch_begin;
        if (measured_ticks < batch_ticks / 2) {
          batch = std::min(batch * 2, max_batch);
        } else if (measured_ticks >= batch_ticks) {
          batch /= 2;
        }
        measure_start = now;
      }
    }
    // Out of items, or stopped (begin < end): go on with the newest split if nobody took it.
    if (begin != end || outstanding == 0 || !self.pop_if(pushed[outstanding - 1].job)) {
      break;
    }
    --outstanding;
    deallocate_frame(pushed[outstanding].job, sizeof(split_job));
    end = pushed[outstanding].end;
  }
  return end;
}

} // namespace yt::detail
