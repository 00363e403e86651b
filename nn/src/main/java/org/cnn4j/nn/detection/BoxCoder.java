package org.cnn4j.nn.detection;

/**
 * Encodes a box relative to an anchor as {@code (dx, dy, dw, dh)} and back, torchvision's
 * {@code BoxCoder(weights)} ({@code encode_single}, {@code decode_single}).
 *
 * <p>With anchor width {@code w_a}, height {@code h_a} and center {@code (x_a, y_a) = (x1 + 0.5 w_a, y1 + 0.5
 * h_a)}, and the same for the box: {@code dx = wx (x - x_a) / w_a}, {@code dy = wy (y - y_a) / h_a},
 * {@code dw = ww log(w / w_a)}, {@code dh = wh log(h / h_a)}. Decoding divides by the weights, clamps
 * {@code dw} and {@code dh} at {@code log(1000 / 16)} from above (so that {@code exp} stays finite) and returns
 * the corners {@code center -+ 0.5 size}. Arithmetic is in {@code float} in torchvision's order. An empty anchor
 * or box gives infinite or NaN deltas, as in torchvision; callers encode only matched (overlapping) pairs.
 *
 * <p>Immutable and thread-safe; neither method allocates.
 */
public final class BoxCoder {
    /** torchvision's {@code bbox_xform_clip}, {@code log(1000 / 16)}, as float. */
    public static final float CLIP = (float) Math.log(1000.0 / 16);

    private final float wx;
    private final float wy;
    private final float ww;
    private final float wh;

    /** RetinaNet uses {@code new BoxCoder(1, 1, 1, 1)}. */
    public BoxCoder(double wx, double wy, double ww, double wh) {
        for (double w : new double[] {wx, wy, ww, wh}) {
            if (!(w > 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("BoxCoder: weights must be finite and > 0, got (" + wx + ", " + wy
                        + ", " + ww + ", " + wh + ")");
            }
        }
        this.wx = (float) wx;
        this.wy = (float) wy;
        this.ww = (float) ww;
        this.wh = (float) wh;
    }

    /** Writes the 4 deltas of box {@code g} of {@code gt} relative to anchor {@code anchor} at {@code out[at..]}. */
    public void encode(float[] anchors, int anchor, float[] gt, int g, float[] out, int at) {
        int p = 4 * anchor;
        int q = 4 * g;
        float exW = anchors[p + 2] - anchors[p];
        float exH = anchors[p + 3] - anchors[p + 1];
        float exX = anchors[p] + 0.5f * exW;
        float exY = anchors[p + 1] + 0.5f * exH;
        float gtW = gt[q + 2] - gt[q];
        float gtH = gt[q + 3] - gt[q + 1];
        float gtX = gt[q] + 0.5f * gtW;
        float gtY = gt[q + 1] + 0.5f * gtH;
        out[at] = wx * (gtX - exX) / exW;
        out[at + 1] = wy * (gtY - exY) / exH;
        out[at + 2] = ww * (float) Math.log(gtW / exW);
        out[at + 3] = wh * (float) Math.log(gtH / exH);
    }

    /**
     * Writes the box that the 4 deltas at {@code deltas[at..]} give for anchor {@code anchor} at
     * {@code out[outAt..]} as {@code (x1, y1, x2, y2)}.
     */
    public void decode(float[] anchors, int anchor, float[] deltas, int at, float[] out, int outAt) {
        int p = 4 * anchor;
        float w = anchors[p + 2] - anchors[p];
        float h = anchors[p + 3] - anchors[p + 1];
        float cx = anchors[p] + 0.5f * w;
        float cy = anchors[p + 1] + 0.5f * h;
        decode(cx, cy, w, h, deltas[at], deltas[at + 1], deltas[at + 2], deltas[at + 3], out, outAt);
    }

    void decode(float cx, float cy, float w, float h, float rdx, float rdy, float rdw, float rdh, float[] out,
            int outAt) {
        float dx = rdx / wx;
        float dy = rdy / wy;
        float dw = Math.min(rdw / ww, CLIP);
        float dh = Math.min(rdh / wh, CLIP);
        float px = dx * w + cx;
        float py = dy * h + cy;
        float pw = (float) Math.exp(dw) * w;
        float ph = (float) Math.exp(dh) * h;
        float hw = 0.5f * pw;
        float hh = 0.5f * ph;
        out[outAt] = px - hw;
        out[outAt + 1] = py - hh;
        out[outAt + 2] = px + hw;
        out[outAt + 3] = py + hh;
    }
}
