"""Tests of bench_torch.py's BLAS record: which library is named, and how loudly the reference BLAS is reported.

    python3 -m unittest discover -s bench/pytorch -v

Needs PyTorch (the script imports it); without it every test is skipped, saying so.
"""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import bench_torch as bt
    SKIP = None
except ImportError as e:  # no torch
    bt, SKIP = None, "bench_torch.py cannot be imported: %s" % e

OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3"
NETLIB = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"
SHOW = "PyTorch built with:\n  - Build settings: BLAS_INFO=generic, BUILD_TYPE=Release, LAPACK_INFO=generic, USE_CUDA=OFF, \n"

PLAN = {"schema": "cnn4j-bench/1", "cases": [
    {"name": "lenet5-b64/relu1/fwd", "group": "op", "kind": "relu", "pass": "fwd", "net": "lenet5-b64",
     "params": {"x": [4, 6, 8, 8]}, "flops": 0.0, "bytes": 12288.0, "items": 0, "tags": ["quick"]}]}


@unittest.skipIf(SKIP, SKIP)
class BlasRecordTest(unittest.TestCase):
    def test_build_settings(self):
        self.assertEqual("generic", bt.build_setting(SHOW, "BLAS_INFO"))
        self.assertEqual("generic", bt.build_setting(SHOW, "LAPACK_INFO"))
        self.assertIsNone(bt.build_setting(SHOW, "MKL_INFO"))
        self.assertEqual("mkl", bt.build_setting("Build settings: BLAS_INFO=mkl, LAPACK_INFO=mkl", "BLAS_INFO"))

    def test_classification(self):
        c = bt.classify_blas
        self.assertEqual("OpenBLAS", c("generic", [OPENBLAS, "/usr/lib/x86_64-linux-gnu/libopenblasp-r0.3.21.so"],
                                       OPENBLAS))
        self.assertEqual(bt.REFERENCE_BLAS, c("generic", [NETLIB], NETLIB))
        # what is loaded wins over what libblas.so.3 points at now
        self.assertEqual(bt.REFERENCE_BLAS, c("generic", [NETLIB], OPENBLAS))
        self.assertEqual(bt.REFERENCE_BLAS, c("generic", [], NETLIB))
        self.assertEqual("MKL", c("mkl", [], None))  # pip wheels: MKL linked in statically
        self.assertEqual("OpenBLAS", c("open", [], None))
        self.assertEqual("BLIS", c("generic", ["/usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3"], None))
        self.assertEqual("unknown", c("generic", [], None))
        self.assertEqual("unknown", c(None, ["/opt/lib/libfoo_lapack.so"], None))

    def record(self, loaded, libblas, gflops):
        with mock.patch.object(bt, "mm_gflops", return_value=gflops), \
                mock.patch.object(bt, "loaded_blas", return_value=loaded), \
                mock.patch.object(bt, "libblas_path", return_value=libblas), \
                mock.patch.object(bt, "libblas_alternative", return_value=libblas), \
                mock.patch.object(bt.torch.__config__, "show", return_value=SHOW):
            return bt.blas_record()

    def test_openblas_record_has_no_warning(self):
        rec = self.record([OPENBLAS], OPENBLAS, 120.0)
        self.assertEqual("OpenBLAS", rec["implementation"])
        self.assertFalse(rec["reference"])
        self.assertIsNone(rec["warning"])
        self.assertEqual("generic", rec["blasInfo"])
        self.assertEqual(OPENBLAS, rec["alternative"])
        self.assertIn("torch.mm 1024: 120.0 GFLOP/s", bt.describe_blas(rec))

    def test_reference_record_warns(self):
        rec = self.record([NETLIB], NETLIB, 4.1)
        self.assertTrue(rec["reference"])
        self.assertIn("REFERENCE BLAS", rec["warning"])
        self.assertIn(NETLIB, rec["warning"])
        self.assertIn("4.1 GFLOP/s", rec["warning"])
        self.assertIn("libopenblas0-openmp", rec["warning"])

    def test_a_run_on_the_reference_blas_says_so_on_stderr_and_in_the_results(self):
        rec = self.record([NETLIB], NETLIB, 4.1)
        with tempfile.TemporaryDirectory() as d:
            plan, out = os.path.join(d, "plan.json"), os.path.join(d, "torch.json")
            with open(plan, "w") as f:
                json.dump(PLAN, f)
            err, std = io.StringIO(), io.StringIO()
            with mock.patch.object(bt, "blas_record", return_value=rec), \
                    mock.patch.object(bt, "ceilings", return_value=[]), \
                    contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
                self.assertEqual(0, bt.main(["--plan", plan, "--out", out, "--threads", "1", "--warmup", "0.01",
                                             "--min-time", "0.01", "--min-reps", "1"]))
            with open(out) as f:
                res = json.load(f)
        self.assertTrue(res["blas"]["reference"])
        self.assertEqual(rec["warning"], res["notes"][0])
        self.assertTrue(any(n.startswith("BLAS: reference BLAS (netlib)") for n in res["notes"]), res["notes"])
        self.assertEqual(2, err.getvalue().count("WARNING"), err.getvalue())  # at the start and at the end
        self.assertIn("#" * 100, err.getvalue())
        self.assertIn("BLAS: reference BLAS (netlib)", std.getvalue())
        self.assertEqual(1, len(res["results"]))


if __name__ == "__main__":
    unittest.main()
