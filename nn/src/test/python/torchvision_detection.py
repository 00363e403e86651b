"""Prints torchvision 0.14's detection results as a Java class, for cnn4j's org.cnn4j.nn.detection tests.

usage: /usr/bin/python3 torchvision_detection.py > nn/src/test/java/org/cnn4j/nn/detection/TorchvisionCases.java

Every input is drawn here from a fixed seed and printed next to what torchvision computes from it (anchors,
box_iou, Matcher(0.5, 0.4, allow_low_quality_matches=True), BoxCoder encode_single/decode_single, ops.nms,
ops.batched_nms, RetinaNet.postprocess_detections and the targets of RetinaNet's compute_loss), so the Java tests
need neither Python nor torch.
"""
import math
import types

import torch
import torchvision
from torchvision.models.detection import _utils as det_utils
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.retinanet import RetinaNet
from torchvision.ops import boxes as box_ops

torch.manual_seed(3)
out = []


def fl(x):
    x = float(x)
    if math.isnan(x):
        return "Float.NaN"
    if math.isinf(x):
        return "Float.POSITIVE_INFINITY" if x > 0 else "Float.NEGATIVE_INFINITY"
    return repr(x) + "f"


def farr(name, t):
    vals = [fl(v) for v in torch.as_tensor(t, dtype=torch.float32).flatten().tolist()]
    lines = []
    for i in range(0, len(vals), 8):
        lines.append("            " + ", ".join(vals[i:i + 8]) + ",")
    out.append("    static final float[] %s = {\n%s\n    };" % (name, "\n".join(lines)))


def iarr(name, t):
    vals = [str(int(v)) for v in torch.as_tensor(t).flatten().tolist()]
    lines = []
    for i in range(0, len(vals), 20):
        lines.append("            " + ", ".join(vals[i:i + 20]) + ",")
    out.append("    static final int[] %s = {\n%s\n    };" % (name, "\n".join(lines)))


def retina_sizes(strides, smallest, largest):
    n = len(strides)
    sizes = []
    for l in range(n):
        b = smallest * (largest / smallest) ** (l / (n - 1))
        sizes.append((b, b * 2 ** (1.0 / 3), b * 2 ** (2.0 / 3)))
    return tuple(sizes)


def grid(gen, feature_sizes, strides):
    st = [[torch.tensor(s), torch.tensor(s)] for s in strides]
    gen.set_cell_anchors(torch.float32, torch.device("cpu"))
    return gen.grid_anchors([list(f) for f in feature_sizes], st)


def random_boxes(n, lo, hi, min_size, max_size):
    xy = torch.rand(n, 2) * (hi - lo) + lo
    wh = torch.rand(n, 2) * (max_size - min_size) + min_size
    return torch.cat([xy, xy + wh], dim=1)


# anchors: seed 003's preset, and sizes whose half-sides are x.5 (round half to even)
strides = [8, 16, 32, 64]
seed_gen = AnchorGenerator(retina_sizes(strides, 14.0, 220.0), ((0.5, 1.0, 2.0),) * 4)
fs = [[3, 4], [2, 3], [1, 2], [1, 1]]
farr("ANCHORS_SEED003_3x4_2x3_1x2_1x1", torch.cat(grid(seed_gen, fs, strides)))
odd_gen = AnchorGenerator(((15.0, 25.0),), ((1.0, 0.25),))
farr("ANCHORS_ODD_2x2_STRIDE7", torch.cat(grid(odd_gen, [[2, 2]], [7])))

# box_iou, with empty, degenerate, duplicate and touching boxes
a = random_boxes(10, 0, 40, 0, 20)
a = torch.cat([a, torch.tensor([[5, 5, 5, 9], [10, 10, 8, 8], [0, 0, 10, 10]], dtype=torch.float32)])
b = random_boxes(6, 0, 40, 1, 25)
b = torch.cat([b, torch.tensor([[0, 0, 10, 10], [10, 0, 20, 10], [3, 3, 3, 3]], dtype=torch.float32)])
farr("IOU_A", a)
farr("IOU_B", b)
farr("IOU_AB", box_ops.box_iou(a, b))

# Matcher on seed 003's anchors over a 48x48 image (feature sizes 6x6, 3x3, 2x2, 1x1)
mfs = [[6, 6], [3, 3], [2, 2], [1, 1]]
anchors = torch.cat(grid(seed_gen, mfs, strides))
gt = random_boxes(4, 0, 40, 6, 30)
gt = torch.cat([gt, anchors[100:101].clone(), gt[1:2].clone(), torch.tensor([[30.0, 0.0, 48.0, 12.0]])])
gt_labels = torch.tensor([0, 1, 1, 0, 1, 0, 1])
matcher = det_utils.Matcher(0.5, 0.4, allow_low_quality_matches=True)
quality = box_ops.box_iou(gt, anchors)
matches = matcher(quality)
farr("MATCH_GT", gt)
iarr("MATCH_LABELS", gt_labels)
iarr("MATCH", matches)
matches_plain = det_utils.Matcher(0.5, 0.4, allow_low_quality_matches=False)(quality)
iarr("MATCH_NO_LOW_QUALITY", matches_plain)

