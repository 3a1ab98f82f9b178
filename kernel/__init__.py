"""The shared kernel: what every domain and the API layer build on, importing none of them.

- `problems`: the located problem, the one error shape of the service, and the refusal that
  carries problems out of a service;
- `scoping`: who may see a row (the tenant-scoping registry each domain fills);
- `values`: client values recognised once for every entry point (ids, unstorable text,
  JSON Pointers, JSON sizes);
- `requests`: what an HTTP request says about itself (its declared body size).
"""
