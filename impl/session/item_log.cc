#include "session/item_log.h"

#include <cmath>
#include <cstdio>

#include "wire/protocol_format.h"

namespace crsync::session {

using flist::FileEntry;

std::string itemize_string(uint32_t iflags, const FileEntry& e, const ItemizeContext& c) {
  std::string s(11, '.');
  if ((iflags & wire::kItemLocalChange) && !(iflags & wire::kItemXnameFollows))
    s[0] = 'c';
  else if (iflags & wire::kItemLocalChange)
    s[0] = 'h';
  else if (!(iflags & wire::kItemTransfer))
    s[0] = '.';
  else
    s[0] = c.sending_client ? '<' : '>';
  const uint32_t m = e.mode;
  s[1] = flist::is_dir(m)       ? 'd'
         : flist::is_lnk(m)     ? 'L'
         : flist::is_device(m)  ? 'D'
         : flist::is_special(m) ? 'S'
                                : 'f';
  if (iflags & wire::kItemReportChange) s[2] = 'c';
  if (!flist::is_lnk(m) && (iflags & wire::kItemReportSize)) s[3] = 's';
  if (iflags & wire::kItemReportTime) {
    if (flist::is_lnk(m))
      s[4] = (!c.preserve_mtimes || !c.symlink_times || (iflags & wire::kItemReportTimefail)) ? 'T'
                                                                                              : 't';
    else
      s[4] = c.preserve_mtimes ? 't' : 'T';
  }
  if (iflags & wire::kItemReportPerms) s[5] = 'p';
  if (iflags & wire::kItemReportOwner) s[6] = 'o';
  if (iflags & wire::kItemReportGroup) s[7] = 'g';
  const bool at = iflags & wire::kItemReportAtime, cr = iflags & wire::kItemReportCrtime;
  s[8] = at && cr ? 'b' : at ? 'u' : cr ? 'n' : '.';
  if (iflags & wire::kItemReportAcl) s[9] = 'a';
  if (iflags & wire::kItemReportXattr) s[10] = 'x';
  if (iflags & wire::kItemIsNew) {
    for (size_t i = 2; i < 11; ++i) s[i] = '+';
  } else if (iflags & wire::kItemMissingData) {
    for (size_t i = 2; i < 11; ++i) s[i] = '?';
  } else if (s[0] == '.' || s[0] == 'h' || s[0] == 'c') {
    bool all_dots = true;
    for (size_t i = 2; i < 11; ++i) all_dots = all_dots && s[i] == '.';
    if (all_dots)
      for (size_t i = 2; i < 11; ++i) s[i] = ' ';
  }
  return s;
}

std::string name_and_link(const FileEntry& e) {
  std::string out = e.name;
  if (flist::is_dir(e.mode)) out += '/';
  if (flist::is_lnk(e.mode)) out += " -> " + e.link_target;
  return out;
}

std::string item_line(uint32_t iflags, const FileEntry& e, const ItemizeContext& c, bool itemize,
                      const std::string& hlink_target) {
  std::string name = name_and_link(e);
  if (!hlink_target.empty() && !flist::is_lnk(e.mode) && (iflags & wire::kItemXnameFollows) &&
      (iflags & wire::kItemLocalChange))
    name += " => " + hlink_target;
  if (itemize) return itemize_string(iflags, e, c) + " " + name;
  return name;
}

std::string comma_num(int64_t n, int level) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  if (level > 0) {
    std::string out;
    const size_t len = digits.size();
    for (size_t i = 0; i < len; ++i) {
      out += digits[i];
      const size_t rest = len - 1 - i;
      if (rest > 0 && rest % 3 == 0) out += ',';
    }
    digits = out;
  }
  return (n < 0 ? "-" : "") + digits;
}

std::string human_num(int64_t n, int level) {
  if (level >= 2) {
    const double base = level == 2 ? 1000.0 : 1024.0;
    const char units[] = "KMGTP";
    double d = static_cast<double>(n);
    if (std::fabs(d) >= base) {
      int u = -1;
      while (std::fabs(d) >= base && u < 4) {
        d /= base;
        ++u;
      }
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f%c", d, units[u]);
      return buf;
    }
  }
  return comma_num(n, level);
}

