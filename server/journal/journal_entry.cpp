#include "journal/journal_entry.hpp"

#include "model/task_topic.hpp"

namespace taskstream {
namespace {

/// An entry with an event of `type` on `topic`; the named constructors add the rest.
JournalEntry with_event(std::string topic, std::string kind, std::string type, std::string data) {
    JournalEntry e;
    e.has_event = true;
    e.topic = std::move(topic);
    e.kind = std::move(kind);
    e.type = std::move(type);
    e.data = std::move(data);
    return e;
}

} // namespace

JournalEntry JournalEntry::task_state(std::shared_ptr<const Task> task, std::string task_json, Done done) {
    auto e = with_event(task->topic(), task->kind, "state", std::move(task_json));
    e.data_is_row = true;
    e.owner = task->owner;
    e.terminal = is_terminal(task->state);
    e.durable = true;
    e.task = std::move(task);
    e.done = std::move(done);
    return e;
}

JournalEntry JournalEntry::task_progress(std::shared_ptr<const Task> row, std::string data) {
    auto e = with_event(row->topic(), row->kind, "progress", std::move(data));
    e.owner = row->owner;
    e.task = std::move(row);
    return e;
}

JournalEntry JournalEntry::task_note(const std::string& task_id, std::string kind, std::string owner, std::string type,
                                     std::string data) {
    auto e = with_event(task_topic(task_id), std::move(kind), std::move(type), std::move(data));
    e.owner = std::move(owner);
    return e;
}

JournalEntry JournalEntry::producer_event(std::string topic, std::string type, std::string data, Sequenced sequenced,
                                          Done done, bool durable) {
    auto e = with_event(std::move(topic), "", std::move(type), std::move(data));
    e.durable = durable;
    e.publish_before_commit = true;
    e.sequenced = std::move(sequenced);
    e.done = std::move(done);
    return e;
}

JournalEntry JournalEntry::task_deletion(std::string task_id, Done done) {
    JournalEntry e;
    e.delete_task = std::move(task_id);
    e.durable = true;
    e.done = std::move(done);
    return e;
}

} // namespace taskstream
