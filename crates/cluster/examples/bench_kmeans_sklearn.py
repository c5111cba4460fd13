"""scikit-learn's Lloyd k-means from the same data and initial centroids as bench_kmeans.rs.

    cargo run --release -p pipeline-cluster --example bench_kmeans -- --dump /tmp/kmb
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=2 \
        python3 crates/cluster/examples/bench_kmeans_sklearn.py /tmp/kmb
"""
import resource
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans

N, D, K, ITERS = 60_000, 128, 100, 20
folder = sys.argv[1]
x = np.fromfile(f"{folder}/x.f32", dtype="<f4").reshape(N, D)
init = np.fromfile(f"{folder}/init.f32", dtype="<f4").reshape(K, D)
km = KMeans(n_clusters=K, init=init, n_init=1, max_iter=1, tol=0, algorithm="lloyd")
km.fit(x)  # warm-up
km = KMeans(n_clusters=K, init=init, n_init=1, max_iter=ITERS, tol=0, algorithm="lloyd")
t, cpu = time.perf_counter(), time.process_time()
km.fit(x)
secs, cpu = time.perf_counter() - t, time.process_time() - cpu
print(f"scikit-learn {sklearn.__version__}: {km.n_iter_} iterations in {secs:.3f} s = "
      f"{km.n_iter_ / secs:.1f} iterations/s ({secs * 1e3 / km.n_iter_:.1f} ms/iteration, "
      f"{cpu * 1e3 / km.n_iter_:.1f} CPU-ms/iteration), inertia {km.inertia_:.1f}")
print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")
