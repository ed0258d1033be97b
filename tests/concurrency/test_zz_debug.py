import time, threading, collections
from tests.concurrency import test_demand_race as mod
from tests.concurrency.race import Outcome
from chalicelib.services import demand as demand_service

def overflows():
    lines = open('/proc/net/netstat').read().splitlines()
    d = dict(zip(lines[0].split(), lines[1].split()))
    return int(d['ListenOverflows'])

def test_debug():
    real_race = mod.race
    def race(threads, call):
        durations = [0.0]*threads
        barrier = threading.Barrier(threads)
        outs = [Outcome() for _ in range(threads)]
        def run(i):
            barrier.wait(); s = time.monotonic()
            try: outs[i].value = call(i)
            except BaseException as e: outs[i].error = e
            durations[i] = time.monotonic() - s
        ws = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(threads)]
        o = overflows(); s = time.monotonic()
        for w in ws: w.start()
        for w in ws: w.join(120)
        print(f"\nwall {time.monotonic()-s:.2f} hist {sorted(collections.Counter(round(d) for d in durations).items())} overflows {overflows()-o}")
        return outs
    mod.race = race
    try:
        for k in range(5):
            r = mod.run_round(demand_service.submit, k)
            print(collections.Counter(type(o.error).__name__ if o.error else 'ok' for o in r.outcomes))
    finally:
        mod.race = real_race
