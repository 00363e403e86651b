package org.cnn4j.spi;

import java.util.Locale;

/** Parses the per-backend memory limit property {@code cnn4j.<name>.memoryLimit}: bytes, or with a k/m/g suffix. */
final class MemoryLimit {
    static final String PROPERTY = "cnn4j.%s.memoryLimit";

    private MemoryLimit() {
    }

    static long fromProperty(String backend) {
        String key = PROPERTY.formatted(backend);
        String v = System.getProperty(key);
        return v == null || v.isBlank() ? Long.MAX_VALUE : parse(key, v);
    }

    static long parse(String key, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        int shift = switch (v.charAt(v.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " = '" + value + "' is not a byte count (e.g. 512m, 2g)", e);
        }
        if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(key + " = '" + value + "' must be a positive byte count");
        }
        return n << shift;
    }
}
