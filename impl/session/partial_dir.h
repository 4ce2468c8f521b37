// Names for --partial-dir (and --delay-updates' own partial directory):
// upstream's cleaning of the option's value and where a file's partial
// copy lives (upstream util1.c clean_fname, partial_dir_fname). Pure string
// functions; the receiving side opens the directories beneath the
// destination (receiving.cc partial_dir_fd).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crsync::session {

// upstream clean_fname(name, CFN_COLLAPSE_DOT_DOT_DIRS): repeated slashes
// and "." components dropped, "dir/.." pairs collapsed (a leading ".."
// stays; one just under "/" goes), the trailing slash dropped; an empty
// result is ".".
std::string clean_path(std::string_view name);

// The partial file of `rel` (a name relative to the destination), as
// upstream names it in messages: a relative partial dir lives in the
// file's own directory ("a/f" with ".p" gives "a/.p/f"); an absolute one
// is shared by all ("/p/f").
std::string partial_file_name(std::string_view partial_dir, std::string_view rel);

// A relative partial dir's components, walked beneath the file's
// directory. Empty for an absolute one, and for one that climbs out with
// ".." (crsync keeps no partial file there; upstream follows the "..").
std::vector<std::string> partial_dir_components(std::string_view partial_dir);

}  // namespace crsync::session
