#!/usr/bin/env python3
"""The reference for pipeline-bench: the same measurements in PyTorch, scikit-learn and SciPy,
and pipeline's figures beside them with the ratios.

Same networks (layer shapes, ReLU, 2x2 max-pools, a 10-way head), same loss (cross-entropy),
optimiser (AdamW, lr 1e-3, weight decay 0.01), batch sizes and timing (warm-up steps, then
the best of several repeats of several steps); k-means is scikit-learn's Lloyd (n_init=1,
tol=0, a fixed number of iterations) on the very data and initial centroids pipeline-bench
uses; the linear assignment is scipy's linear_sum_assignment on the same matrices. Every
configuration runs in its own process so each peak memory is its own, and pipeline's and the
reference's runs of one configuration alternate, so both see about the same load. The
reference runs each configuration with OpenMP's default and with passive waiting and keeps
the faster: on a busy machine spinning OpenMP threads slow PyTorch down many times over.

    cargo build --release -p pipeline-bench
    python3 bench/reference.py --threads 2            # runs both and prints the ratios
    python3 bench/reference.py --rust-json out.json   # compares with an earlier pipeline-bench --json run

A missing package (torch, scikit-learn, scipy) skips its part with a message.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (name, channels, side, conv layers as (out, kernel, padding, pool), dense width)
ARCHS = {
    "convnet": (1, 28, [(32, 3, 1, True), (64, 3, 1, True), (128, 3, 1, True)], 128),
    "convnet-rgb": (3, 32, [(32, 5, 2, True), (64, 5, 2, True), (128, 3, 1, False), (128, 3, 1, True)], 256),
    "convnet-small": (1, 28, [(32, 3, 1, True), (64, 3, 1, True)], 128),
}
KM_N, KM_D, KM_K = 60_000, 128, 100
# Variables that would change how the reference's BLAS behaves on this machine: unset for the
# reference only.
BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2, help="threads for both sides (default 2)")
    p.add_argument("--parts", default="train,kmeans,assign")
    p.add_argument("--archs", default="convnet,convnet-rgb,convnet-small")
    p.add_argument("--batches", default="64,256")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--kmeans-iters", type=int, default=20)
    p.add_argument("--assign-sizes", default="256,1024")
    p.add_argument("--rust-bin", help="pipeline-bench binary (default: target/release/pipeline-bench, or under $CARGO_TARGET_DIR)")
    p.add_argument("--rust-json", help="compare with this pipeline-bench --json output instead of running pipeline-bench")
    p.add_argument("--json", help="write both sides' records here")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    return p.parse_args()


def reexec_with_clean_env(args):
    """Thread counts must be set before numpy / torch load; the BLAS overrides must go."""
    want = str(args.threads)
    env = dict(os.environ)
    changed = any(k in env for k in BLAS_OVERRIDES)
    for k in BLAS_OVERRIDES:
        env.pop(k, None)
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS"):
        if env.get(k) != want:
            env[k] = want
            changed = True
    if changed:
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


def record(part, name, inp, batch, count, best, median, cpu, extra=None):
    """`best`, `median`, `cpu` are seconds for `count` steps / iterations / solves."""
    r = {
        "part": part, "name": name, "input": inp, "batch": batch,
        "per_s": (batch or 1) * count / best, "ms": 1e3 * best / count, "median_ms": 1e3 * median / count,
        "cpu_ms": 1e3 * cpu / count, "forward_ms": None, "backward_ms": None, "optim_ms": None,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "load": os.getloadavg()[0],
        "threads": int(os.environ["OMP_NUM_THREADS"]),
    }
    r.update(extra or {})
    return r


def repeats(n, body):
    """Runs body n times; returns (best wall, median wall, cpu of best, body result of best)."""
    runs = []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        out = body()
        runs.append((time.perf_counter() - t, time.process_time() - c, out))
    walls = sorted(r[0] for r in runs)
    best = min(runs, key=lambda r: r[0])
    return best[0], walls[len(walls) // 2], best[1], best[2]


def train_child(arch, batch, args):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    c, side, convs, dense = ARCHS[arch]
    layers, ch, s = [], c, side
    for out, k, pad, pool in convs:
        layers += [nn.Conv2d(ch, out, k, padding=pad), nn.ReLU()]
        s = s + 2 * pad - k + 1
        if pool:
            layers.append(nn.MaxPool2d(2))
            s //= 2
        ch = out
    layers += [nn.Flatten(), nn.Linear(ch * s * s, dense), nn.ReLU(), nn.Linear(dense, 10)]
    model = nn.Sequential(*layers)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    x = torch.rand(batch, c, side, side)
    y = torch.arange(batch) % 10

    def step():
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        return (t1 - t0, t2 - t1, t3 - t2)

    for _ in range(args.warmup):
        step()

    def body():
        parts = [0.0, 0.0, 0.0]
        for _ in range(args.steps):
            parts = [a + b for a, b in zip(parts, step())]
        return parts

    best, median, cpu, parts = repeats(args.repeats, body)
    per = lambda v: 1e3 * v / args.steps
    return record("train", arch, f"{c}x{side}x{side}", batch, args.steps, best, median, cpu,
                  {"forward_ms": per(parts[0]), "backward_ms": per(parts[1]), "optim_ms": per(parts[2]),
                   "tool": f"torch {torch.__version__}"})


def kmeans_child(args, data):
    import numpy as np
    import sklearn
    from sklearn.cluster import KMeans

    if data and Path(data, "kmeans_x.f32").exists():
        x = np.fromfile(Path(data, "kmeans_x.f32"), dtype="<f4").reshape(KM_N, KM_D)
        init = np.fromfile(Path(data, "kmeans_init.f32"), dtype="<f4").reshape(KM_K, KM_D)
    else:
        from sklearn.cluster import kmeans_plusplus
        x = np.random.default_rng(0).standard_normal((KM_N, KM_D), dtype=np.float32)
        init, _ = kmeans_plusplus(x, KM_K, random_state=0)
    KMeans(n_clusters=KM_K, init=init, n_init=1, max_iter=1, tol=0, algorithm="lloyd").fit(x)  # warm-up
    km = KMeans(n_clusters=KM_K, init=init, n_init=1, max_iter=args.kmeans_iters, tol=0, algorithm="lloyd")
    best, median, cpu, iters = repeats(args.repeats, lambda: km.fit(x).n_iter_)
    return record("kmeans", f"lloyd k={KM_K}", f"{KM_N}x{KM_D}", 0, iters, best, median, cpu,
                  {"tool": f"scikit-learn {sklearn.__version__}"})


def assign_child(n, args, data):
    import numpy as np
    import scipy
    from scipy.optimize import linear_sum_assignment

    path = Path(data, f"assign_{n}.f64") if data else None
    w = np.fromfile(path, dtype="<f8").reshape(n, n) if path and path.exists() else np.random.default_rng(n).random((n, n))
    linear_sum_assignment(w, maximize=True)
    best, median, cpu, _ = repeats(max(args.repeats, 3), lambda: linear_sum_assignment(w, maximize=True))
    r = record("assign", f"n={n}", f"{n}x{n}", 0, 1, best, median, cpu, {"tool": f"scipy {scipy.__version__}"})
    r["threads"] = 1
    return r


def child(args):
    spec = args.child.split(":")
    if spec[0] == "train":
        r = train_child(spec[1], int(spec[2]), args)
    elif spec[0] == "kmeans":
        r = kmeans_child(args, args.data)
    else:
        r = assign_child(int(spec[1]), args, args.data)
    print(json.dumps(r))


def available(part):
    module = {"train": "torch", "kmeans": "sklearn", "assign": "scipy"}[part]
    try:
        __import__(module)
        return None
    except ImportError:
        return {"train": "PyTorch is not installed (pip install torch --index-url https://download.pytorch.org/whl/cpu)",
                "kmeans": "scikit-learn is not installed (pip install scikit-learn)",
                "assign": "SciPy is not installed (pip install scipy)"}[part]


def configurations(args):
    specs = []
    for part in args.parts.split(","):
        if part == "train":
            for arch in args.archs.split(","):
                if arch not in ARCHS:
                    sys.exit(f"--archs: unknown architecture {arch!r}; valid: {', '.join(ARCHS)}")
                specs += [f"train:{arch}:{b}" for b in args.batches.split(",")]
        elif part == "kmeans":
            specs.append("kmeans")
        elif part == "assign":
            specs += [f"assign:{n}" for n in args.assign_sizes.split(",")]
        else:
            sys.exit(f"--parts: unknown part {part!r}; valid: train, kmeans, assign")
    return specs


def run_child(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        print(f"  failed: {' '.join(cmd)}\n{out.stderr.strip()[-2000:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def find_rust_bin(args):
    if args.rust_bin:
        return args.rust_bin
    for target in filter(None, [os.environ.get("CARGO_TARGET_DIR"), str(ROOT / "target")]):
        p = Path(target, "release", "pipeline-bench")
        if p.exists():
            return str(p)
    return None


def key(r):
    return (r["part"], r["name"], r["batch"])


def compare(rust, ref):
    """Side by side; ratio > 1 means pipeline is faster."""
    print()
    print(f"{'part':<7} {'what':<14} {'batch':>5} {'pipeline/s':>11} {'reference/s':>11} {'ratio':>6} "
          f"{'pipe ms':>8} {'ref ms':>8} {'pipe cpu':>8} {'ref cpu':>8} {'pipe MiB':>8} {'ref MiB':>8} {'load':>5}")
    ref_by = {key(r): r for r in ref}
    for r in rust:
        o = ref_by.get(key(r))
        if o is None:
            continue
        print(f"{r['part']:<7} {r['name']:<14} {r['batch'] or '-':>5} {r['per_s']:>11.1f} {o['per_s']:>11.1f} "
              f"{r['per_s'] / o['per_s']:>6.2f} {r['ms']:>8.2f} {o['ms']:>8.2f} {r['cpu_ms']:>8.1f} {o['cpu_ms']:>8.1f} "
              f"{r['peak_mib']:>8.0f} {o['peak_mib']:>8.0f} {max(r['load'], o['load']):>5.2f}")
    tools = sorted({o.get("tool", "") for o in ref})
    print(f"reference: {', '.join(tools)}; ratio = pipeline rate / reference rate (same threads: {ref[0]['threads'] if ref else '?'}); "
          f"reference OpenMP wait policy kept: {', '.join(o['omp_wait_policy'] for o in ref)}")


def main():
    args = parse_args()
    reexec_with_clean_env(args)
    if args.child:
        return child(args)
    specs = configurations(args)
    skipped = {}
    for part in {s.split(":")[0] for s in specs}:
        msg = available(part)
        if msg:
            skipped[part] = msg
            print(f"skipping the {part} reference: {msg}")
    rust_records = None
    if args.rust_json:
        rust_records = json.loads(Path(args.rust_json).read_text())["records"]
    rust_bin = None if rust_records is not None else find_rust_bin(args)
    if rust_records is None and rust_bin is None:
        print("pipeline-bench not found (cargo build --release -p pipeline-bench, or --rust-bin / --rust-json); reference only")
    print(f"threads {args.threads}, load average now {os.getloadavg()[0]:.2f}")
    common = ["--warmup", str(args.warmup), "--steps", str(args.steps), "--repeats", str(args.repeats),
              "--kmeans-iters", str(args.kmeans_iters)]
    data = tempfile.mkdtemp(prefix="pipeline-bench-")
    rust, ref = [], []
    try:
        for spec in specs:
            part = spec.split(":")[0]
            print(f"{spec} ...", flush=True)
            if rust_bin:
                r = run_child([rust_bin, "--threads", str(args.threads), "--child", spec, "--dump", data] + common)
                if r:
                    rust.append(r)
            if part not in skipped:
                # OpenMP threads spin while they wait for each other by default; when another
                # job holds a core that turns a step into hundreds of ms. The reference gets
                # the better of the default and passive waiting.
                best = None
                for policy in (None, "PASSIVE"):
                    env = dict(os.environ)
                    if policy:
                        env["OMP_WAIT_POLICY"] = policy
                    o = run_child([sys.executable, __file__, "--threads", str(args.threads), "--child", spec,
                                   "--data", data] + common, env)
                    if o:
                        o["omp_wait_policy"] = policy or "default"
                        if best is None or o["per_s"] > best["per_s"]:
                            best = o
                if best:
                    ref.append(best)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    if rust_records is not None:
        rust = rust_records
    for label, recs in (("pipeline", rust), ("reference", ref)):
        if recs:
            print(f"\n{label}:")
            for r in recs:
                parts = "" if r["forward_ms"] is None else \
                    f"  fwd {r['forward_ms']:.2f}  bwd {r['backward_ms']:.2f}  opt {r['optim_ms']:.2f}"
                print(f"  {r['part']:<7} {r['name']:<14} {r['batch'] or '-':>5}  {r['per_s']:10.1f}/s  "
                      f"{r['ms']:8.2f} ms (median {r['median_ms']:.2f}, cpu {r['cpu_ms']:.1f}){parts}  "
                      f"peak {r['peak_mib']:.0f} MiB  load {r['load']:.2f}")
    if rust and ref:
        compare(rust, ref)
    if args.json:
        Path(args.json).write_text(json.dumps({"threads": args.threads, "pipeline": rust, "reference": ref}, indent=1))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
