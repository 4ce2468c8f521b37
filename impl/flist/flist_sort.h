// The order both sides sort a file list in (upstream flist.c f_name_cmp), so
// that an ndx names the same entry on both sides. From protocol 29, at each
// directory level the plain files come before the directories (and whatever
// is inside them), names compare byte-wise, a directory's name as if it had a
// trailing '/', and the top "." comes first. Below 29 the whole path compares
// as one byte string.
#pragma once

#include <vector>

#include "flist/file_entry.h"

namespace crsync::flist {

// <0, 0, >0 like strcmp.
int f_name_cmp(const FileEntry& a, const FileEntry& b, int protocol);

// Sorts in place with f_name_cmp (stable, so equal names keep wire order).
void sort_file_list(std::vector<FileEntry>& list, int protocol);

}  // namespace crsync::flist
