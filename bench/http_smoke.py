# Quick HTTP smoke figures against a running release server on 127.0.0.1:18081 with key ak/sk:
#   CYANOTYPE_ACCESS_KEY_ID=ak CYANOTYPE_ACCESS_KEY_SECRET=sk target/release/cyanotype serve --data-dir /tmp/cyb --listen 127.0.0.1:18081
#   tests/compat/.venv/bin/python bench/http_smoke.py
# The full HTTP benchmark against thumbor (wrk, RSS) is issue 5.
import oss2, time, statistics, sys, concurrent.futures as cf
auth = oss2.Auth("ak", "sk")
b = oss2.Bucket(auth, "http://127.0.0.1:18081", "bench", region="cn-hangzhou")
b.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ)
b.put_object_from_file("example.jpg", __import__("os").path.join(__import__("os").path.dirname(__file__), "..", "..", "shared", "testdata", "oss", "example.jpg"))
import requests
s = requests.Session()
url = "http://127.0.0.1:18081/bench/example.jpg?x-oss-process=image/resize,w_100"
raw = "http://127.0.0.1:18081/bench/example.jpg"
for name, u in [("raw GET 21 KB", raw), ("resize,w_100", url)]:
    for _ in range(20): s.get(u)
    t = []
    for _ in range(200):
        a = time.perf_counter(); r = s.get(u); t.append((time.perf_counter() - a) * 1000); assert r.status_code == 200
    print(f"{name}: median {statistics.median(t):.2f} ms, p99 {sorted(t)[197]:.2f} ms (sequential, 200 requests)")
def one(_):
    return requests.get(url).status_code
a = time.perf_counter()
with cf.ThreadPoolExecutor(8) as ex:
    codes = list(ex.map(one, range(400)))
print(f"resize,w_100 at concurrency 8: {400/(time.perf_counter()-a):.0f} req/s, statuses {sorted(set(codes))}")
