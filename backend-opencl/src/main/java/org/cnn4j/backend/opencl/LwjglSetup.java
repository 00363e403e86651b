package org.cnn4j.backend.opencl;

/**
 * LWJGL settings applied before the backend's first LWJGL call.
 *
 * <p>LWJGL's default memory backend on JDK 25 reads and writes native memory through {@code sun.misc.Unsafe}, whose
 * memory-access methods the JDK deprecates for removal and warns about on first use (four lines on stderr). LWJGL
 * 3.4 also has a memory backend on the Foreign Function &amp; Memory API, which cnn4j uses elsewhere anyway; the
 * opencl backend picks it unless {@value #MEMORY_BACKEND} is set already (a host application that uses LWJGL
 * itself, and loaded it first, keeps what it chose). Like every native access through LWJGL, it needs
 * {@code --enable-native-access=ALL-UNNAMED}.
 */
final class LwjglSetup {
    /** LWJGL's system property naming its memory backend ({@code ffm}, {@code unsafe} or {@code legacy}). */
    static final String MEMORY_BACKEND = "org.lwjgl.system.memoryBackend";

    static {
        if (System.getProperty(MEMORY_BACKEND) == null) {
            System.setProperty(MEMORY_BACKEND, "ffm");
        }
    }

    private LwjglSetup() {
    }

    /** Applies the settings (once per JVM; the work is done by this class's initialisation). */
    static void apply() {
        // class initialisation did it
    }
}
