#include "session/list_only.h"

#include <cstdio>

#include "session/item_log.h"
#include "session/out_format.h"
#include "session/receiving.h"

namespace crsync::session {

std::string list_line(const flist::FileEntry& e, const ListOptions& o) {
  const std::string mtime = time_string(static_cast<std::time_t>(e.mtime));
  const int size_width = o.human ? 14 : 11;
  const int time_width = 1 + static_cast<int>(mtime.size());
  const std::string atime =
      o.atimes && !flist::is_dir(e.mode) ? time_string(static_cast<std::time_t>(e.atime)) : "";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s %*s %s%*s ", perm_string(e.mode).c_str(), size_width,
                human_num(e.size, o.human).c_str(), mtime.c_str(), o.atimes ? time_width : 0,
                atime.c_str());
  std::string line = buf + e.name;
  if (o.preserve_links && flist::is_lnk(e.mode)) line += " -> " + e.link_target;
  return line + "\n";
}

}  // namespace crsync::session

// ---------------------------------------------------------------------------
// The receiving side's listing (upstream recv_generator under list_only).

namespace crsync::session {

Status ReceivingSide::list_entries(size_t li) {
  RecvList* l = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    l = &lists_[li];
  }
  ListOptions lo;
  lo.human = c_.opts.human_readable;
  lo.preserve_links = c_.opts.preserve_links;
  lo.atimes = c_.opts.preserve_atimes;
  // Under incremental recursion a directory is listed where its own list
  // starts (the list's slot ndx_start - 1), not among its parent's entries.
  const bool inc = c_.neg.inc_recurse;
  if (inc && l->parent_dir >= 0)
    if (const flist::FileEntry* d = entry_at(l->ndx_start - 1)) c_.output->info(list_line(*d, lo));
  for (const flist::FileEntry& e : l->entries) {
    if (e.cleared || (inc && flist::is_dir(e.mode))) continue;
    c_.output->info(list_line(e, lo));
  }
  return Status::Ok();
}

}  // namespace crsync::session
