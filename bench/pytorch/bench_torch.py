#!/usr/bin/env python3
"""The cases of `cnn4j bench` in PyTorch, written in cnn4j's results schema so that
`cnn4j bench --torch torch.json` shows them beside cnn4j's backends.

The case list is not defined here: it is read from the plan cnn4j writes (`cnn4j bench --plan plan.json`), so
names and shapes cannot drift between the two. Every case kind of the plan (gemm, conv2d, maxpool2d, relu,
batchnorm2d, dropout, linear, softmax-xent, adam, train-step) has a PyTorch counterpart below; a kind this script
does not know is an error, not a silent skip.

    ./cnn4j bench --plan plan.json
    python3 bench/pytorch/bench_torch.py --plan plan.json --out torch.json            # CPU, all cores
    python3 bench/pytorch/bench_torch.py --plan plan.json --out torch.json --device cuda --filter '^(sgemm|lenet5)'
    ./cnn4j bench --backend cpu --torch torch.json

Which BLAS PyTorch runs torch.mm and its linear layers on is recorded in the output's "blas" object (BLAS_INFO and
LAPACK_INFO of torch.__config__.show(), what libblas.so.3 and its Debian alternative resolve to, the libraries the
process loaded, torch.mm 1024 GFLOP/s) and printed; when it is the netlib reference BLAS (Debian's python3-torch
without libopenblas0-openmp) a banner on stderr and the first note of the results say so: such figures are not
what PyTorch users get.

Timing mirrors cnn4j's runner: warm-up for --warmup seconds, then calls until --min-time seconds and --min-reps
calls (or --max-time), each call followed by torch.cuda.synchronize() on CUDA; the median is reported.
"""
import argparse
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

import torch
import torch.nn as nn
import torch.nn.functional as F

SCHEMA = "cnn4j-bench/1"
aten = torch.ops.aten


def load_avg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return "%.1f GiB" % (int(line.split()[1]) / 1048576.0)
    except OSError:
        pass
    return "unknown"


def build_setting(show, key):
    """A KEY=value of torch.__config__.show()'s build settings (BLAS_INFO, LAPACK_INFO), or None."""
    m = re.search(r"\b%s=([^,\s]+)" % re.escape(key), show)
    return m.group(1) if m else None


def multiarch():
    return "%s-linux-gnu" % platform.machine()


def libblas_path():
    """What the system's libblas.so.3 resolves to (symbolic links and Debian's alternative followed), or None."""
    for d in ("/usr/lib/%s" % multiarch(), "/usr/lib64", "/usr/lib"):
        p = os.path.join(d, "libblas.so.3")
        if os.path.exists(p):
            return os.path.realpath(p)
    return None


