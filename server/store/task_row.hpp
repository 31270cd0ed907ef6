#pragma once
// What both stores write for a task of a batch: its row's JSON and its outbox key.
#include <string>

#include "store/store.hpp"

namespace taskstream {

/// The JSON of `batch.tasks[i]`: the one the journal already serialized when it did,
/// otherwise serialized into `scratch`.
inline const std::string& task_row_json(const WriteBatch& batch, std::size_t i, std::string& scratch) {
    if (i < batch.task_json.size() && batch.task_json[i]) return *batch.task_json[i];
    scratch = to_json(*batch.tasks[i]).dump();
    return scratch;
}

/// The outbox key of a finished task's callback: once per finish, the same on every
/// attempt (receivers deduplicate on it).
inline std::string callback_delivery_id(const Task& t) {
    return t.id + "." + std::to_string(t.finished_at);
}

}  // namespace taskstream
