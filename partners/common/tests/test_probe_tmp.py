import json
from django.test import Client
from django.urls import get_resolver, URLPattern, URLResolver, reverse
from partners.common.tests.urlmatrix_support import walk, sample_kwargs

def test_probe(world, api_client):
    samples = sample_kwargs(world)
    out = []
    roles = ["anon"] + list(world.users)
    for route, name, pattern in walk():
        row = {"route": route, "name": name}
        for role in roles:
            if route.startswith(("api/", "fhir/")):
                c = Client() if role == "anon" else api_client(world.users[role])
            else:
                c = Client()
                if role != "anon":
                    c.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
            url = samples.url(route, name)
            if url is None:
                row[role] = "nourl"; continue
            import time
            t=time.time()
            try:
                r = c.get(url)
            except Exception as exc:
                row[role] = "EXC " + type(exc).__name__ + str(exc)[:40]; continue
            dt=time.time()-t
            if dt>1: print("SLOW", url, role, dt, flush=True)
            s = str(r.status_code)
            if r.status_code == 302: s += ">" + r["Location"][:20]
            if r.status_code == 405:
                try:
                    r2 = c.post(url, {})
                except Exception as exc:
                    row[role] = "EXC " + type(exc).__name__ + str(exc)[:40]; continue
                s += "/P" + str(r2.status_code)
            row[role] = s
        out.append(row)
        json.dump(out, open("/tmp/probe/out.json", "w"), indent=0)
    json.dump(out, open("/tmp/probe/out.json", "w"), indent=0)