std::string comma_dnum(double d, int decimals, int level) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, d);
  if (level == 0 || std::fabs(d) < 1000) return buf;
  std::string s = buf;
  const auto dot = s.find('.');
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot);
  const int64_t whole = static_cast<int64_t>(std::strtoll(s.substr(0, dot).c_str(), nullptr, 10));
  return comma_num(whole, level) + frac;
}

std::string human_dnum(double d, int decimals, int level) {
  if (level >= 2) {
    const double base = level == 2 ? 1000.0 : 1024.0;
    if (std::fabs(d) >= base) return human_num(static_cast<int64_t>(d), level);
  }
  return comma_dnum(d, decimals, level);
}

namespace {

std::string counts(int64_t total, int64_t dirs, int64_t links, int64_t devs, int64_t specials,
                   int human) {
  std::string s = comma_num(total, human);
  if (total == 0) return s;
  const int64_t reg = total - dirs - links - devs - specials;
  std::string parts;
  const auto add = [&](const char* label, int64_t v) {
    if (!v) return;
    if (!parts.empty()) parts += ", ";
    parts += std::string(label) + ": " + comma_num(v, human);
  };
  add("reg", reg);
  add("dir", dirs);
  add("link", links);
  add("dev", devs);
  add("special", specials);
  if (!parts.empty()) s += " (" + parts + ")";
  return s;
}

}  // namespace

std::string stats_block(const TransferStats& s, int protocol, int human) {
  std::string out = "\n";
  out += "Number of files: " +
         counts(s.num_files, s.num_dirs, s.num_symlinks, s.num_devices, s.num_specials, human) +
         "\n";
  if (protocol >= 29) {
    const int64_t created = s.created_files;
    out += "Number of created files: " +
           counts(created, s.created_dirs, s.created_symlinks, s.created_devices,
                  s.created_specials, human) +
           "\n";
  }
  if (protocol >= 31) {
    out += "Number of deleted files: " +
           counts(s.deleted_files, s.deleted_dirs, s.deleted_symlinks, s.deleted_devices,
                  s.deleted_specials, human) +
           "\n";
  }
  out += "Number of regular files transferred: " + comma_num(s.xferred_files, human) + "\n";
  out += "Total file size: " + human_num(s.total_size, human) + " bytes\n";
  out += "Total transferred file size: " + human_num(s.total_transferred_size, human) + " bytes\n";
  out += "Literal data: " + human_num(s.literal_data, human) + " bytes\n";
  out += "Matched data: " + human_num(s.matched_data, human) + " bytes\n";
  out += "File list size: " + human_num(s.flist_size, human) + "\n";
  if (s.flist_buildtime_ms) {
    out += "File list generation time: " +
           comma_dnum(static_cast<double>(s.flist_buildtime_ms) / 1000.0, 3, human) + " seconds\n";
    out += "File list transfer time: " +
           comma_dnum(static_cast<double>(s.flist_xfertime_ms) / 1000.0, 3, human) + " seconds\n";
  }
  out += "Total bytes sent: " + human_num(s.total_written, human) + "\n";
  out += "Total bytes received: " + human_num(s.total_read, human) + "\n";
  return out;
}

std::string summary_lines(const TransferStats& s, double elapsed_seconds, bool dry_run, int human) {
  const double total = static_cast<double>(s.total_written + s.total_read);
  const double rate = total / (0.5 + elapsed_seconds);
  const double speedup = total > 0 ? static_cast<double>(s.total_size) / total : 0.0;
  std::string out = "sent " + human_num(s.total_written, human) + " bytes  received " +
                    human_num(s.total_read, human) + " bytes  " + human_dnum(rate, 2, human) +
                    " bytes/sec\n";
  out += "total size is " + human_num(s.total_size, human) + "  speedup is " +
         comma_dnum(speedup, 2, human ? 1 : 0) + (dry_run ? " (DRY RUN)" : "") + "\n";
  return out;
}

}  // namespace crsync::session