def libblas_alternative():
    """The libblas.so.3 alternative's current value (Debian's update-alternatives), or None."""
    try:
        out = subprocess.run(["update-alternatives", "--query", "libblas.so.3-%s" % multiarch()],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.stdout.splitlines():
        if line.startswith("Value:"):
            return line.split(":", 1)[1].strip() or None
    return None


def loaded_blas():
    """The BLAS/LAPACK libraries mapped into this process (Linux /proc/self/maps), realpaths, sorted."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[5].startswith("/"):
                    name = os.path.basename(parts[5]).lower()
                    if re.search(r"blas|lapack|mkl|blis|atlas|accelerate", name):
                        libs.add(os.path.realpath(parts[5]))
    except OSError:
        pass
    return sorted(libs)


def classify_blas(blas_info, loaded, libblas):
    """Names the BLAS implementation from what the process loaded, else BLAS_INFO, else libblas.so.3's target."""
    def by_path(paths):
        text = " ".join(paths).lower()
        if "mkl" in text:
            return "MKL"
        if "openblas" in text:
            return "OpenBLAS"
        if "blis" in text:
            return "BLIS"
        if "atlas" in text:
            return "ATLAS"
        if "accelerate" in text:
            return "Accelerate"
        if re.search(r"/blas/libblas\.so", text):  # Debian's libblas3: the netlib reference implementation
            return REFERENCE_BLAS
        return None
    found = by_path(loaded)
    if found:
        return found
    info = (blas_info or "").lower()
    if info in ("mkl", "open", "openblas", "blis", "accelerate", "atlas"):
        return {"mkl": "MKL", "open": "OpenBLAS", "openblas": "OpenBLAS", "blis": "BLIS",
                "accelerate": "Accelerate", "atlas": "ATLAS"}[info]
    return by_path([libblas] if libblas else []) or "unknown"


REFERENCE_BLAS = "reference BLAS (netlib)"


def mm_gflops(n=1024, reps=3):
    """torch.mm of two n x n float32 matrices on the CPU: best GFLOP/s of reps calls after one warm-up."""
    g = torch.Generator().manual_seed(7)
    a, b = torch.rand(n, n, generator=g), torch.rand(n, n, generator=g)
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9


def blas_record():
    """Which BLAS this PyTorch runs torch.mm on: build settings, libblas.so.3, what is loaded, a quick torch.mm."""
    show = torch.__config__.show()
    blas_info, lapack_info = build_setting(show, "BLAS_INFO"), build_setting(show, "LAPACK_INFO")
    gflops = mm_gflops()  # also makes sure the BLAS library is loaded before the maps are read
    libblas, loaded = libblas_path(), loaded_blas()
    impl = classify_blas(blas_info, loaded, libblas)
    rec = {"implementation": impl, "reference": impl == REFERENCE_BLAS, "blasInfo": blas_info,
           "lapackInfo": lapack_info, "libblas": libblas, "alternative": libblas_alternative(), "loaded": loaded,
           "mm1024Gflops": gflops, "warning": None}
    if rec["reference"]:
        rec["warning"] = ("PyTorch is using the REFERENCE BLAS (netlib, %s): torch.mm 1024 runs at %.1f GFLOP/s. "
                          "Its GEMM and linear-layer figures are not what PyTorch users get; install an optimized "
                          "BLAS (Debian: apt-get install libopenblas0-openmp) and run bench_torch.py again."
                          % (", ".join(loaded) or libblas, gflops))
    return rec


def describe_blas(rec):
    parts = ["BLAS_INFO=%s" % rec["blasInfo"], "LAPACK_INFO=%s" % rec["lapackInfo"]]
    if rec["libblas"]:
        parts.append("libblas.so.3 -> %s" % rec["libblas"])
    if rec["alternative"] and rec["alternative"] != rec["libblas"]:
        parts.append("alternative %s" % rec["alternative"])
    if rec["loaded"]:
        parts.append("loaded " + ", ".join(rec["loaded"]))
    parts.append("torch.mm 1024: %.1f GFLOP/s" % rec["mm1024Gflops"])
    return "%s (%s)" % (rec["implementation"], "; ".join(parts))


def shout(text):
    bar = "#" * 100
    print(bar, file=sys.stderr)
    words, line = text.split(), "#"
    for w in words:
        if len(line) + 1 + len(w) > 98:
            print(line, file=sys.stderr)
            line = "#"
        line += " " + w
    print(line, file=sys.stderr)
    print(bar, file=sys.stderr, flush=True)


def parallel_backend():
    for line in torch.__config__.parallel_info().splitlines():
        if "parallel backend" in line:
            return line.strip()
    return "ATen parallel backend unknown"


class Bench:
    def __init__(self, device, seed=1):
        self.device = torch.device(device)
        self.gen = torch.Generator().manual_seed(seed)

    def rand(self, *shape):
        """Uniform in [-1, 1), drawn on the host (seeded), then moved to the device."""
        return (torch.rand(*shape, generator=self.gen) * 2 - 1).to(self.device)

    def positive(self, *shape):
        return (torch.rand(*shape, generator=self.gen) + 0.5).to(self.device)

    def one_hot(self, n, classes):
        idx = torch.randint(classes, (n,), generator=self.gen)
        return F.one_hot(idx, classes).float().to(self.device)

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize()


def zoo(model, sample, classes):
    """The cnn4j zoo's models in PyTorch (nn/src/main/java/org/cnn4j/nn/models/Models.java)."""
    c, h, w = sample
    if model == "lenet5":
        pad = 2 if (h, w) == (28, 28) else 0
        feat = nn.Sequential(nn.Conv2d(c, 6, 5, 1, pad), nn.ReLU(), nn.MaxPool2d(2, 2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten())
        n = feat(torch.zeros(1, c, h, w)).shape[1]
        return nn.Sequential(*feat, nn.Linear(n, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                             nn.Linear(84, classes))
    if model == "seed002-cnn":
        layers, cin = [], c
        for width in (32, 64):
            for _ in range(2):
                layers += [nn.Conv2d(cin, width, 3, 1, 1), nn.ReLU(), nn.BatchNorm2d(width, eps=1e-3, momentum=0.01)]
                cin = width
            layers += [nn.MaxPool2d(2, 2), nn.Dropout(0.25)]
        layers.append(nn.Flatten())
        n = nn.Sequential(*layers).eval()(torch.zeros(1, c, h, w)).shape[1]
        return nn.Sequential(*layers, nn.Linear(n, 64), nn.ReLU(), nn.Dropout(0.25), nn.Linear(64, classes))
    if model == "alexnet":
        feat = nn.Sequential(nn.Conv2d(c, 96, 11, 4), nn.ReLU(), nn.MaxPool2d(3, 2),
                             nn.Conv2d(96, 256, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
                             nn.Conv2d(256, 384, 3, 1, 1), nn.ReLU(), nn.Conv2d(384, 384, 3, 1, 1), nn.ReLU(),
                             nn.Conv2d(384, 256, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten())
        n = feat(torch.zeros(1, c, h, w)).shape[1]
        return nn.Sequential(*feat, nn.Dropout(0.5), nn.Linear(n, 4096), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, classes))
    raise ValueError("no PyTorch model for '%s'" % model)


def build(case, b):
    """Returns a function running one call of the case (tensors allocated here, once)."""
    k, p, ps = case["kind"], case["params"], case["pass"]
    if k == "gemm":
        a, bb = b.rand(p["m"], p["k"]), b.rand(p["k"], p["n"])
        c = torch.empty(p["m"], p["n"], device=b.device)
        return lambda: torch.mm(a, bb, out=c)
    if k == "conv2d":
        x = b.rand(*p["x"])
        n, cin = p["x"][0], p["x"][1]
        kk, g = p["kernel"], p["groups"]
        w = b.rand(p["out_channels"], cin // g, kk, kk)
        bias = b.rand(p["out_channels"]) if p["bias"] else None
        s, pad = [p["stride"]] * 2, [p["padding"]] * 2
        y = F.conv2d(x, w, bias, s, pad, 1, g)
        dy = b.rand(*y.shape)
        bias_sizes = [p["out_channels"]] if p["bias"] else None

        def backward(mask):
            return aten.convolution_backward(dy, x, w, bias_sizes, s, pad, [1, 1], False, [0, 0], g, mask)
        if ps == "fwd":
            return lambda: F.conv2d(x, w, bias, s, pad, 1, g)
        if ps == "bwd-data":
            return lambda: backward([True, False, False])
        if ps == "bwd-filter":
            return lambda: backward([False, True, p["bias"]])
        if ps == "fwdbwd":
            def fwdbwd():
                F.conv2d(x, w, bias, s, pad, 1, g)
                return backward([True, True, p["bias"]])
            return fwdbwd
    if k == "maxpool2d":
        x = b.rand(*p["x"])
        kk, s = p["kernel"], p["stride"]
        if ps == "fwd":
            return lambda: F.max_pool2d(x, kk, s)
        y, idx = aten.max_pool2d_with_indices(x, [kk, kk], [s, s])
        dy = b.rand(*y.shape)
        return lambda: aten.max_pool2d_with_indices_backward(dy, x, [kk, kk], [s, s], [0, 0], [1, 1], False, idx)
    if k == "relu":
        x = b.rand(*p["x"])
        if ps == "fwd":
            return lambda: torch.relu(x)
        y = torch.relu(x)
        dy = b.rand(*p["x"])
        return lambda: aten.threshold_backward(dy, y, 0)
    if k == "batchnorm2d":
        x = b.rand(*p["x"])
        ch = p["x"][1]
        w, bias = b.positive(ch), b.rand(ch)
        rm, rv = b.rand(ch), b.positive(ch)
        eps, mom = p["eps"], p["momentum"]
        if ps == "fwd":
            return lambda: aten.native_batch_norm(x, w, bias, rm, rv, True, mom, eps)
        _, mean, invstd = aten.native_batch_norm(x, w, bias, rm, rv, True, mom, eps)
        dy = b.rand(*p["x"])
        return lambda: aten.native_batch_norm_backward(dy, x, w, rm, rv, mean, invstd, True, eps, [True, True, True])
    if k == "dropout":
        x = b.rand(*p["x"])
        prob = p["p"]
        if ps == "fwd":
            return lambda: aten.native_dropout(x, prob, True)
        _, mask = aten.native_dropout(x, prob, True)
        dy = b.rand(*p["x"])
        return lambda: aten.native_dropout_backward(dy, mask, 1.0 / (1.0 - prob))
    if k == "linear":
        n, fin = p["x"]
        x = b.rand(n, fin)
        w = b.rand(p["out_features"], fin)
        bias = b.rand(p["out_features"]) if p["bias"] else None
        dy = b.rand(n, p["out_features"])
        if ps == "fwd":
            return lambda: F.linear(x, w, bias)
        if ps == "bwd-data":
            return lambda: torch.mm(dy, w)
        if ps == "bwd-weights":
            def bwd_weights():
                dw = torch.mm(dy.t(), x)
                return dw, dy.sum(0) if p["bias"] else None
            return bwd_weights
    if k == "softmax-xent":
        n, c = p["logits"]
        logits, target = b.rand(n, c), b.one_hot(n, c)
        if ps == "fwd":
            return lambda: F.cross_entropy(logits, target)
        return lambda: torch.softmax(logits, 1).sub_(target).div_(n)
    if k == "adam":
        param = nn.Parameter(b.rand(p["size"]))
        param.grad = b.rand(p["size"])
        opt = torch.optim.Adam([param], lr=p["lr"])
        return opt.step
    if k == "train-step":
        torch.manual_seed(1)
        model = zoo(p["model"], p["sample"], p["classes"]).to(b.device).train()
        opt = torch.optim.Adam(model.parameters(), lr=p["lr"])
        x = b.rand(p["batch"], *p["sample"])
        target = b.one_hot(p["batch"], p["classes"])

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), target)
            loss.backward()
            opt.step()
        return step
    raise ValueError("bench_torch.py has no PyTorch counterpart for case %s (kind %s, pass %s)"
                     % (case["name"], k, ps))


def measure(fn, b, warmup, min_time, min_reps, max_time):
    with torch.no_grad() if False else torch.enable_grad():
        end = time.perf_counter() + warmup
        while True:
            fn()
            b.sync()
            if time.perf_counter() >= end:
                break
        times = []
        start = time.perf_counter()
        while True:
            t0 = time.perf_counter_ns()
            fn()
            b.sync()
            t1 = time.perf_counter_ns()
            times.append(t1 - t0)
            el = time.perf_counter() - start
            if (el >= min_time and len(times) >= min_reps) or el >= max_time:
                break
    return times


def ceilings(b, quick):
    """PyTorch's own SGEMM (MKL/OpenBLAS on the CPU, cuBLAS on CUDA) and, on CUDA, device-to-device copy."""
    out = []
    n = 2048 if b.device.type == "cpu" else 4096
    a, bb = b.rand(n, n), b.rand(n, n)
    c = torch.empty(n, n, device=b.device)
    torch.mm(a, bb, out=c)
    b.sync()
    best = min(timed(lambda: torch.mm(a, bb, out=c), b) for _ in range(2 if quick else 5))
    dev = "torch-" + b.device.type
    out.append({"device": dev, "name": "sgemm-%d" % n, "value": 2.0 * n ** 3 / best / 1e9, "unit": "GFLOP/s",
                "how": "torch.mm %d^3, best of %d" % (n, 2 if quick else 5)})
    if b.device.type == "cuda":
        size = 64 << 20
        x = b.rand(size)
        y = torch.empty_like(x)
        y.copy_(x)
        b.sync()
        best = min(timed(lambda: y.copy_(x), b) for _ in range(5 if quick else 20))
        out.append({"device": dev, "name": "copy-bandwidth", "value": 2.0 * 4 * size / best / 1e9, "unit": "GB/s",
                    "how": "Tensor.copy_ of 256 MiB device to device, bytes read + written"})
    return out


def timed(fn, b):
    t0 = time.perf_counter()
    fn()
    b.sync()
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plan", required=True, help="the plan written by `cnn4j bench --plan plan.json`")
    ap.add_argument("--out", default="torch.json", help="results file (default: torch.json)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="torch.set_num_threads (default: the machine's cores, %d here)" % os.cpu_count())
    ap.add_argument("--quick", action="store_true", help="the plan's quick cases only, with short timing")
    ap.add_argument("--filter", help="regular expression; only cases whose name contains a match")
    ap.add_argument("--warmup", type=float)
    ap.add_argument("--min-time", type=float)
    ap.add_argument("--min-reps", type=int)
    ap.add_argument("--max-time", type=float)
    a = ap.parse_args(argv)
    warmup = a.warmup if a.warmup is not None else (0.1 if a.quick else 0.5)
    min_time = a.min_time if a.min_time is not None else (0.3 if a.quick else 1.5)
    min_reps = a.min_reps if a.min_reps is not None else (3 if a.quick else 5)
    max_time = a.max_time if a.max_time is not None else (3.0 if a.quick else 20.0)
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("bench_torch.py: --device cuda but torch.cuda.is_available() is False")
    torch.set_num_threads(a.threads)
    with open(a.plan) as f:
        plan = json.load(f)
    if plan.get("schema") != SCHEMA:
        sys.exit("bench_torch.py: %s has schema %r, expected %r" % (a.plan, plan.get("schema"), SCHEMA))
    pattern = re.compile(a.filter) if a.filter else None
    cases = [c for c in plan["cases"] if (not a.quick or "quick" in c["tags"])
             and (pattern is None or pattern.search(c["name"]))]
    if not cases:
        sys.exit("bench_torch.py: no case selected")
    b = Bench(a.device)
    backend = "torch-" + a.device
    device = (torch.cuda.get_device_name() if a.device == "cuda"
              else "%s, %d threads (%s)" % (cpu_model(), torch.get_num_threads(), parallel_backend()))
    machine = {"host": socket.gethostname(), "cpu": cpu_model(), "cores": a.threads, "memory": memory(),
               "runtime": "Python %s, PyTorch %s" % (platform.python_version(), torch.__version__),
               "os": "%s %s %s" % (platform.system(), platform.release(), platform.machine()),
               "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
               "loadBefore": load_avg(), "loadAfter": None, "command": " ".join(["bench_torch.py"] + sys.argv[1:])}
    print("%s on %s; load average %s" % (machine["runtime"], device, machine["loadBefore"]), flush=True)
    blas = blas_record()
    print("BLAS: " + describe_blas(blas), flush=True)
    if blas["warning"]:
        shout("WARNING: " + blas["warning"])
    elif blas["implementation"] == "unknown":
        print("bench_torch.py: could not tell which BLAS torch.mm runs on (see the BLAS line above)", file=sys.stderr)
    ceil = ceilings(b, a.quick)
    for c in ceil:
        print("  %-12s %-15s %10.1f %s" % (c["device"], c["name"], c["value"], c["unit"]), flush=True)
    rows, skipped = [], []
    for i, case in enumerate(cases, 1):
        row = {"name": case["name"], "backend": backend, "device": device, "group": case["group"],
               "kind": case["kind"], "pass": case["pass"], "flops": case["flops"], "bytes": case["bytes"],
               "items": case["items"], "reps": 0, "check": None, "checkDetail": None, "error": None}
        try:
            fn = build(case, b)
            ts = measure(fn, b, warmup, min_time, min_reps, max_time)
            med = statistics.median(ts) / 1e9
            row.update({"reps": len(ts), "medianMs": med * 1e3, "minMs": min(ts) / 1e6,
                        "meanMs": statistics.fmean(ts) / 1e6,
                        "stddevMs": (statistics.stdev(ts) / 1e6) if len(ts) > 1 else 0.0,
                        "gflops": case["flops"] / med / 1e9 if case["flops"] > 0 else None,
                        "gbps": case["bytes"] / med / 1e9 if case["flops"] == 0 else None,
                        "imagesPerSecond": case["items"] / med if case["items"] > 0 else None})
            share = None
            for c in ceil:
                if case["flops"] > 0 and a.device == "cuda" and c["name"].startswith("sgemm"):
                    share = row["gflops"] / c["value"]
                if case["flops"] == 0 and c["name"] == "copy-bandwidth":
                    share = row["gbps"] / c["value"]
            row["peakShare"] = share
            row["ceiling"] = None if share is None else ("%s:%s" % (backend, "sgemm-4096" if case["flops"] > 0
                                                                    else "copy-bandwidth"))
            print("[%d/%d] %-36s %s %.4g ms" % (i, len(cases), case["name"], backend, med * 1e3), flush=True)
        except Exception as e:  # noqa: BLE001 - reported in the results, the run goes on
            row["error"] = "%s: %s" % (type(e).__name__, e)
            print("[%d/%d] %-36s %s ERROR %s" % (i, len(cases), case["name"], backend, row["error"]), flush=True)
        rows.append(row)
    machine["loadAfter"] = load_avg()
    notes = ["PyTorch %s on %s with %d threads; timing: %.1f s warm-up, then at least %.1f s and %d calls (at most "
             "%.0f s), median reported." % (torch.__version__, a.device, a.threads, warmup, min_time, min_reps,
                                            max_time),
             "BLAS: " + describe_blas(blas)]
    if blas["warning"]:
        notes.insert(0, blas["warning"])
    out = {"schema": SCHEMA, "machine": machine, "ceilings": ceil, "blas": blas, "results": rows,
           "skipped": skipped, "notes": notes}
    d = os.path.dirname(os.path.abspath(a.out))
    os.makedirs(d, exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)
    print("wrote %s (%d rows)" % (a.out, len(rows)))
    if blas["warning"]:
        shout("WARNING (again): " + blas["warning"])
    return 1 if any(r["error"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
