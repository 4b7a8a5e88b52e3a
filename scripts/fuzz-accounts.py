#!/usr/bin/env python3
"""Accounts for contract fuzzing (stdlib only, TLS verified against the data dir's CA).

Usage: fuzz-accounts.py INIT_JSON PORT
Activates the admin, creates an organisation, one account of every role with the terms
accepted, a contract and a referral with a ticket each (so that ids exist), and prints
{"tokens": {role: token}, "ticket": id, "referral": number} as JSON.
"""
import http.client, json, ssl, sys

init = json.load(open(sys.argv[1]))
port = int(sys.argv[2])
ctx = ssl.create_default_context(cafile=init["caFile"])
conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=60)

def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    if r.status >= 300:
        sys.exit(f"{method} {path} -> {r.status} {raw[:300]!r}")
    return json.loads(raw) if raw else {}

def activate(login, code):
    password = f"fuzzing passphrase of {login}"
    call("POST", "/v1/activate", {"login": login, "activationCode": code, "password": password})
    token = call("POST", "/v1/session", {"login": login, "password": password})["token"]
    call("POST", "/v1/me/consent", {"version": call("GET", "/v1/me", token=token)["consentRequired"]}, token)
    return token

tokens = {"admin": activate(init["adminLogin"], init["activationCode"])}
org = call("POST", "/v1/organisations", {"name": "Makler Fuzz GmbH", "partnerNumber": "P-FUZZ"}, tokens["admin"])["id"]
for login, role, extra in [("advisor", "advisor", {}), ("broker", "broker", {"organisationId": org}),
                           ("member", "member", {"memberNumber": "F1"}), ("dpo", "dpo", {})]:
    created = call("POST", "/v1/users", dict(login=login, role=role, displayName=login, **extra), tokens["admin"])
    tokens[role] = activate(login, created["activationCode"])
call("POST", "/v1/contracts", {"number": "FUZZ-1", "holder": {"surname": "Muster", "memberNumber": "F1"}}, tokens["advisor"])
referral = call("POST", "/v1/referrals", {"surname": "Muster", "phone": "+49 89 1234567", "licensePlate": "M-FZ 1",
                                          "policyNumber": "FUZZ-1"}, tokens["broker"])["number"]
ticket = call("POST", "/v1/tickets", {"reference": {"kind": "referral", "number": referral}, "subject": "Fuzz",
                                      "body": "Fuzz"}, tokens["broker"])["ticket"]["id"]
print(json.dumps({"tokens": tokens, "ticket": ticket, "referral": referral}))
