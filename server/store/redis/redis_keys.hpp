// Every Redis key taskstream uses, all under the prefix P (`--redis-prefix`), and
// the one function that spells them. Several servers share one prefix: the keys
// below are the whole of what they share.
//
// Tasks and events (RedisStore):
//   P:task:<id>            hash   body (the task's JSON), state, kind, owner, claim (the P:claims entry of its attempt)
//   P:tasks                zset   every task id (score 0: ordered by id, newest last)
//   P:tasks:state:<s>, P:tasks:kind:<k>, P:tasks:owner:<o>   zsets, the same, by filter
//   P:tasks:term:<sha256>  zset   the same, of the tasks a search term finds (a tag, a metadata value, a concurrency key)
//   P:finished             zset   finished task ids, by finished_at (retention)
//   P:gone                 zset   tombstones of pruned and deleted tasks, by when
//   P:seq                  string the last event id given (INCRBY in the write script)
//   P:events               stream every event, id <seq>-0: the global order, read by every server
//   P:topic:<t>            stream the events of one topic, the same ids (per-topic replay)
//   P:topics               set    topics that have events (retention)
//   P:floor                hash   topic -> the highest pruned seq
//   P:idem:key:<sha256>    hash   body_hash, task_id, created_at, under the SHA-256 of the client's
//                                 Idempotency-Key; P:idem:by-time zset (members: the keys as sent)
//   P:meta                 hash   seq_ceiling (ids written with their own seq: the store contract's tests)
//   P:callbacks            hash   delivery id -> the pending callback (JSON); P:callbacks:due zset
//   P:dedupe:<kind>:<sha256> string the unfinished task of the kind and owner with this dedupe key (set with its
//                                 row while unfinished, dropped with its end if it still names it)
//   P:once:<key>           string a firing claimed by one server (Store::claim_once), with an expiry
//   P:ticket:<sha256>      string a stream ticket (JSON: principal, streams, expiry), with its expiry: GETDEL redeems it
//   P:stats:<minute>:<kind> hash  a kind's minute of task history: counters and histogram buckets (HINCRBY
//                                 in the write script); P:stats:minutes zset of those "<minute>:<kind>", by minute
//
// The queue (written with the task rows by RedisStore, worked by RedisWorkQueue):
//   P:due                  zset   task ids waiting to be due, by the time they may run (ms)
//   P:qmeta                hash   task id -> "<priority> <kind>[ <concurrency key>]", while the task
//                                 waits (due or ready)
//   P:ready:<kind>         zset   due task ids of one kind without a concurrency key, by due time minus
//                                 priority × aging step: the lowest score runs next, on every server
//   P:ready:<kind>:key:<sha1>  zset   the same for one concurrency key (the SHA-1 of the client's key)
//   P:heads:<kind>         zset   concurrency keys whose group has tasks and whose key is below the
//                                 kind's key limit, by their head's score (what a claim compares)
//   P:running:keys:<kind>  hash   concurrency key -> attempts claimed and not released
//   P:key-limits           hash   kind -> its key_concurrency (written by the servers that run it)
//   P:rate:kinds           hash   kind -> when its rate lets its next start (ms): the claim's GCRA state
//   P:rate:keys:<kind>     zset   concurrency key -> the same per key (past times trimmed by claims)
//   P:rate:waiting:<kind>  zset   keys with due tasks held out of P:heads:<kind> by their rate, by when
//   P:behind               hash   task id -> "<id> <due>": the task that replaced it (dedupe replace) while
//                                 it ran; in P:qmeta but on no queue until that task's end moves it to P:due
//                                 it lets them start (a claim puts them back then)
//   P:expires              zset   waiting task ids with a start deadline, by it (ms): a server takes
//                                 those past it that none has claimed and ends them expired
//   P:claims               stream one entry per attempt taken by a server; the consumer group
//                                 `workers` holds it pending under that server's name (its lease)
//   P:running:kinds        hash   kind -> attempts claimed and not released (the cluster's limit)
//   P:paused               string present while the cluster is paused
//   P:paused:kinds         set    kinds paused by an operator (POST /v1/kinds/{kind}/pause)
//   P:control              stream messages to every server: cancel <id>, pause, resume,
//                                 pause-kind <kind>, resume-kind <kind>
#pragma once

#include <string>
#include <string_view>

namespace taskstream {

inline std::string redis_key(std::string_view prefix, std::string_view part) {
    std::string k(prefix);
    k += ':';
    k += part;
    return k;
}

/// The keys that embed what a client sent, each spelled in one place so that no client
/// string can name a bookkeeping key: an Idempotency-Key of "by-time" once named the
/// zset P:idem:by-time itself.
struct RedisClientKeys {
    std::string prefix;

    /// P:idem:key:<SHA-256 hex of the key>: any client key, one fixed-form name.
    std::string idempotency(std::string_view client_key) const;
    /// P:dedupe:<kind>:<SHA-256 hex of the owner, a NUL and the key>: the unfinished task
    /// of that owner a dedupe key names.
    std::string dedupe(std::string_view kind, std::string_view owner, std::string_view client_key) const;
    /// P:tasks:term:<SHA-256 hex of the term>: the tasks a search term (model/task_labels) finds.
    std::string term(std::string_view term) const;
    /// P:idem:by-time: the idempotency keys by when they were stored (retention).
    std::string idempotency_by_time() const { return redis_key(prefix, "idem:by-time"); }
};

} // namespace taskstream
