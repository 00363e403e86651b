/**
 * Host-side detection math for RetinaNet-style detectors, on plain {@code float[]} arrays: box IoU, anchors,
 * anchor-to-ground-truth matching, box encoding, non-maximum suppression, post-processing of the head's outputs,
 * training targets and VOC/COCO-style average precision.
 *
 * <p>Boxes are {@code float[]} of {@code 4 * n} values {@code (x1, y1, x2, y2)} in pixels, torchvision's
 * convention; a box with {@code x2 <= x1} or {@code y2 <= y1} is empty (area 0). The semantics follow
 * torchvision 0.14's {@code torchvision.models.detection} ({@code _utils.BoxCoder}, {@code _utils.Matcher},
 * {@code anchor_utils.AnchorGenerator}, {@code retinanet.RetinaNet}) and {@code torchvision.ops}; where this
 * package differs (empty boxes, ties, a ground-truth box that overlaps no anchor) the class documents it, and
 * docs/detection.md lists all of it.
 */
package org.cnn4j.nn.detection;