# RetinaNet's targets (compute_loss): class targets, valid anchors, regression targets of foreground anchors
coder = det_utils.BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
cls_target = torch.zeros(anchors.shape[0], 2)
fg = matches >= 0
cls_target[fg, gt_labels[matches[fg]]] = 1.0
valid = matches != det_utils.Matcher.BETWEEN_THRESHOLDS
fg_idx = torch.where(fg)[0]
reg_target = coder.encode_single(gt[matches[fg_idx]], anchors[fg_idx])
farr("TARGET_CLS", cls_target)
iarr("TARGET_VALID", valid.to(torch.int64))
iarr("TARGET_FG", fg_idx)
farr("TARGET_REG", reg_target)

# BoxCoder
ea = random_boxes(12, 0, 100, 4, 60)
eg = random_boxes(12, 0, 100, 4, 60)
farr("CODER_ANCHORS", ea)
farr("CODER_GT", eg)
farr("CODER_ENCODED", coder.encode_single(eg, ea))
deltas = torch.randn(12, 4) * 0.5
deltas[3, 2] = 10.0
deltas[5, 3] = 7.0
deltas[7, 2] = -9.0
farr("CODER_DELTAS", deltas)
farr("CODER_DECODED", coder.decode_single(deltas, ea))
wcoder = det_utils.BoxCoder(weights=(10.0, 10.0, 5.0, 5.0))
farr("CODER_ENCODED_W", wcoder.encode_single(eg, ea))
farr("CODER_DECODED_W", wcoder.decode_single(deltas * 5, ea))

# nms and batched_nms, with tied scores
nb = random_boxes(40, 0, 50, 5, 25)
nb[7] = nb[3]
nb[20] = nb[21] + 0.5
scores = torch.round(torch.rand(40) * 10) / 10
nlabels = torch.randint(0, 3, (40,))
farr("NMS_BOXES", nb)
farr("NMS_SCORES", scores)
iarr("NMS_LABELS", nlabels)
iarr("NMS_KEEP_05", torchvision.ops.nms(nb, scores, 0.5))
iarr("NMS_KEEP_03", torchvision.ops.nms(nb, scores, 0.3))
uscores = torch.rand(40)
farr("NMS_UNIQUE_SCORES", uscores)
iarr("BATCHED_KEEP_04", torchvision.ops.batched_nms(nb, uscores, nlabels, 0.4))

# RetinaNet.postprocess_detections: 2 levels, 3 anchors per cell, 2 classes, image 32x40
pp_gen = AnchorGenerator(((16.0,), (32.0,)), ((0.5, 1.0, 2.0),) * 2)
pfs = [[4, 5], [2, 3]]
pp_anchors = grid(pp_gen, pfs, [8, 16])
A, K = 3, 2
cls_maps, reg_maps, cls_flat, reg_flat = [], [], [], []
for (h, w) in pfs:
    c = torch.randn(A * K, h, w) * 2 - 1.5
    r = torch.randn(A * 4, h, w) * 0.3
    cls_maps.append(c)
    reg_maps.append(r)
    cls_flat.append(c.view(A, K, h, w).permute(2, 3, 0, 1).reshape(1, -1, K))
    reg_flat.append(r.view(A, 4, h, w).permute(2, 3, 0, 1).reshape(1, -1, 4))
self = types.SimpleNamespace(score_thresh=0.05, topk_candidates=12, nms_thresh=0.5, detections_per_img=10,
                             box_coder=coder)
dets = RetinaNet.postprocess_detections(self, {"cls_logits": cls_flat, "bbox_regression": reg_flat},
                                        [pp_anchors], [(32, 40)])[0]
farr("PP_CLS0", cls_maps[0])
farr("PP_CLS1", cls_maps[1])
farr("PP_REG0", reg_maps[0])
farr("PP_REG1", reg_maps[1])
farr("PP_BOXES", dets["boxes"])
farr("PP_SCORES", dets["scores"])
iarr("PP_LABELS", dets["labels"])

print("package org.cnn4j.nn.detection;")
print()
print("/** Generated by nn/src/test/python/torchvision_detection.py with torch %s, torchvision %s. */"
      % (torch.__version__, torchvision.__version__))
print("final class TorchvisionCases {")
print("    private TorchvisionCases() {\n    }\n")
print("\n\n".join(out))
print("}")
