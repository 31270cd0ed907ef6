#include "journal/journal_entry.hpp"

#include "model/task_topic.hpp"

namespace taskstream {

JournalEntry JournalEntry::task_state(std::shared_ptr<const Task> task, std::string task_json, Done done) {
    JournalEntry e;
    e.has_event = true;
    e.topic = task->topic();
    e.kind = task->kind;
    e.type = "state";
    e.data = std::move(task_json);
    e.data_is_row = true;
    e.terminal = is_terminal(task->state);
    e.durable = true;
    e.task = std::move(task);
    e.done = std::move(done);
    return e;
}

JournalEntry JournalEntry::task_progress(std::shared_ptr<const Task> row, std::string data) {
    JournalEntry e;
    e.has_event = true;
    e.topic = row->topic();
    e.kind = row->kind;
    e.type = "progress";
    e.data = std::move(data);
    e.task = std::move(row);
    return e;
}

JournalEntry JournalEntry::task_log(const std::string& task_id, std::string kind, std::string data) {
    JournalEntry e;
    e.has_event = true;
    e.topic = task_topic(task_id);
    e.kind = std::move(kind);
    e.type = "log";
    e.data = std::move(data);
    return e;
}

JournalEntry JournalEntry::producer_event(std::string topic, std::string type, std::string data, Sequenced sequenced,
                                          Done done) {
    JournalEntry e;
    e.has_event = true;
    e.topic = std::move(topic);
    e.type = std::move(type);
    e.data = std::move(data);
    e.durable = true;
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
