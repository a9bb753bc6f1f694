"""Verifies RFC 9421 signatures of real responses of a running Sovren server
with pyauth's http-message-signatures, an implementation nobody on this
project wrote. Reads a JSON list of cases on stdin; prints one JSON result per
case: {"ok": bool, "keyid": str, "error": str}.

A case: {"base": "http://127.0.0.1:port", "token": "...", "method": "GET",
"path": "/v1/...", "body": {...} | null, "tamper": {...}}. The request is
made here (urllib); the keys come from the server's JWKS endpoints, chosen by
the signature's keyid (docs/signatures.md). `tamper` alters what was
received before verification: "status", "body" (text), "header" [name,
value], or "path" (verify as if it answered another request).
"""
import base64
import json
import sys
import urllib.error
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms
from http_message_signatures.structures import CaseInsensitiveDict

REQUIRED = ("@status", "content-type", "content-digest", '"@method";req', '"@path";req')


def fetch(base, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req) as res:
            return res.status, list(res.headers.items()), res.read()
    except urllib.error.HTTPError as e:
        return e.code, list(e.headers.items()), e.read()


class JwksResolver(HTTPSignatureKeyResolver):
    def __init__(self, base, token):
        self.base, self.token = base, token

    def resolve_public_key(self, key_id):
        if key_id.startswith("server/"):
            path = "/.well-known/jwks.json"
        elif key_id.startswith("executives/") and "/keys/" in key_id:
            path = "/v1/executives/" + key_id.split("/")[1] + "/keys"
        else:
            raise KeyError("unknown keyid " + key_id)
        status, _, body = fetch(self.base, self.token, "GET", path)
        if status != 200:
            raise KeyError(f"{path} answered {status}")
        for jwk in json.loads(body)["keys"]:
            if jwk["kid"] == key_id and jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519":
                x = jwk["x"] + "=" * (-len(jwk["x"]) % 4)
                return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x))
        raise KeyError("no key " + key_id + " at " + path)


class Request:
    def __init__(self, method, url):
        self.method, self.url, self.headers = method, url, CaseInsensitiveDict({})


class Response:
    def __init__(self, status, headers, request):
        self.status_code, self.request = status, request
        self.headers = CaseInsensitiveDict(dict(headers))


def run(case):
    base, token = case["base"], case.get("token")
    status, headers, body = fetch(base, token, case["method"], case["path"], case.get("body"))
    tamper = case.get("tamper") or {}
    path = tamper.get("path", case["path"])
    if "status" in tamper:
        status = tamper["status"]
    if "body" in tamper:
        body = tamper["body"].encode()
    response = Response(status, headers, Request(case["method"], base + path))
    if "header" in tamper:
        response.headers[tamper["header"][0]] = tamper["header"][1]
    keyid = ""
    try:
        verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=JwksResolver(base, token))
        results = verifier.verify(response, require_components=REQUIRED, body=body, expect_tag="sovren")
        keyid = results[0].parameters["keyid"]
        return {"ok": True, "keyid": keyid, "error": "", "status": status}
    except Exception as e:  # noqa: BLE001 - every failure is a failed verification
        return {"ok": False, "keyid": keyid, "error": f"{type(e).__name__}: {e}", "status": status}


if __name__ == "__main__":
    print(json.dumps([run(c) for c in json.load(sys.stdin)]))
