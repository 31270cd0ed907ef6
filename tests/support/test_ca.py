"""A certificate authority made per test run with the openssl command, and
certificates it signs for loopback names (127.0.0.1, localhost). Servers under
test present them; clients trust only this CA."""

import os
import subprocess


def _openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


class TestCa:
    def __init__(self, folder, name="taskstream test CA"):
        self.folder = folder
        self.key = os.path.join(folder, "ca.key")
        self.cert = os.path.join(folder, "ca.pem")
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                 self.key, "-out", self.cert, "-days", "2", "-subj", f"/CN={name}",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def issue(self, name, sans=("IP:127.0.0.1", "DNS:localhost"), usage="serverAuth"):
        """(cert_file, key_file) for a server known by `sans` (usage="clientAuth": a client's)."""
        key = os.path.join(self.folder, f"{name}.key")
        csr = os.path.join(self.folder, f"{name}.csr")
        cert = os.path.join(self.folder, f"{name}.pem")
        ext = os.path.join(self.folder, f"{name}.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=" + ",".join(sans) + f"\nextendedKeyUsage={usage}\n"
                    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n")
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
                 "-subj", f"/CN={name}")
        _openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key, "-CAcreateserial", "-out", cert,
                 "-days", "2", "-extfile", ext)
        return cert, key
