"""JWTs for tests, made without the server's library: HS256 with hmac, RS256 and
ES256 by the openssl command (so a token the server accepts was signed by an
independent implementation). Keys are made per test run in a temporary folder."""

import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _der_to_raw(der):
    """An ECDSA DER signature (SEQUENCE of r, s) as the 64-byte r||s of JWS."""
    assert der[0] == 0x30
    at = 2 if der[1] < 0x80 else 3
    out = b""
    for _ in range(2):
        assert der[at] == 0x02
        n = der[at + 1]
        out += der[at + 2:at + 2 + n].lstrip(b"\x00").rjust(32, b"\x00")
        at += 2 + n
    return out


class Keys:
    """An HS256 secret, an RSA and a P-256 key pair, and a JWKS of the public keys."""

    def __init__(self, folder):
        self.folder = folder
        self.secret = b"s" * 16 + os.urandom(16).hex().encode()
        self.secret_file = self._write("hs256.secret", self.secret)
        self.rsa = os.path.join(folder, "rsa.pem")
        self.ec = os.path.join(folder, "ec.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                        self.rsa], check=True, capture_output=True)
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                        self.ec], check=True, capture_output=True)
        self.rsa_public = self._public(self.rsa, "rsa.pub.pem")
        self.ec_public = self._public(self.ec, "ec.pub.pem")
        self.jwks_file = self._write("jwks.json", json.dumps({"keys": [self._rsa_jwk("rsa-1"),
                                                                         self._ec_jwk("ec-1")]}).encode())

    def _write(self, name, data):
        path = os.path.join(self.folder, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def _public(self, private, name):
        path = os.path.join(self.folder, name)
        subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out", path], check=True, capture_output=True)
        return path

    def _rsa_jwk(self, kid):
        text = subprocess.run(["openssl", "rsa", "-in", self.rsa, "-noout", "-modulus"], check=True,
                              capture_output=True, text=True).stdout
        modulus = bytes.fromhex(text.strip().split("=")[1])
        return {"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": b64url(modulus),
                "e": b64url((65537).to_bytes(3, "big"))}

    def _ec_jwk(self, kid):
        text = subprocess.run(["openssl", "ec", "-in", self.ec, "-noout", "-text"], check=True,
                              capture_output=True, text=True).stdout
        block = re.search(r"pub:\s*\n((?:\s+[0-9a-f:]+\n)+)", text).group(1)
        point = bytes.fromhex(re.sub(r"[\s:]", "", block))
        assert point[0] == 4 and len(point) == 65
        return {"kty": "EC", "kid": kid, "crv": "P-256", "use": "sig", "x": b64url(point[1:33]),
                "y": b64url(point[33:])}

    def sign(self, claims, alg="HS256", kid=None, secret=None, header=None):
        head = dict(header or {"alg": alg, "typ": "JWT"})
        if kid:
            head["kid"] = kid
        signing_input = (b64url(json.dumps(head).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
        if alg == "none":
            return signing_input.decode() + "."
        if alg == "HS256":
            signature = hmac.new(secret or self.secret, signing_input, hashlib.sha256).digest()
        else:
            key = self.rsa if alg == "RS256" else self.ec
            signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input,
                                       check=True, capture_output=True).stdout
            if alg == "ES256":
                signature = _der_to_raw(signature)
        return signing_input.decode() + "." + b64url(signature)


def claims(sub, ttl=600, **scope):
    """Claims for `sub`, valid for `ttl` seconds, with a taskstream scope of `scope`."""
    now = int(time.time())
    body = {"sub": sub, "iat": now, "exp": now + ttl}
    if scope:
        body["taskstream"] = scope
    return body
