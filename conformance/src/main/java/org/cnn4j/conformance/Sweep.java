package org.cnn4j.conformance;

/**
 * How large a run is: random samples per generator and the bounds of the sizes they draw. {@link #CI} keeps the
 * whole suite on the reference to seconds; {@link #FULL} ({@code -Dcnn4j.conformance.full=true}) draws more and
 * bigger cases and adds the heavy named cases (AlexNet's grouped conv2).
 *
 * @param name        shown in reports and replay hints
 * @param samples     random cases per generator
 * @param maxBatch    largest N
 * @param maxChannels largest channel count per group
 * @param maxSpatial  largest H and W
 * @param maxFeatures largest matrix dimension (linear, GEMM)
 * @param heavy       whether to include the expensive named cases
 */
public record Sweep(String name, int samples, int maxBatch, int maxChannels, int maxSpatial, int maxFeatures,
        boolean heavy) {
    public static final Sweep CI = new Sweep("ci", 6, 3, 5, 11, 24, false);
    public static final Sweep FULL = new Sweep("full", 40, 5, 16, 40, 96, true);
}
