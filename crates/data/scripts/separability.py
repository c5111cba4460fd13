"""How hard is a labelled image dataset? k-means on raw pixels (k = number of classes, accuracy
after Hungarian matching of clusters to classes), logistic regression and an MLP on raw pixels.

Usage: python3 separability.py DIR   (DIR written by `examples/export_npy.rs`)
Needs: pip install scikit-learn numpy scipy
"""
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier


def load(d, split):
    x = np.load(f"{d}/{split}_images.npy").reshape(-1, np.prod(np.load(f"{d}/{split}_images.npy").shape[1:]))
    return x.astype(np.float32) / 255.0, np.load(f"{d}/{split}_labels.npy")


def hungarian_accuracy(y, assign, k):
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (assign, y), 1)
    rows, cols = linear_sum_assignment(-counts)
    return counts[rows, cols].sum() / len(y)


def main(d):
    xtr, ytr = load(d, "train")
    xte, yte = load(d, "test")
    k = int(max(ytr.max(), yte.max()) + 1)
    print(f"{d}: train {xtr.shape} test {xte.shape}, {k} classes")
    for seed in range(3):
        t = time.time()
        km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(xtr)
        print(f"k-means (seed {seed}) Hungarian accuracy, train: {hungarian_accuracy(ytr, km.labels_, k):.3f}  ({time.time() - t:.0f}s)")
    t = time.time()
    lr = LogisticRegression(max_iter=300).fit(xtr, ytr)
    print(f"logistic regression test accuracy: {lr.score(xte, yte):.3f}  ({time.time() - t:.0f}s)")
    t = time.time()
    mlp = MLPClassifier(hidden_layer_sizes=(256,), max_iter=60, random_state=0).fit(xtr, ytr)
    print(f"MLP (256 hidden) test accuracy: {mlp.score(xte, yte):.3f}  ({time.time() - t:.0f}s)")


if __name__ == "__main__":
    main(sys.argv[1])
