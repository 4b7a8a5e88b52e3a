#!/usr/bin/env python3
"""The zip export with attachments (docs/benchmarks.md): seeds a subject with N_TICKETS x PER_TICKET
copies of FILE (a JPEG) through the API, then reads one `?format=zip` export in 64 KiB chunks and
prints its size, time to first byte, total time and the server's peak RSS before and after.
argv: init.json FILE N_TICKETS PER_TICKET; environment: PEER_PORT, SERVER_PID. Stdlib only."""
import http.client, json, os, ssl, sys, time
port = int(os.environ["PEER_PORT"])
init = json.load(open(sys.argv[1]))
jpeg = open(sys.argv[2], "rb").read()
n_tickets, per_ticket = int(sys.argv[3]), int(sys.argv[4])
ctx = ssl.create_default_context(cafile=init["caFile"]); ctx.check_hostname = False
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=600)
def call(method, path, body=None, token=None, ok=(200, 201, 204), raw=None, ctype="application/json"):
    headers = {"Content-Type": ctype}
    if token: headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=raw if raw is not None else (json.dumps(body).encode() if body is not None else None), headers=headers)
    r = conn.getresponse(); data = r.read()
    if r.status not in ok: sys.exit(f"{method} {path} -> {r.status} {data[:300]!r}")
    return json.loads(data) if data else {}
def activate(login, code, pw):
    call("POST", "/v1/activate", {"login": login, "activationCode": code, "password": pw})
    t = call("POST", "/v1/session", {"login": login, "password": pw})["token"]
    call("POST", "/v1/me/consent", {"version": call("GET", "/v1/me", token=t)["consentRequired"]}, t)
    return t
admin = activate(init["adminLogin"], init["activationCode"], "bench admin passphrase 2026")
adv = activate("bench", call("POST", "/v1/users", {"login": "bench", "role": "advisor", "displayName": "B"}, admin)["activationCode"], "bench advisor passphrase 2026")
dpo = activate("dora", call("POST", "/v1/users", {"login": "dora", "role": "dpo", "displayName": "D"}, admin)["activationCode"], "bench dpo passphrase 2026")
call("POST", "/v1/contracts", {"number": "ZIP-1", "holder": {"surname": "Muster"}}, adv)
for t in range(n_tickets):
    tid = call("POST", "/v1/tickets", {"reference": {"kind": "contract", "number": "ZIP-1"}, "subject": f"Z{t}", "body": "Unterlagen"}, adv)["ticket"]["id"]
    for i in range(per_ticket):
        call("POST", f"/v1/tickets/{tid}/attachments", raw=jpeg, token=adv, ctype="image/jpeg")
subject = call("POST", "/v1/subjects/search", {"policyNumber": "ZIP-1"}, dpo)["subjects"][0]["id"]
def rss():
    status = open(f"/proc/{os.environ['SERVER_PID']}/status").read().splitlines()
    return " ".join(" ".join(l.split()) for l in status if l.startswith(("VmHWM", "VmRSS")))
print("before export:", rss())
start = time.time()
conn.request("GET", f"/v1/subjects/{subject}/export?format=zip", headers={"Authorization": "Bearer " + dpo})
r = conn.getresponse(); total = 0; first = None
while True:
    chunk = r.read(1 << 16)
    if not chunk: break
    if first is None: first = time.time() - start
    total += len(chunk)
print(f"status={r.status} bytes={total} first_byte_s={first:.3f} total_s={time.time()-start:.3f}")
print("after export: ", rss())
