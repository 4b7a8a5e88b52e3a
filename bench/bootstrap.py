#!/usr/bin/env python3
"""Bootstrap a fresh Postbox for `make bench` (stdlib only, TLS verified against the data dir's CA).

Activates the admin, creates the benchmark advisor (accepting the terms), registers a contract,
opens two tickets on it and seeds the W2 thread:
  W1 ticket: one message (the thread that is posted into)
  W2 ticket: THREAD_MESSAGES messages of MSG_BYTES text (the thread that is read)
Prints shell assignments: TOKEN, TICKET_W1, TICKET_W2.
"""
import http.client, json, os, ssl, sys

host, port = os.environ.get("PEER_HOST", "127.0.0.1"), int(os.environ["PEER_PORT"])
init = json.load(open(sys.argv[1]))
n_msgs = int(os.environ.get("THREAD_MESSAGES", "520"))
msg_bytes = int(os.environ.get("MSG_BYTES", "1000"))

ctx = ssl.create_default_context(cafile=init["caFile"])
ctx.check_hostname = False  # the dev certificate names localhost; the chain is still verified
conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=60)

def call(method, path, body=None, token=None, ok=(200, 201, 204)):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    if r.status not in ok:
        sys.exit(f"{method} {path} -> {r.status} {raw[:300]!r}")
    return json.loads(raw) if raw else {}

def activate(login, code, password):
    call("POST", "/v1/activate", {"login": login, "activationCode": code, "password": password})
    token = call("POST", "/v1/session", {"login": login, "password": password})["token"]
    terms = call("GET", "/v1/me", token=token)["consentRequired"]
    call("POST", "/v1/me/consent", {"version": terms}, token)
    return token

admin = activate(init["adminLogin"], init["activationCode"], "bench admin passphrase 2026")
created = call("POST", "/v1/users", {"login": "bench", "role": "advisor", "displayName": "Bench Advisor"}, admin)
token = activate("bench", created["activationCode"], "bench advisor passphrase 2026")
call("POST", "/v1/contracts", {"number": "BENCH-1", "holder": {"surname": "Muster"}}, token)

words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
text = (words * (msg_bytes // len(words) + 1))[:msg_bytes]
tickets = {}
for name in ("W1", "W2"):
    opened = call("POST", "/v1/tickets", {"reference": {"kind": "contract", "number": "BENCH-1"},
                                          "subject": f"Benchmark {name}", "body": text}, token)
    tickets[name] = opened["ticket"]["id"]
for i in range(n_msgs - 1):
    call("POST", f"/v1/tickets/{tickets['W2']}/messages", {"body": f"{i} {text}"}, token)
print(f"TOKEN={token}\nTICKET_W1={tickets['W1']}\nTICKET_W2={tickets['W2']}")
