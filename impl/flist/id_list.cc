#include "flist/id_list.h"

#include "wire/primitives.h"

namespace crsync::flist {
namespace {

Status read_name(ByteReader& r, uint32_t id, std::vector<IdName>* out) {
  uint8_t len = 0;
  CRSYNC_RETURN_IF_ERROR(wire::get_byte(r, &len));
  ByteSpan n;
  CRSYNC_RETURN_IF_ERROR(r.take(len, &n));
  out->push_back({id, std::string(as_chars(n))});
  return Status::Ok();
}

Status read_one(ByteReader& r, const IdListOptions& o, std::vector<IdName>* out) {
  while (true) {
    int32_t id = 0;
    CRSYNC_RETURN_IF_ERROR(wire::get_varint30(r, o.protocol, &id));
    if (id == 0) break;
    CRSYNC_RETURN_IF_ERROR(read_name(r, static_cast<uint32_t>(id), out));
  }
  if (o.id0_names) CRSYNC_RETURN_IF_ERROR(read_name(r, 0, out));
  return Status::Ok();
}

void write_one(ByteWriter& w, const IdListOptions& o, const std::vector<IdName>& list) {
  std::string id0;
  for (const IdName& n : list) {
    if (n.id == 0) {
      id0 = n.name;
      continue;
    }
    if (n.name.empty()) continue;
    wire::put_varint30(w, static_cast<int32_t>(n.id), o.protocol);
    const size_t len = std::min<size_t>(n.name.size(), 255);
    wire::put_byte(w, static_cast<uint8_t>(len));
    w.append(std::string_view(n.name).substr(0, len));
  }
  wire::put_varint30(w, 0, o.protocol);
  if (o.id0_names) {
    const size_t len = std::min<size_t>(id0.size(), 255);
    wire::put_byte(w, static_cast<uint8_t>(len));
    w.append(std::string_view(id0).substr(0, len));
  }
}

}  // namespace

Status read_id_lists(ByteReader& r, const IdListOptions& o, IdLists* out) {
  const size_t start = r.pos();
  IdLists tmp;
  Status s;
  if (o.users) s = read_one(r, o, &tmp.users);
  if (s.ok() && o.groups) s = read_one(r, o, &tmp.groups);
  if (!s.ok()) {
    if (s.need_more()) r.seek(start);
    return s;
  }
  *out = std::move(tmp);
  return Status::Ok();
}

void write_id_lists(ByteWriter& w, const IdListOptions& o, const IdLists& lists) {
  if (o.users) write_one(w, o, lists.users);
  if (o.groups) write_one(w, o, lists.groups);
}

}  // namespace crsync::flist
