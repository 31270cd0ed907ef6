"""Redis nodes for the Sentinel tests, on loopback: data servers (a primary and its
replicas) and sentinels, each a real redis-server process with a password of its kind —
and, given `tls` (cert, key and CA files), only a TLS port, replication and the
sentinels' own links over TLS too — ended by pid; and a small bounded poll."""

import os
import socket
import subprocess
import time

DATA_PASSWORD = "data-secret"
SENTINEL_PASSWORD = "sentinel-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """redis-server (or a sentinel) on 127.0.0.1; kill() and stop() end it by pid."""

    def __init__(self, folder, name, args, ready, tls=None):
        self.name, self.port, self.tls = name, free_port(), tls
        self.folder = os.path.join(folder, name)
        os.makedirs(self.folder, exist_ok=True)
        self.log_path = os.path.join(self.folder, "log")
        self.args, self.ready = args, ready
        self.start()

    def start(self):
        self.log = open(self.log_path, "a+")
        self.process = subprocess.Popen(self.args(self), stdout=self.log, stderr=subprocess.STDOUT, cwd=self.folder)
        deadline = time.monotonic() + 10
        while self.ready not in open(self.log_path).read():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"{self.folder} did not start:\n" + open(self.log_path).read())
            time.sleep(0.02)  # polling its log for the ready line; bounded above

    def cli(self, *command):
        password = SENTINEL_PASSWORD if self.name.startswith("sentinel") else DATA_PASSWORD
        tls = ["--tls", "--cacert", self.tls["ca"]] if self.tls else []
        out = subprocess.run(["redis-cli", *tls, "--no-auth-warning", "-a", password, "-p", str(self.port), *command],
                             capture_output=True, text=True, timeout=5)
        return out.stdout

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.log.close()


def tls_args(tls, port):
    """A TLS port only, and TLS for replication and the sentinels' links."""
    return ["--port", "0", "--tls-port", str(port), "--tls-cert-file", tls["cert"], "--tls-key-file", tls["key"],
            "--tls-ca-cert-file", tls["ca"], "--tls-auth-clients", "no", "--tls-replication", "yes"]


def data_node(primary=None):
    def args(node):
        listen = tls_args(node.tls, node.port) if node.tls else ["--port", str(node.port)]
        a = ["redis-server", *listen, "--bind", "127.0.0.1", "--dir", node.folder, "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--logfile", "",
             "--replica-announce-ip", "127.0.0.1", "--requirepass", DATA_PASSWORD, "--masterauth", DATA_PASSWORD]
        return a + (["--replicaof", "127.0.0.1", str(primary.port)] if primary else [])
    return args


def sentinel_node(primary):
    def args(node):
        conf = os.path.join(node.folder, "sentinel.conf")
        if not os.path.exists(conf):  # the sentinel rewrites it: written once
            tls = node.tls
            listen = (f"port 0\ntls-port {node.port}\ntls-cert-file {tls['cert']}\ntls-key-file {tls['key']}\n"
                      f"tls-ca-cert-file {tls['ca']}\ntls-auth-clients no\ntls-replication yes\n") if tls else f"port {node.port}\n"
            with open(conf, "w") as f:
                f.write(f"{listen}bind 127.0.0.1\ndaemonize no\nlogfile \"\"\ndir {node.folder}\n"
                        f"sentinel monitor main 127.0.0.1 {primary.port} 2\n"
                        "sentinel down-after-milliseconds main 1000\nsentinel failover-timeout main 10000\n"
                        "sentinel parallel-syncs main 1\n"
                        f"sentinel auth-pass main {DATA_PASSWORD}\nrequirepass {SENTINEL_PASSWORD}\n"
                        f"sentinel sentinel-pass {SENTINEL_PASSWORD}\n")
        return ["redis-server", conf, "--sentinel"]
    return args


def until(check_fn, timeout=30.0, every=0.05):
    """Polls `check_fn` until it returns something true (bounded): that value, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check_fn()
        if value:
            return value
        time.sleep(every)
    return None


def sentinel_cluster(folder, replicas=2, sentinels=3, tls=None):
    """A primary, its replicas (synced) and sentinels that know them and each other:
    (primary, [replicas], [sentinels]). Raises, having ended what it started, if it does
    not come together in time."""
    started = []
    try:
        primary = Redis(folder, "primary", data_node(), "Ready to accept connections", tls)
        started.append(primary)
        for i in range(1, replicas + 1):
            started.append(Redis(folder, f"replica{i}", data_node(primary), "MASTER <-> REPLICA sync: Finished", tls))
        for i in range(1, sentinels + 1):
            started.append(Redis(folder, f"sentinel{i}", sentinel_node(primary), "+monitor master main", tls))
        watchers = started[1 + replicas:]
        known = lambda s, what: s.cli("sentinel", what, "main").splitlines().count("name")  # one "name" field each
        if not until(lambda: all(known(s, "sentinels") == sentinels - 1 and known(s, "replicas") == replicas
                                 for s in watchers)):
            raise RuntimeError("the sentinels did not come to know each other and the replicas")
        return primary, started[1:1 + replicas], watchers
    except BaseException:
        for node in reversed(started):
            node.kill()
        raise
