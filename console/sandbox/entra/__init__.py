"""The Entra ID stand-in: Microsoft's client-credentials flow over HTTPS on loopback.

It answers exactly what the real ``azure.identity.ClientSecretCredential`` (sync, through
MSAL, and async) asks for: OpenID discovery, the v2.0 token endpoint and the signing keys.
Failures come back in Entra's own shape (AADSTS code, trace and correlation ids), so the
console's diagnosis is exercised on realistic text.

- `tenants`: the directory (tenants, app registrations, a ready-made demo identity)
- `faults`: what can be made to fail, switched while it runs
- `records`: what a request looked like to it, secrets masked
- `errors`: AADSTS codes, their wording and Entra's error body
- `discovery`: the OpenID configuration document
- `stand_in`: the directory, signing key and grant behind the endpoints
- `app`: the HTTP routes
- `server`: the stand-in served over HTTPS with its own CA
"""
