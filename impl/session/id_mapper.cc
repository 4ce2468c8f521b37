#include "session/id_mapper.h"

#include <grp.h>
#include <pwd.h>

namespace crsync::session {

std::optional<uint32_t> system_user_id(const std::string& name) {
  if (const passwd* p = ::getpwnam(name.c_str())) return p->pw_uid;
  return std::nullopt;
}

std::optional<uint32_t> system_group_id(const std::string& name) {
  if (const group* g = ::getgrnam(name.c_str())) return g->gr_gid;
  return std::nullopt;
}

IdMapper::IdMapper(Lookup user_lookup, Lookup group_lookup)
    : user_lookup_(user_lookup ? user_lookup : system_user_id),
      group_lookup_(group_lookup ? group_lookup : system_group_id) {}

void IdMapper::add(Table& t, uint32_t id, const std::string& name) {
  if (name.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  t.try_emplace(id, Named{name, std::nullopt, false});
}

uint32_t IdMapper::map(Table& t, Lookup lookup, uint32_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = t.find(id);
  if (it == t.end()) return id;
  Named& n = it->second;
  if (!n.looked_up) {
    n.local = lookup(n.name);
    n.looked_up = true;
    ++lookups_;
  }
  return n.local.value_or(id);
}

void IdMapper::add_user(uint32_t id, const std::string& name) {
  add(users_, id, name);
}
void IdMapper::add_group(uint32_t id, const std::string& name) {
  add(groups_, id, name);
}
uint32_t IdMapper::map_user(uint32_t id) {
  return map(users_, user_lookup_, id);
}
uint32_t IdMapper::map_group(uint32_t id) {
  return map(groups_, group_lookup_, id);
}

}  // namespace crsync::session
