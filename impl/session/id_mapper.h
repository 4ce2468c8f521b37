// The receiving side's user and group mapping (upstream uidlist.c): the
// sender names each id it uses once, in the id lists or inline in an entry
// (incremental recursion); the receiver maps each named id to the local id
// of the same name, else keeps the number. Each id is looked up once per
// session and the answer kept (a name lookup re-reads /etc/passwd or
// /etc/group, which costs more than the rest of handling an unchanged file).
// Thread-safe: the generator and the receiver map ids while the receiver
// adds the names of later sub-lists.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace crsync::session {

class IdMapper {
 public:
  // A name -> local id lookup; nullopt when the name is unknown here.
  using Lookup = std::optional<uint32_t> (*)(const std::string& name);

  // Lookups default to getpwnam / getgrnam; tests replace them.
  explicit IdMapper(Lookup user_lookup = nullptr, Lookup group_lookup = nullptr);

  // The sender's name for one of its ids. The first non-empty name given
  // for an id wins; empty names are ignored.
  void add_user(uint32_t id, const std::string& name);
  void add_group(uint32_t id, const std::string& name);

  // The local id for a sender's id: that of its name when the name exists
  // here, else the id itself.
  uint32_t map_user(uint32_t id);
  uint32_t map_group(uint32_t id);

  // Name lookups made so far (for tests).
  int lookups() const { return lookups_; }

 private:
  struct Named {
    std::string name;
    std::optional<uint32_t> local;  // the lookup's answer, once made
    bool looked_up = false;
  };
  using Table = std::unordered_map<uint32_t, Named>;
  void add(Table& t, uint32_t id, const std::string& name);
  uint32_t map(Table& t, Lookup lookup, uint32_t id);

  std::mutex mu_;
  Lookup user_lookup_;
  Lookup group_lookup_;
  Table users_, groups_;
  int lookups_ = 0;
};

// getpwnam / getgrnam.
std::optional<uint32_t> system_user_id(const std::string& name);
std::optional<uint32_t> system_group_id(const std::string& name);

}  // namespace crsync::session
