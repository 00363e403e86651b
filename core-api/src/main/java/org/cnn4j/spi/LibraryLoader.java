package org.cnn4j.spi;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Path;

/**
 * How a native library found at run time is opened: by name through the dynamic loader, or by absolute path. The
 * backends and the process groups search for their libraries through one of these, so tests can hand them a fake.
 */
public interface LibraryLoader {
    /** Opens {@code fileName} through the dynamic loader's own search; throws with its message on failure. */
    SymbolLookup byName(String fileName);

    /** Opens the file at {@code path}; throws with the loader's message on failure. */
    SymbolLookup byPath(Path path);

    /** The JDK's loader: {@link SymbolLookup#libraryLookup} in the global arena (never unloaded). */
    static LibraryLoader system() {
        return new LibraryLoader() {
            @Override
            public SymbolLookup byName(String fileName) {
                return SymbolLookup.libraryLookup(fileName, Arena.global());
            }

            @Override
            public SymbolLookup byPath(Path path) {
                return SymbolLookup.libraryLookup(path, Arena.global());
            }
        };
    }
}
