// rsync's wildcard matching for filter patterns: '*' matches within one
// path component, '**' across components, '?' one character but not '/',
// '[...]' a character class ('!' or '^' negates, ranges allowed), and a
// backslash makes the next character literal.
#pragma once

#include <string_view>

namespace crsync::filter {

bool wildmatch(std::string_view pattern, std::string_view text);

}  // namespace crsync::filter
