#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace yt::detail {

// The messages the ranks of a cluster exchange. Each is one MPI message: a message_header, then
// a payload whose meaning depends on the kind:
//   item       rank 0 -> any: code = the function's index in the sorted registry; payload = the
//              encoded argument
//   result     any -> rank 0: code = an item_status; payload = the encoded result (ok), the
//              encoded (type name, message) of the exception (failed), or nothing (skipped)
//   cancel     rank 0 -> others: skip the map's items not started yet
//   shutdown   rank 0 -> others: code = how the job ends (an `ending`)
//   heartbeat  others -> rank 0: "still here"; any message counts as one
// The header is copied as bytes: the handshake has checked that every rank has the same layout.
enum class message_kind : std::uint32_t { item, result, cancel, shutdown, heartbeat };
enum class ending : std::uint32_t { finalize, abort_at_exit };
enum class item_status : std::uint32_t { ok, failed, skipped };

struct message_header {
  message_kind kind;
  std::uint32_t code;
  std::uint64_t map;
  std::uint64_t index;
};

using item_ref = std::pair<std::uint64_t, std::size_t>; // map id, item index

} // namespace yt::detail
