package org.cnn4j.backend.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.function.IntFunction;
import org.cnn4j.core.NativeCallException;

/**
 * What the four binding classes share: binding a symbol to a {@link MethodHandle}, calling it, and turning a
 * status code into a {@link NativeCallException} that names the library, the function and the status.
 */
final class Native {
    private static final Linker LINKER = Linker.nativeLinker();

    private Native() {
    }

    /** Binds {@code name} from {@code symbols}; a missing symbol is an {@link IllegalStateException} naming it. */
    static MethodHandle bind(SymbolLookup symbols, String library, String name, FunctionDescriptor descriptor) {
        MemorySegment address = symbols.find(name).orElseThrow(() -> new IllegalStateException(
                library + ": symbol " + name + " not found in the loaded library"));
        return LINKER.downcallHandle(address, descriptor);
    }

    /** Calls {@code handle} and returns its {@code int} status. Errors thrown by the call itself are rethrown. */
    static int call(MethodHandle handle, Object... args) {
        try {
            return (int) handle.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Calls a function that returns a value other than a status (a version number, a pointer). */
    static Object value(MethodHandle handle, Object... args) {
        try {
            return handle.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Throws when {@code code} is not 0 (success in all four libraries): a {@link NativeCallException} with the
     * status's name from {@code names} and {@code detail} (may be null).
     */
    static void check(String library, String function, int code, IntFunction<String> names, String detail) {
        if (code != 0) {
            throw new NativeCallException(library, function, code, names.apply(code), detail);
        }
    }
}
